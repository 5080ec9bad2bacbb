"""Pain-monitoring adaptation: progress, hold, regress or stop and refer.

:func:`decide` is a pure function of the logs so far. It applies the pain-monitoring
model (Silbernagel et al. 2007; zones as rendered by Goom) with the stricter
return-to-run rules for swelling and limp, the "two compliant sessions before
progressing" rule, and the red-flag rules, and returns a :class:`Decision` whose every
reason names the evidence-registry keys it rests on. Rules without a published source are
labelled design rules (``design.*`` keys) and say so in the registry.

Rule order (the most severe outcome wins; all triggered reasons are kept):

==========================================================  ===========
rule                                                        outcome
==========================================================  ===========
red flag reported                                           stop_refer
pain ≥ 8/10 at any time (design rule)                       stop_refer
pain > 5/10 on two sessions running (design rule)           stop_refer
limp on two sessions running                                stop_refer
swelling on three sessions running (design rule)            stop_refer
pain during or after > 5/10                                 regress
next-morning pain ≥ 2 points above baseline, or > 5/10      regress
new swelling, or limp                                       regress
next-morning pain 1 point above baseline (not settled)      hold
7-day mean pain up ≥ 1 point on the 7 days before           hold
7-day mean morning stiffness up ≥ 1 point, the same way     hold
pain during / after 4–5/10 (acceptable, not safe)           hold
swelling persisting (same, not more)                        hold
session not done, partly done or off plan by > 15 %         hold
next-morning pain not logged yet                            hold, provisional
fewer than two compliant sessions at this level             hold
otherwise                                                   progress
==========================================================  ===========
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from retrorun.training.logs import SessionLogEntry, max_pain

Outcome = Literal["progress", "hold", "regress", "stop_refer"]
OUTCOMES: tuple[str, ...] = ("progress", "hold", "regress", "stop_refer")
_SEVERITY = {o: i for i, o in enumerate(OUTCOMES)}

#: Pain 0–3/10 during activity is "safe" (Silbernagel model, zones per Goom).
PAIN_SAFE_MAX = 3
#: Pain above 5/10 during activity is unacceptable (Silbernagel et al. 2007).
PAIN_ACCEPTABLE_MAX = 5
#: Return-to-run rule after swelling or limp: pain ≤ 2/10 and not rising (RunCalcs).
RETURN_TO_RUN_PAIN_MAX = 2
#: How long after swelling or limp the stricter return-to-run rules apply, days (design rule).
RETURN_TO_RUN_WINDOW_DAYS = 14
#: Compliant sessions needed at a level before progressing (RunCalcs; Trials 2023 protocol).
MIN_COMPLIANT_SESSIONS = 2
#: Done minutes within this fraction of the plan count as done as planned (Today's Plan bands).
COMPLIANCE_TOLERANCE = 0.15
#: Next-morning rise over baseline (points) that means "higher next day" → regress (design rule;
#: a 1-point rise is treated as "not settled" → hold).
MORNING_RISE_REGRESS = 2
#: Days of next-morning pains the baseline is taken from (design rule).
BASELINE_WINDOW_DAYS = 14
#: Week-to-week rise in mean pain that stops progression, points (design rule on [U] wording).
WEEKLY_RISE_HOLD = 1.0
#: Pain that stops the self-guided programme at once (design rule; NHS "very painful knee").
PAIN_SEVERE = 8


#: Evidence-registry keys used by the rules (``retrorun.prescription.evidence.EVIDENCE``,
#: plus the design rules of ``retrorun.training.evidence_extra``).
class Keys:
    PAIN_SAFE = "pain.during_safe_max"
    PAIN_MAX = "pain.during_acceptable_max"
    PAIN_MORNING = "pain.settle_by_next_morning"
    PAIN_WEEKLY = "pain.no_week_to_week_rise"
    RTR_PAIN = "rtr.pain_max"
    RTR_LIMP = "rtr.no_limp_next_morning"
    RTR_SWELLING = "rtr.swelling_same_or_less"
    RTR_STEP_BACK = "rtr.step_back"
    HOLD = "adapt.hold"
    REGRESS = "adapt.regress"
    TWO_COMPLIANT = "progression.min_compliant_sessions"
    COMPLIANCE = "compliance.bands"
    GAIT_CHANGE = "screening.running_pain_refer"
    RED_FLAGS = "redflag.stop_and_refer"
    SEVERE_PAIN = "design.severe_pain_refer"
    REPEATED_PAIN = "design.repeated_unacceptable_pain_refer"
    PERSISTENT_SWELLING = "design.persistent_swelling_refer"
    MORNING_RISE = "design.morning_rise_points"
    PROVISIONAL = "design.provisional_until_morning"
    RTR_WINDOW = "design.return_to_run_window"

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return tuple(v for k, v in vars(cls).items() if k.isupper())


@dataclass(frozen=True)
class LoggedSession:
    """A log entry with the planned session it belongs to."""

    entry: SessionLogEntry
    level: int
    planned_minutes: float


@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    outcome: Outcome
    evidence: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "text": self.text,
            "outcome": self.outcome,
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True)
class Decision:
    """Outcome of :func:`decide`.

    ``level_after`` is the ladder level the next sessions should use;
    ``rest_days`` the low-impact days to insert before the next backward session;
    ``provisional`` is true while the next-morning pain of the last session is unknown.
    """

    outcome: Outcome
    level_before: int
    level_after: int
    provisional: bool
    reasons: tuple[Reason, ...] = field(default_factory=tuple)
    rest_days: int = 0

    @property
    def evidence_keys(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for r in self.reasons:
            for k in r.evidence:
                seen.setdefault(k, None)
        return tuple(seen)

    def to_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "level_before": self.level_before,
            "level_after": self.level_after,
            "provisional": self.provisional,
            "rest_days": self.rest_days,
            "reasons": [r.to_dict() for r in self.reasons],
            "evidence_keys": list(self.evidence_keys),
        }


def compliance_ratio(s: LoggedSession) -> float | None:
    """Done / planned backward minutes (``None`` when nothing was planned)."""
    if s.planned_minutes <= 0:
        return None
    return s.entry.backward_minutes / s.planned_minutes


def _done_as_planned(s: LoggedSession) -> bool:
    ratio = compliance_ratio(s)
    return (
        s.entry.done == "yes"
        and ratio is not None
        and abs(ratio - 1.0) <= COMPLIANCE_TOLERANCE + 1e-9
    )


def morning_baseline(
    earlier: Sequence[LoggedSession], default: int = 0, *, on: date | None = None
) -> float:
    """Pain baseline the next-morning value is compared with ("back to baseline").

    The lower of the athlete's usual resting pain (*default*, from the profile) and the
    median of the next-morning pains logged in the 14 days before *on* (the session's
    date; default: the last earlier log's date). The median keeps one bad morning from
    raising the baseline; the minimum keeps a runner who has improved from being judged
    against their old, higher pain (design rule ``design.morning_rise_points``).
    """
    known = [s for s in earlier if s.entry.pain_next_morning is not None]
    if not known:
        return float(default)
    ref = on or earlier[-1].entry.date
    recent = [
        s.entry.pain_next_morning
        for s in known
        if 0 <= (ref - s.entry.date).days <= BASELINE_WINDOW_DAYS
    ]
    if not recent:
        return float(default)
    return float(min(default, statistics.median(recent)))


def _in_return_to_run(earlier: Sequence[LoggedSession], last: SessionLogEntry) -> bool:
    since = last.date - timedelta(days=RETURN_TO_RUN_WINDOW_DAYS)
    return any((s.entry.swelling or s.entry.limp) and s.entry.date >= since for s in earlier)


def _run_length(logs: Sequence[LoggedSession], pred) -> int:
    n = 0
    for s in reversed(logs):
        if not pred(s):
            break
        n += 1
    return n


def _weekly_pain_rise(
    logs: Sequence[LoggedSession], value=lambda e: max_pain(e)
) -> tuple[float, float] | None:
    """Mean of ``value(entry)`` over the 7 days before the last log and the 7 before that.

    ``None`` when either week has no value. *value* defaults to each session's highest pain;
    :func:`decide` also uses it for the next-morning stiffness.
    """
    last = logs[-1].entry.date
    this_week, prev_week = [], []
    for s in logs:
        mp = value(s.entry)
        if mp is None:
            continue
        age = (last - s.entry.date).days
        if 0 <= age < 7:
            this_week.append(mp)
        elif 7 <= age < 14:
            prev_week.append(mp)
    if not this_week or not prev_week:
        return None
    return sum(prev_week) / len(prev_week), sum(this_week) / len(this_week)


def is_compliant(s: LoggedSession, baseline: int, *, strict: bool = False) -> bool:
    """A session that counts toward progression.

    Done as planned (within 15 %), pain during and after in the safe zone (≤ 3/10, or
    ≤ 2/10 and not rising under the return-to-run rules), next-morning pain known and back
    to baseline, no swelling, limp or red flag.
    """
    e = s.entry
    safe = RETURN_TO_RUN_PAIN_MAX if strict else PAIN_SAFE_MAX
    if not _done_as_planned(s) or e.swelling or e.limp or e.red_flag:
        return False
    if e.pain_during is None or e.pain_after is None or e.pain_next_morning is None:
        return False
    if e.pain_during > safe or e.pain_after > safe:
        return False
    if strict and e.pain_after > e.pain_during:
        return False
    return e.pain_next_morning <= baseline


def compliant_streak(logs: Sequence[LoggedSession], level: int, baseline_pain: int = 0) -> int:
    """Compliant sessions at *level* in a row, counting back from the last log."""
    n = 0
    for i in range(len(logs) - 1, -1, -1):
        s, before = logs[i], logs[:i]
        strict = _in_return_to_run(before, s.entry)
        if s.level != level or not is_compliant(
            s, morning_baseline(before, baseline_pain, on=s.entry.date), strict=strict
        ):
            break
        n += 1
    return n


def decide(
    logs: Sequence[LoggedSession],
    *,
    max_level: int,
    baseline_pain: int = 0,
) -> Decision:
    """Decide what the next sessions should do after the last of *logs*.

    Parameters
    ----------
    logs
        Every logged session of the athlete so far, oldest first; the last one is the
        session being decided on.
    max_level
        Highest ladder index (levels run 0..max_level).
    baseline_pain
        Usual resting pain (0–10) before the programme, used as the next-morning baseline
        until a next-morning value has been logged.
    """
    if not logs:
        raise ValueError("decide() needs at least one logged session")
    last = logs[-1]
    e = last.entry
    earlier = logs[:-1]
    level = last.level
    reasons: list[Reason] = []

    def add(code: str, outcome: Outcome, text: str, *keys: str) -> None:
        reasons.append(Reason(code, text, outcome, keys))

    pains = {
        "during": e.pain_during,
        "right after": e.pain_after,
        "next morning": e.pain_next_morning,
    }
    known = {k: v for k, v in pains.items() if v is not None}

    # --- stop and refer -------------------------------------------------------------
    if e.red_flag:
        add(
            "red_flag",
            "stop_refer",
            f"Red flag reported: {e.red_flag.strip()}. Stop backward running and see a "
            "clinician before training again.",
            Keys.RED_FLAGS,
        )
    severe = {k: v for k, v in known.items() if v >= PAIN_SEVERE}
    if severe:
        where = ", ".join(f"{v}/10 {k}" for k, v in severe.items())
        add(
            "severe_pain",
            "stop_refer",
            f"Severe pain ({where}). Pain this high is not part of the pain-monitoring "
            "model: stop and see a clinician (design rule).",
            Keys.SEVERE_PAIN,
            Keys.RED_FLAGS,
        )

    def over(s: LoggedSession) -> bool:
        x = s.entry
        return any(
            v is not None and v > PAIN_ACCEPTABLE_MAX
            for v in (x.pain_during, x.pain_after, x.pain_next_morning)
        )

    if over(last) and earlier and over(earlier[-1]):
        add(
            "repeated_unacceptable_pain",
            "stop_refer",
            f"Pain above {PAIN_ACCEPTABLE_MAX}/10 on two sessions running, even after "
            "stepping back: stop and see a clinician (design rule).",
            Keys.REPEATED_PAIN,
            Keys.PAIN_MAX,
        )
    limp_run = _run_length(logs, lambda s: s.entry.limp)
    if limp_run >= 2:
        add(
            "persistent_limp",
            "stop_refer",
            f"Limping on {limp_run} sessions running: pain that changes how you move is a "
            "reason to stop and be assessed.",
            Keys.GAIT_CHANGE,
            Keys.RTR_LIMP,
        )
    swell_run = _run_length(logs, lambda s: s.entry.swelling)
    if swell_run >= 3:
        add(
            "persistent_swelling",
            "stop_refer",
            f"Swelling on {swell_run} sessions running: persistent swelling needs a "
            "clinician's look (design rule).",
            Keys.PERSISTENT_SWELLING,
            Keys.RED_FLAGS,
        )

    # --- regress ------------------------------------------------------------------------
    for k in ("during", "right after"):
        v = pains[k]
        if v is not None and v > PAIN_ACCEPTABLE_MAX:
            add(
                f"pain_{k.replace(' ', '_')}_over",
                "regress",
                f"Pain {k} the session was {v}/10, above the acceptable {PAIN_ACCEPTABLE_MAX}/10:"
                " step back one level.",
                Keys.PAIN_MAX,
                Keys.REGRESS,
            )
    baseline = morning_baseline(earlier, baseline_pain, on=e.date)
    m = e.pain_next_morning
    if m is not None:
        rise = m - baseline
        if m > PAIN_ACCEPTABLE_MAX or rise >= MORNING_RISE_REGRESS:
            add(
                "morning_higher",
                "regress",
                f"Next-morning pain {m}/10 is higher than your baseline {baseline:g}/10: the "
                "load was too much, step back one level.",
                Keys.PAIN_MORNING,
                Keys.REGRESS,
                Keys.MORNING_RISE,
            )
        elif rise >= 1:
            add(
                "morning_not_settled",
                "hold",
                f"Next-morning pain {m}/10 has not settled back to your baseline "
                f"{baseline:g}/10: repeat this level.",
                Keys.PAIN_MORNING,
                Keys.HOLD,
                Keys.MORNING_RISE,
            )
    if e.swelling and not (earlier and earlier[-1].entry.swelling):
        add(
            "swelling_new",
            "regress",
            "New swelling: swelling must be the same or less than before, so step back one "
            "level with 24–48 h of low-impact work.",
            Keys.RTR_SWELLING,
            Keys.RTR_STEP_BACK,
            Keys.REGRESS,
        )
    elif e.swelling:
        add(
            "swelling_persisting",
            "hold",
            "Swelling is still there (not more than before): do not progress with swelling.",
            Keys.RTR_SWELLING,
        )
    if e.limp and limp_run < 2:
        add(
            "limp",
            "regress",
            "You limped: step back one level with 24–48 h of low-impact work; a limp again "
            "next time means stop and be assessed.",
            Keys.RTR_LIMP,
            Keys.RTR_STEP_BACK,
            Keys.GAIT_CHANGE,
        )

    # --- hold ---------------------------------------------------------------------------
    weekly = _weekly_pain_rise(logs)
    if weekly is not None and weekly[1] - weekly[0] >= WEEKLY_RISE_HOLD:
        add(
            "weekly_pain_rising",
            "hold",
            f"Your average pain over the last 7 days rose to {weekly[1]:.1f}/10 from "
            f"{weekly[0]:.1f}/10 the 7 days before: pain must not increase week to week, so do "
            "not progress.",
            Keys.PAIN_WEEKLY,
        )
    stiff = _weekly_pain_rise(logs, lambda x: x.stiffness_next_morning)
    if stiff is not None and stiff[1] - stiff[0] >= WEEKLY_RISE_HOLD:
        add(
            "weekly_stiffness_rising",
            "hold",
            f"Your average morning stiffness over the last 7 days rose to {stiff[1]:.1f}/10 "
            f"from {stiff[0]:.1f}/10 the 7 days before: stiffness must not increase week to "
            "week, so do not progress.",
            Keys.PAIN_WEEKLY,
        )
    strict = _in_return_to_run(earlier, e) or e.swelling or e.limp
    safe = RETURN_TO_RUN_PAIN_MAX if strict else PAIN_SAFE_MAX
    for k in ("during", "right after"):
        v = pains[k]
        if v is not None and safe < v <= PAIN_ACCEPTABLE_MAX:
            zone = "the return-to-run limit of 2/10" if strict else "the safe zone (0–3/10)"
            add(
                f"pain_{k.replace(' ', '_')}_acceptable",
                "hold",
                f"Pain {k} the session was {v}/10: acceptable but above {zone}. Repeat this level.",
                Keys.PAIN_SAFE,
                Keys.HOLD,
                *((Keys.RTR_PAIN, Keys.RTR_WINDOW) if strict else ()),
            )
    if (
        strict
        and e.pain_during is not None
        and e.pain_after is not None
        and e.pain_after > e.pain_during
        and e.pain_after <= safe
    ):
        add(
            "pain_rising_rtr",
            "hold",
            "Pain rose during the run (after > during) while the return-to-run rules apply: "
            "repeat this level.",
            Keys.RTR_PAIN,
        )
    ratio = compliance_ratio(last)
    if e.done == "no":
        add("not_done", "hold", "Session not done: repeat this level.", Keys.TWO_COMPLIANT)
    elif e.done == "partly":
        add(
            "partly_done",
            "hold",
            "Session only partly done: repeat this level.",
            Keys.TWO_COMPLIANT,
        )
    elif ratio is not None and abs(ratio - 1) > COMPLIANCE_TOLERANCE:
        add(
            "off_plan",
            "hold",
            f"You ran {round(e.backward_minutes, 1):g} of {round(last.planned_minutes, 1):g} "
            "planned minutes "
            f"({ratio:.0%}); only sessions within ±15 % count as done as planned.",
            Keys.COMPLIANCE,
            Keys.TWO_COMPLIANT,
        )

    worst = max((r.outcome for r in reasons), key=_SEVERITY.__getitem__, default="progress")
    provisional = False
    if worst in ("progress", "hold") and m is None and e.done != "no":
        provisional = True
        add(
            "awaiting_morning",
            "hold",
            "Next-morning pain not logged yet: this decision is provisional and will be "
            "made again when you add it (`retrorun morning`).",
            Keys.PROVISIONAL,
            Keys.PAIN_MORNING,
        )
        worst = "hold"
    if worst == "progress":
        streak = compliant_streak(logs, level, baseline_pain)
        if streak < MIN_COMPLIANT_SESSIONS:
            add(
                "need_two_compliant",
                "hold",
                f"{streak} compliant session(s) at this level; {MIN_COMPLIANT_SESSIONS} are "
                "needed before progressing.",
                Keys.TWO_COMPLIANT,
            )
            worst = "hold"
        elif level >= max_level:
            add(
                "top_level",
                "hold",
                f"{streak} compliant sessions at the top level: keep it as your warm-up.",
                Keys.TWO_COMPLIANT,
            )
            worst = "hold"
        else:
            add(
                "progress",
                "progress",
                f"{streak} compliant sessions at this level with pain in the safe zone and "
                "settled by the next morning: move up one level.",
                Keys.TWO_COMPLIANT,
                Keys.PAIN_SAFE,
                Keys.PAIN_MORNING,
            )

    if worst == "progress":
        after = min(level + 1, max_level)
    elif worst == "regress":
        after = max(level - 1, 0)
    else:
        after = level
    rest = 2 if worst == "regress" else 0
    # Most severe first (stable): the first reason is the one that decided.
    reasons.sort(key=lambda r: -_SEVERITY[r.outcome])
    return Decision(worst, level, after, provisional, tuple(reasons), rest)
