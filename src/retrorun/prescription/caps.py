"""Caps no plan may break, checked on a finished plan (plus the athlete's history).

:func:`check_caps` returns every violation (empty list = the plan is fine). It checks:

- ``session_growth``: a session's backward minutes ≤ ``session_growth_max`` (1.1) × the longest
  backward session in the previous 30 days (history included), when there is one;
- ``two_week_growth``: a week's backward minutes ≤ ``two_week_growth_max`` (1.3) × the week two
  weeks earlier, when that week had any. Weeks are the 7-day weeks of the training block,
  counted from ``Plan.grid_start`` (the block's first day, also for a re-plan that starts
  mid-block); the history is binned on the same weeks, and sessions done earlier in the week a
  re-plan starts in count towards that week;
- ``weekly_share``: a week's backward minutes (history of that week included) ≤
  ``Limits.weekly_backward_max``;
- ``session_max``: a session ≤ 15 min (running) or the walking maximum (15, or 30 for low back
  pain);
- ``pace`` / ``rpe``: every backward step has a pace ceiling ≤ 70 % of easy speed and an RPE
  target ≤ 5 ("never fast");
- ``looks``: equal left/right counts, alternating sequence;
- ``block_order``: the backward block is first and the only block with backward steps;
- ``minutes``: ``backward_minutes`` equals the sum of the backward steps;
- ``rest_day``: at least one rest day between backward sessions (history included);
- ``supervised``: every session of a supervised plan is marked supervised.

History entries are ``(date, backward minutes)``; only entries before the plan start with
minutes > 0 count.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from retrorun.prescription.model import BLOCK_ORDER, Plan

#: Tolerance of the minute comparisons, min (durations are whole seconds).
EPS_MIN = 1e-6


@dataclass(frozen=True, slots=True)
class CapViolation:
    """One broken cap.

    Attributes
    ----------
    code
        Which cap (see the module docstring).
    where
        Session id or ``"week N"``.
    message
        What is wrong.
    value, limit
        The offending number and its limit (``nan``-free; 0 when not numeric).
    """

    code: str
    where: str
    message: str
    value: float = 0.0
    limit: float = 0.0


def clean_history(
    history: Iterable[tuple[dt.date, float]], start: dt.date
) -> list[tuple[dt.date, float]]:
    """History entries before ``start`` with minutes > 0, date-ordered.

    Raises
    ------
    ValueError
        When an entry is not ``(date, minutes)`` or minutes are negative or not finite.
    """
    out: list[tuple[dt.date, float]] = []
    for i, item in enumerate(history):
        try:
            d, m = item
        except (TypeError, ValueError):
            raise ValueError(f"history[{i}]: expected (date, backward minutes)") from None
        if isinstance(d, dt.datetime):
            d = d.date()
        if not isinstance(d, dt.date):
            raise ValueError(f"history[{i}]: date must be a datetime.date, got {d!r}")
        m = float(m)
        if not m >= 0 or m == float("inf"):
            raise ValueError(f"history[{i}]: backward minutes must be ≥ 0 and finite, got {m!r}")
        if d < start and m > 0:
            out.append((d, m))
    out.sort()
    return out


def week_index(d: dt.date, start: dt.date) -> int:
    """Block week of a date: 1 for the first 7 days from ``start`` (the block start), ≤ 0
    before it."""
    return (d - start).days // 7 + 1


def check_caps(plan: Plan, history: Sequence[tuple[dt.date, float]] = ()) -> list[CapViolation]:
    """Every cap the plan breaks, given the athlete's history (empty list = fine)."""
    lim = plan.limits
    out: list[CapViolation] = []
    hist = clean_history(history, plan.start)
    sessions = plan.sessions

    # per-session checks
    ceiling = lim.pace_ceiling_m_s
    for s in sessions:
        sid = s.session_id
        kinds = tuple(b.kind for b in s.blocks)
        if not kinds or kinds[0] != "backward_warmup" or kinds != tuple(
            k for k in BLOCK_ORDER if k in kinds
        ):
            out.append(CapViolation("block_order", sid, f"blocks {kinds}: backward first"))
        for b in s.blocks[1:]:
            if b.backward_s > 0:
                out.append(CapViolation("block_order", sid, f"block {b.kind} moves backwards"))
        bw_s = s.blocks[0].backward_s if s.blocks else 0
        if abs(bw_s / 60.0 - s.backward_minutes) > EPS_MIN:
            out.append(CapViolation("minutes", sid, "backward_minutes ≠ sum of backward steps",
                                    s.backward_minutes, bw_s / 60.0))
        walking = s.phase == "backward_walk"
        smax = lim.max_session_minutes_walk if walking else lim.max_session_minutes
        if s.backward_minutes > smax + EPS_MIN:
            out.append(CapViolation("session_max", sid, f"{s.backward_minutes:.2f} min > "
                                    f"{smax:g} min", s.backward_minutes, smax))
        for b in s.blocks:
            for st in b.steps:
                if not st.backward and st.recovery_kind not in ("backward_walk",):
                    continue
                if st.pace_ceiling_m_s is None or st.pace_ceiling_m_s > ceiling + 1e-9:
                    out.append(CapViolation("pace", sid, f"{st.kind} pace ceiling "
                                            f"{st.pace_ceiling_m_s} m/s > {ceiling:.3f} m/s",
                                            st.pace_ceiling_m_s or 0.0, ceiling))
                if st.rpe_target > lim.rpe_max:
                    out.append(CapViolation("rpe", sid, f"{st.kind} RPE {st.rpe_target} > "
                                            f"{lim.rpe_max}", st.rpe_target, lim.rpe_max))
        lk = s.looks
        seq = lk.sequence
        if (lk.left != lk.right or len(seq) != lk.left + lk.right
                or seq.count("L") != lk.left or any(a == b for a, b in itertools.pairwise(seq))):
            out.append(CapViolation("looks", sid, f"looks L{lk.left}/R{lk.right} {seq} are "
                                    "not balanced and alternating"))
        if plan.supervised and not s.supervised:
            out.append(CapViolation("supervised", sid, "supervised plan, unsupervised session"))

    # rest days and the 30-day growth cap, over history + plan
    timeline = [(d, m, f"history {d.isoformat()}") for d, m in hist]
    timeline += [(s.date, s.backward_minutes, s.session_id) for s in sessions]
    timeline.sort(key=lambda t: t[0])
    gap_days = lim.min_rest_days + 1
    for i, (d, m, where) in enumerate(timeline):
        if i and where[:8] != "history " and (d - timeline[i - 1][0]).days < gap_days:
            out.append(CapViolation("rest_day", where, f"only {(d - timeline[i - 1][0]).days} "
                                    f"day(s) after the previous backward session",
                                    (d - timeline[i - 1][0]).days, gap_days))
        if where.startswith("history "):
            continue
        lo = d - dt.timedelta(days=30)
        prior = [pm for pd, pm, _ in timeline[:i] if lo <= pd < d]
        if prior:
            cap = lim.session_growth_max * max(prior)
            if m > cap + EPS_MIN:
                out.append(CapViolation("session_growth", where, f"{m:.2f} min > "
                                        f"{lim.session_growth_max:g} × {max(prior):.2f} min",
                                        m, cap))

    # weekly caps, on the block's weeks (history done earlier in a week counts towards it);
    # a week is only checked when the plan adds minutes to it
    grid = plan.grid_start
    totals: dict[int, float] = {}
    for d, m in hist:
        k = week_index(d, grid)
        totals[k] = totals.get(k, 0.0) + m
    for w in plan.weeks:
        totals[w.number] = totals.get(w.number, 0.0) + w.backward_minutes
    wmax = lim.weekly_backward_max
    for w in plan.weeks:
        if w.backward_minutes <= 0:
            continue
        tot = totals[w.number]
        base = totals.get(w.number - 2, 0.0)
        if base > 0 and tot > lim.two_week_growth_max * base + EPS_MIN:
            out.append(CapViolation("two_week_growth", f"week {w.number}", f"{tot:.2f} min > "
                                    f"{lim.two_week_growth_max:g} × {base:.2f} min (week "
                                    f"{w.number - 2})", tot, lim.two_week_growth_max * base))
        if tot > wmax + EPS_MIN:
            out.append(CapViolation("weekly_share", f"week {w.number}", f"{tot:.2f}"
                                    f" min > {wmax:.2f} min", tot, wmax))
    return out
