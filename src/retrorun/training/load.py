"""Load, compliance and pain-trend metrics of the training log.

All functions are pure and take plain data: a sequence of
:class:`~retrorun.training.adaptation.LoggedSession` and, for compliance, the planned
sessions as mappings with ``session_id``, ``date`` and ``backward_minutes``.

Definitions (evidence keys in brackets, see the evidence registry):

- **session-RPE load** = CR-10 RPE × minutes, in arbitrary units (AU) [load.srpe]
  (Foster et al. 2001; valid from 1 min to 14 days after, Foster et al. 2021).
- **forward-equivalent minutes** = backward minutes × 1.3 [load.backward_factor]:
  backward running costs about 30–35 % more energy than forward running at the same
  speed (Wright & Weyand 2001; Rasica 2020). The factor is applied to minutes, not to
  sRPE, because RPE already rates the harder effort.
- **monotony** = mean / SD of the 7 daily loads of a week, rest days counted as 0,
  population SD (ddof = 0); **strain** = weekly load × monotony [load.monotony_max]
  (Foster 1998; monotony > 2.0 flagged).
- **ACWR** = 7-day load / (28-day load / 4), the coupled rolling-average form of
  Gabbett 2016; shown as information only, never used to decide, because of the
  mathematical-coupling and predictive-value critiques [load.acwr_band].
- **compliance band** of a session: done / planned minutes within 15 % → green,
  15–35 % → orange, beyond 35 % (or missed) → red [compliance.bands] (Today's Plan bands).
- **look balance**: left / right look-backs; an imbalance above 20 % of all looks is
  flagged (design rule: no study of look alternation exists) [design.look_balance].
- **pain trend**: least-squares slope of the weekly mean of each session's highest
  pain rating, points per week [pain.week_to_week].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from retrorun.training.adaptation import LoggedSession
from retrorun.training.logs import max_pain

#: Backward minutes → forward-equivalent minutes (Wright & Weyand 2001; Rasica 2020).
BACKWARD_LOAD_FACTOR = 1.3
#: Weekly monotony above this is flagged (Foster 1998).
MONOTONY_FLAG = 2.0
#: Gabbett 2016 bands, display only.
ACWR_SWEET_SPOT = (0.8, 1.3)
ACWR_DANGER = 1.5
#: Compliance band limits as fractions of the planned minutes (Today's Plan).
COMPLIANCE_GREEN = 0.15
COMPLIANCE_ORANGE = 0.35
#: Left/right look imbalance flagged above this fraction (design rule).
LOOK_IMBALANCE_FLAG = 0.20

ACWR_CAVEAT = (
    "ACWR is shown for information only. Acute load is part of chronic load (mathematical "
    "coupling, Lolli et al. 2019); dividing by a fixed or random chronic load predicts "
    "injury about as well (Impellizzeri et al. 2020); and in 5,205 runners a spike in a "
    "single session against the longest run of the last 30 days mattered while ACWR did "
    "not (Frandsen et al. 2025). retrorun never decides from it."
)


def srpe_load(rpe: float | None, minutes: float) -> float:
    """Session-RPE load (AU) = CR-10 RPE × minutes; 0 when no RPE was given."""
    return 0.0 if rpe is None else float(rpe) * float(minutes)


def forward_equivalent_minutes(backward_minutes: float) -> float:
    """Backward minutes expressed as forward-running minutes (× 1.3)."""
    return BACKWARD_LOAD_FACTOR * float(backward_minutes)


def compliance_band(ratio: float | None) -> str:
    """``green`` (within 15 %), ``orange`` (15–35 %) or ``red`` (beyond 35 % or missed)."""
    if ratio is None:
        return "red"
    dev = abs(ratio - 1.0)
    if dev <= COMPLIANCE_GREEN + 1e-9:
        return "green"
    if dev <= COMPLIANCE_ORANGE + 1e-9:
        return "orange"
    return "red"


def daily_loads(logs: Sequence[LoggedSession], start: date, days: int) -> np.ndarray:
    """sRPE load per day for *days* days from *start* (AU; several sessions a day add up)."""
    out = np.zeros(days)
    for s in logs:
        i = (s.entry.date - start).days
        if 0 <= i < days:
            out[i] += srpe_load(s.entry.rpe, s.entry.backward_minutes)
    return out


def monotony(week: np.ndarray) -> float | None:
    """Foster monotony of 7 daily loads (mean / population SD); ``None`` if SD is 0."""
    week = np.asarray(week, dtype=float)
    sd = float(week.std())
    return None if sd == 0 else float(week.mean()) / sd


def acwr(loads: np.ndarray, day: int) -> float | None:
    """Coupled rolling-average ACWR on day index *day* (needs 28 days of history)."""
    if day < 27:
        return None
    acute = float(loads[day - 6 : day + 1].sum())
    chronic = float(loads[day - 27 : day + 1].sum()) / 4.0
    return None if chronic == 0 else acute / chronic


@dataclass(frozen=True)
class WeekSummary:
    """One week of the log (week 1 starts on the first day of the plan)."""

    week: int
    start: date
    planned_minutes: float
    backward_minutes: float
    forward_equivalent_minutes: float
    srpe_load: float
    monotony: float | None
    strain: float | None
    sessions_planned: int
    sessions_logged: int
    mean_pain: float | None
    max_pain: int | None
    mean_morning_pain: float | None
    looks_left: int
    looks_right: int
    acwr: float | None
    #: Mean next-morning stiffness (0–10) of the week's logs that report it.
    mean_morning_stiffness: float | None = None

    @property
    def monotony_flag(self) -> bool:
        return self.monotony is not None and self.monotony > MONOTONY_FLAG


@dataclass(frozen=True)
class SessionCompliance:
    session_id: str
    date: date
    planned_minutes: float
    done_minutes: float | None
    ratio: float | None
    band: str


@dataclass(frozen=True)
class ProgressReport:
    """Everything ``retrorun progress`` prints and plots."""

    start: date
    end: date
    weeks: tuple[WeekSummary, ...]
    compliance: tuple[SessionCompliance, ...]
    band_counts: Mapping[str, int]
    looks_left: int
    looks_right: int
    look_imbalance: float | None
    pain_slope_per_week: float | None
    acwr_latest: float | None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    #: Least-squares slope of the weekly mean next-morning stiffness, points per week
    #: (``None`` with fewer than two weeks that report stiffness).
    stiffness_slope_per_week: float | None = None
    #: Whether any log reports a next-morning stiffness (the trend is shown only then).
    stiffness_logged: bool = False

    @property
    def look_flag(self) -> bool:
        return self.look_imbalance is not None and self.look_imbalance > LOOK_IMBALANCE_FLAG

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (dates as ISO text), with the ACWR caveat."""
        from dataclasses import asdict

        def conv(v: Any) -> Any:
            if isinstance(v, date):
                return v.isoformat()
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            if isinstance(v, list | tuple):
                return [conv(x) for x in v]
            return v

        d = conv(asdict(self))
        d["band_counts"] = dict(self.band_counts)
        d["acwr_caveat"] = ACWR_CAVEAT
        return d


