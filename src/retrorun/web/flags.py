"""Flags a coach must see first: pure functions of one athlete's stored data.

:func:`athlete_flags` looks at the athlete's status, the logs of the last
:data:`WINDOW_DAYS` days and the calendar in force, and returns :class:`Flag` objects,
most severe first. :func:`sort_key` orders athletes so the one who needs attention most
comes first. The thresholds are the training model's own (``retrorun.training.adaptation``
and ``retrorun.training.load``), so a flag means the same thing as the decision it goes
with; every flag names the evidence-registry keys it rests on.

Severity (0 is the most severe):

=====  ========  ===========================================================================
level  name      flags
=====  ========  ===========================================================================
0      critical  stopped (stop-and-refer decision), referred at screening, red flag reported,
                 pain ≥ 8/10
1      high      pain above the acceptable 5/10, next-morning pain ≥ 2 points above baseline,
                 swelling, limp
2      medium    next-morning pain 1 point above baseline or rising three mornings running,
                 planned sessions not logged, sessions missed or > 35 % off the plan
3      low       next-morning pain not logged yet, sessions 15–35 % off the plan, left/right
                 look imbalance > 20 %, watch-file warnings, training block ended
=====  ========  ===========================================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from retrorun.training.adaptation import (
    MORNING_RISE_REGRESS,
    PAIN_ACCEPTABLE_MAX,
    PAIN_SEVERE,
    LoggedSession,
    compliance_ratio,
    morning_baseline,
)
from retrorun.training.load import LOOK_IMBALANCE_FLAG, compliance_band
from retrorun.training.logs import max_pain

#: Days of logs the flags look at (design rule: the training model's return-to-run and
#: morning-baseline windows are 14 days too).
WINDOW_DAYS = 14
SEVERITY_NAMES: tuple[str, ...] = ("critical", "high", "medium", "low")


@dataclass(frozen=True)
class Flag:
    """One thing a coach should look at.

    Attributes
    ----------
    code
        Stable machine name (``stopped``, ``pain_above_acceptable``, ...).
    severity
        0 (critical) to 3 (low); see :data:`SEVERITY_NAMES`.
    title
        Short headline.
    detail
        One or two sentences with the dates and values behind the flag.
    evidence
        Evidence-registry keys (``retrorun.prescription.evidence.EVIDENCE``).
    """

    code: str
    severity: int
    title: str
    detail: str
    evidence: tuple[str, ...] = ()

    @property
    def severity_name(self) -> str:
        return SEVERITY_NAMES[self.severity]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "severity_name": self.severity_name,
            "title": self.title,
            "detail": self.detail,
            "evidence": list(self.evidence),
        }


def _d(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def _pain_parts(e) -> str:
    parts = [
        f"{label} {v}"
        for label, v in (
            ("during", e.pain_during),
            ("after", e.pain_after),
            ("next morning", e.pain_next_morning),
        )
        if v is not None
    ]
    return ", ".join(parts)


def athlete_flags(
    *,
    status: str,
    logs: Sequence[LoggedSession],
    calendar: Sequence[Mapping[str, Any]],
    today: date,
    baseline_pain: int = 0,
    screening_reasons: Sequence[str] = (),
    stop_reasons: Sequence[Mapping[str, Any]] = (),
    block_end: date | None = None,
    window_days: int = WINDOW_DAYS,
) -> list[Flag]:
    """Flags of one athlete, most severe first.

    Parameters
    ----------
    status
        ``active``, ``no_plan`` (referred at screening) or ``stopped``.
    logs
        All logged sessions, date order.
    calendar
        Sessions in force (``session_id``, ``date``, ``backward_minutes``), as
        :func:`retrorun.store.repository.schedule` returns them.
    today
        The day the flags are for; logs and planned sessions of the *window_days* days
        before it (and today's logs) are looked at.
    baseline_pain
        The profile's resting pain (``pain.now``), the next-morning baseline default.
    screening_reasons
        Why screening referred the athlete (shown for ``no_plan``).
    stop_reasons
        Reasons (``{"text", "evidence", "outcome"}``) of the stop-and-refer decision.
    block_end
        Last day of the current training block.
    """
    flags: list[Flag] = []
    since = today - timedelta(days=window_days)
    logs = sorted(logs, key=lambda s: s.entry.date)
    recent = [s for s in logs if since <= s.entry.date <= today]

    if status == "no_plan":
        flags.append(
            Flag(
                "referred_at_screening",
                0,
                "Referred at screening: no plan",
                " ".join(screening_reasons) or "Screening said refer.",
                ("redflag.stop_and_refer",),
            )
        )
    elif status == "stopped":
        stops = [r for r in stop_reasons if r.get("outcome", "stop_refer") == "stop_refer"]
        keys = tuple(dict.fromkeys(k for r in stops for k in r.get("evidence", ())))
        flags.append(
            Flag(
                "stopped",
                0,
                "Stopped: see a clinician before resuming",
                " ".join(str(r.get("text", "")) for r in stops)
                or "A decision said stop and refer.",
                keys or ("redflag.stop_and_refer",),
            )
        )

    red = [s for s in recent if s.entry.red_flag]
    if red:
        flags.append(
            Flag(
                "red_flag",
                0,
                "Red flag reported",
                "; ".join(f"{s.entry.date}: {s.entry.red_flag}" for s in red),
                ("redflag.stop_and_refer",),
            )
        )

    painful = [s for s in recent if (max_pain(s.entry) or 0) > PAIN_ACCEPTABLE_MAX]
    if painful:
        worst = max(max_pain(s.entry) or 0 for s in painful)
        severe = worst >= PAIN_SEVERE
        flags.append(
            Flag(
                "pain_severe" if severe else "pain_above_acceptable",
                0 if severe else 1,
                f"Pain {worst}/10: above the acceptable {PAIN_ACCEPTABLE_MAX}/10",
                "; ".join(f"{s.entry.date}: {_pain_parts(s.entry)}" for s in painful),
                ("design.severe_pain_refer",) if severe else ("pain.during_acceptable_max",),
            )
        )

    morning = _morning_flag(logs, recent, baseline_pain)
    if morning is not None:
        flags.append(morning)

    for attr, code, key in (
        ("swelling", "swelling", "rtr.swelling_same_or_less"),
        ("limp", "limp", "rtr.no_limp_next_morning"),
    ):
        hits = [s for s in recent if getattr(s.entry, attr)]
        if hits:
            flags.append(
                Flag(
                    code,
                    1,
                    f"{attr.capitalize()} reported ({len(hits)}×)",
                    "on " + ", ".join(str(s.entry.date) for s in hits),
                    (key,),
                )
            )

    logged_ids = {s.entry.session_id for s in logs}
    missing = [
        p
        for p in calendar
        if since <= _d(p["date"]) < today and str(p["session_id"]) not in logged_ids
    ]
    if missing and status == "active":
        flags.append(
            Flag(
                "missing_logs",
                2,
                f"{len(missing)} planned session(s) not logged",
                "planned on " + ", ".join(str(_d(p["date"])) for p in missing),
                ("compliance.bands",),
            )
        )

    bands = [(s, compliance_band(compliance_ratio(s))) for s in recent]
    red_b = [s for s, b in bands if b == "red"]
    orange_b = [s for s, b in bands if b == "orange"]
    for group, sev, code, what in (
        (red_b, 2, "non_compliance", "missed or > 35 % off the plan"),
        (orange_b, 3, "partial_compliance", "15–35 % off the plan"),
    ):
        if group:
            flags.append(
                Flag(
                    code,
                    sev,
                    f"{len(group)} session(s) {what}",
                    "; ".join(
                        f"{s.entry.date}: done {s.entry.done}, "
                        f"{s.entry.backward_minutes:g} of {s.planned_minutes:g} min"
                        for s in group
                    ),
                    ("compliance.bands",),
                )
            )

    pending = [
        s for s in recent if s.entry.pain_next_morning is None and s.entry.date < today
    ]
    if pending:
        flags.append(
            Flag(
                "morning_pending",
                3,
                "Next-morning pain not logged",
                "decision provisional for "
                + ", ".join(f"{s.entry.date} {s.entry.session_id}" for s in pending),
                ("design.provisional_until_morning",),
            )
        )

    left = sum(s.entry.looks_left or 0 for s in recent)
    right = sum(s.entry.looks_right or 0 for s in recent)
    if left + right and abs(left - right) / (left + right) > LOOK_IMBALANCE_FLAG:
        flags.append(
            Flag(
                "look_imbalance",
                3,
                f"Looks uneven: {left} left / {right} right",
                f"{abs(left - right) / (left + right):.0%} apart in the last {window_days} days "
                f"(flagged above {LOOK_IMBALANCE_FLAG:.0%}; no study of look alternation exists)",
                ("design.look_balance",),
            )
        )

    warns = [f"{s.entry.date}: {w}" for s in recent for w in s.entry.warnings]
    if warns:
        flags.append(
            Flag("activity_warnings", 3, f"{len(warns)} watch-file warning(s)", "; ".join(warns))
        )

    if status == "active" and block_end is not None and block_end < today:
        flags.append(
            Flag(
                "block_ended",
                3,
                "Training block ended",
                f"the block ended on {block_end}: plan the next one "
                "(`retrorun athlete renew`)",
            )
        )
    flags.sort(key=lambda f: f.severity)
    return flags


def _morning_flag(
    logs: Sequence[LoggedSession], recent: Sequence[LoggedSession], baseline_pain: int
) -> Flag | None:
    """Next-morning pain above the model's baseline, or rising three mornings running."""
    known = [s for s in recent if s.entry.pain_next_morning is not None]
    if not known:
        return None
    last = known[-1]
    earlier = [s for s in logs if s.entry.date < last.entry.date]
    base = morning_baseline(earlier, baseline_pain, on=last.entry.date)
    m = last.entry.pain_next_morning
    rise = m - base
    seq = [s.entry.pain_next_morning for s in known[-3:]]
    rising = len(seq) == 3 and seq[0] < seq[1] < seq[2]
    keys = ("pain.settle_by_next_morning", "design.morning_rise_points")
    trail = " → ".join(str(v) for v in seq)
    detail = (
        f"next-morning pain {trail}/10 (latest {last.entry.date}); baseline {base:g}/10"
    )
    if rise >= MORNING_RISE_REGRESS:
        return Flag("morning_pain_rising", 1, "Next-morning pain rising", detail, keys)
    if rise > 0 or rising:
        return Flag("morning_pain_rising", 2, "Next-morning pain not settling", detail, keys)
    return None


def sort_key(name: str, flags: Sequence[Flag]) -> tuple:
    """Order athletes: most severe flag first, then more flags at that level, then name."""
    if not flags:
        return (len(SEVERITY_NAMES), 0, 0, name.lower())
    top = min(f.severity for f in flags)
    return (top, -sum(f.severity == top for f in flags), -len(flags), name.lower())
