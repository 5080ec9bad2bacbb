"""Bridge between the adaptation decisions and the prescription engine.

Pure functions: given the athlete profile, a :class:`~retrorun.training.adaptation.Decision`
and the backward minutes already done, build the plan for the days after the decision
with :func:`retrorun.prescription.planner.build_plan`, whose caps (single session ≤ 1.1 ×
the longest of the last 30 days, ≤ 30 % growth over two weeks, share of weekly running...)
are applied across the history and the new sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from retrorun.training.adaptation import Decision


def max_level() -> int:
    """Highest index of the phase ladder."""
    from retrorun.prescription.ladder import LEVELS

    return len(LEVELS) - 1


def replan_start(anchor: date, decision: Decision) -> date:
    """First day a re-planned backward session may fall on.

    The day after *anchor* (the last logged day), plus the decision's low-impact rest days
    (2 after a regress: "24–48 h of low-impact work", RunCalcs return-to-run guide).
    """
    return anchor + timedelta(days=1 + decision.rest_days)


def replan(
    profile: Any,
    decision: Decision,
    *,
    anchor: date,
    end: date,
    history: Sequence[tuple[date, float]],
    plan_id: str,
    block_start: date | None = None,
):
    """Plan the sessions after *anchor* at the decision's level, up to the block's *end*.

    The re-plan keeps the block's 7-day weeks (``block_start``: the block's first day; by
    default the weeks end on *end*, as a block's weeks do), so its week numbers, session ids
    and two-week cap windows match the first plan's, and the sessions already done in the
    current week count towards it.

    Returns ``None`` when no session should follow (stop and refer, or the block is over).
    """
    from retrorun.prescription.planner import build_plan

    if decision.outcome == "stop_refer":
        return None
    start = replan_start(anchor, decision)
    if start > end:
        return None
    if block_start is None or block_start > start:
        # the block's weeks end on `end`: day 1 of the week of `start` on that grid
        block_start = start - timedelta(days=(start - end - timedelta(days=1)).days % 7)
    # after a regress, hold the stepped-back level one 1.1× step below the session that
    # triggered it (design rule progression.step_back_dose), so the next sessions are never
    # longer than the one that hurt
    step_back = None
    done = sorted((d, m) for d, m in history if m > 0)
    if decision.outcome == "regress" and done:
        from retrorun.prescription.evidence import value

        step_back = done[-1][1] / value("caps.session_vs_longest_30d")
    first = (start - block_start).days // 7
    weeks = max(1, (end - block_start).days // 7 - first + 1)
    return build_plan(
        profile,
        start,
        weeks,
        start_level=decision.level_after,
        history=tuple(history),
        plan_id=plan_id,
        block_start=block_start,
        step_back_minutes=step_back,
    )