def _mean(xs: list[float]) -> float | None:
    return float(np.mean(xs)) if xs else None


def progress_report(
    logs: Sequence[LoggedSession],
    planned: Sequence[Mapping[str, Any]],
    *,
    start: date,
    today: date,
) -> ProgressReport:
    """Weekly load, compliance, look balance and pain trend from *start* to *today*.

    Parameters
    ----------
    logs
        Logged sessions (any order).
    planned
        Planned sessions (``session_id``, ``date``, ``backward_minutes``); those dated
        up to *today* and not logged count as missed.
    start, today
        First day of week 1, and the last day counted.
    """
    logs = sorted(logs, key=lambda s: s.entry.date)
    if logs:
        start = min(start, logs[0].entry.date)
    n_weeks = max(1, (today - start).days // 7 + 1)
    ndays = n_weeks * 7
    nan = float("nan")

    def _d(v: Any) -> date:
        return v if isinstance(v, date) else date.fromisoformat(str(v))

    # One vectorised pass: per-log arrays, then per-day / per-week reductions.
    day = np.array([(s.entry.date - start).days for s in logs], dtype=int)
    keep = (day >= 0) & (day < ndays)
    e = [s.entry for s in logs]
    minutes = np.array([x.backward_minutes for x in e], dtype=float)
    load = np.array([srpe_load(x.rpe, x.backward_minutes) for x in e], dtype=float)
    pain = np.array([nan if (mp := max_pain(x)) is None else mp for x in e], dtype=float)
    morning = np.array(
        [nan if x.pain_next_morning is None else x.pain_next_morning for x in e], dtype=float
    )
    stiff = np.array(
        [nan if x.stiffness_next_morning is None else x.stiffness_next_morning for x in e],
        dtype=float,
    )
    left = np.array([x.looks_left or 0 for x in e], dtype=float)
    right = np.array([x.looks_right or 0 for x in e], dtype=float)
    did = np.array([x.done != "no" for x in e], dtype=float)
    day, minutes, load, pain, morning = (
        day[keep],
        minutes[keep],
        load[keep],
        pain[keep],
        morning[keep],
    )
    left, right, did, stiff = left[keep], right[keep], did[keep], stiff[keep]
    wk = day // 7

    def per_week(w: np.ndarray) -> np.ndarray:
        return np.bincount(wk, weights=w, minlength=n_weeks)[:n_weeks]

    loads = np.bincount(day, weights=load, minlength=ndays)[:ndays]
    daily = loads.reshape(n_weeks, 7)
    totals = daily.sum(axis=1)
    sd = daily.std(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mono = np.where((sd > 0) & (totals > 0), daily.mean(axis=1) / sd, nan)
    has_pain = ~np.isnan(pain)
    n_pain = np.bincount(wk[has_pain], minlength=n_weeks)[:n_weeks]
    sum_pain = np.bincount(wk[has_pain], weights=pain[has_pain], minlength=n_weeks)[:n_weeks]
    max_p = np.full(n_weeks, -1.0)
    np.maximum.at(max_p, wk[has_pain], pain[has_pain])
    has_m = ~np.isnan(morning)
    n_m = np.bincount(wk[has_m], minlength=n_weeks)[:n_weeks]
    sum_m = np.bincount(wk[has_m], weights=morning[has_m], minlength=n_weeks)[:n_weeks]
    has_s = ~np.isnan(stiff)
    n_s = np.bincount(wk[has_s], minlength=n_weeks)[:n_weeks]
    sum_s = np.bincount(wk[has_s], weights=stiff[has_s], minlength=n_weeks)[:n_weeks]
    # Coupled rolling ACWR on the last counted day of each week.
    cs = np.concatenate([[0.0], np.cumsum(loads)])
    last_day = np.minimum(np.arange(n_weeks) * 7 + 6, (today - start).days)
    acute = cs[last_day + 1] - cs[np.maximum(last_day - 6, 0)]
    chronic = (cs[last_day + 1] - cs[np.maximum(last_day - 27, 0)]) / 4.0
    with np.errstate(invalid="ignore", divide="ignore"):
        acwr_w = np.where((last_day >= 27) & (chronic > 0), acute / chronic, nan)

    plan_rows = sorted(
        (
            {
                "session_id": str(p["session_id"]),
                "date": _d(p["date"]),
                "minutes": float(p["backward_minutes"]),
            }
            for p in planned
        ),
        key=lambda p: p["date"],
    )
    pday = np.array([(p["date"] - start).days for p in plan_rows], dtype=int)
    pmin = np.array([p["minutes"] for p in plan_rows], dtype=float)
    pin = (pday >= 0) & (pday < ndays)
    planned_w = np.bincount(pday[pin] // 7, weights=pmin[pin], minlength=n_weeks)[:n_weeks]
    n_planned = np.bincount(pday[pin] // 7, minlength=n_weeks)[:n_weeks]

    def opt(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    mins_w, left_w, right_w, did_w = (
        per_week(minutes),
        per_week(left),
        per_week(right),
        per_week(did),
    )
    weeks = tuple(
        WeekSummary(
            week=w + 1,
            start=start + timedelta(days=7 * w),
            planned_minutes=float(planned_w[w]),
            backward_minutes=float(mins_w[w]),
            forward_equivalent_minutes=BACKWARD_LOAD_FACTOR * float(mins_w[w]),
            srpe_load=float(totals[w]),
            monotony=opt(mono[w]),
            strain=None if np.isnan(mono[w]) else float(totals[w] * mono[w]),
            sessions_planned=int(n_planned[w]),
            sessions_logged=int(did_w[w]),
            mean_pain=float(sum_pain[w] / n_pain[w]) if n_pain[w] else None,
            max_pain=int(max_p[w]) if n_pain[w] else None,
            mean_morning_pain=float(sum_m[w] / n_m[w]) if n_m[w] else None,
            looks_left=int(left_w[w]),
            looks_right=int(right_w[w]),
            acwr=opt(acwr_w[w]),
            mean_morning_stiffness=float(sum_s[w] / n_s[w]) if n_s[w] else None,
        )
        for w in range(n_weeks)
    )
    logged_ids = {s.entry.session_id: s for s in logs}
    comp: list[SessionCompliance] = []
    for p in plan_rows:
        if p["date"] > today and p["session_id"] not in logged_ids:
            continue
        s = logged_ids.get(p["session_id"])
        done = None if s is None else s.entry.backward_minutes
        ratio = None if done is None or p["minutes"] <= 0 else done / p["minutes"]
        comp.append(
            SessionCompliance(
                p["session_id"], p["date"], p["minutes"], done, ratio, compliance_band(ratio)
            )
        )
    counts = {b: sum(1 for c in comp if c.band == b) for b in ("green", "orange", "red")}
    lt, rt = int(left.sum()), int(right.sum())
    imbalance = abs(lt - rt) / (lt + rt) if lt + rt else None
    wk_pain = [(w.week, w.mean_pain) for w in weeks if w.mean_pain is not None]
    slope = None
    if len(wk_pain) >= 2:
        x, y = np.array(wk_pain, dtype=float).T
        slope = float(np.polyfit(x, y, 1)[0])
    wk_stiff = [
        (w.week, w.mean_morning_stiffness) for w in weeks if w.mean_morning_stiffness is not None
    ]
    stiff_slope = None
    if len(wk_stiff) >= 2:
        x, y = np.array(wk_stiff, dtype=float).T
        stiff_slope = float(np.polyfit(x, y, 1)[0])
    warnings = tuple(
        f"{s.entry.date} {s.entry.session_id}: {w}" for s in logs for w in s.entry.warnings
    )
    return ProgressReport(
        start=start,
        end=today,
        weeks=weeks,
        compliance=tuple(comp),
        band_counts=counts,
        looks_left=lt,
        looks_right=rt,
        look_imbalance=imbalance,
        pain_slope_per_week=slope,
        acwr_latest=acwr(loads, (today - start).days),
        warnings=warnings,
        stiffness_slope_per_week=stiff_slope,
        stiffness_logged=bool(has_s.any()),
    )
