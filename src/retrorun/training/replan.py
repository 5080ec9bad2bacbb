"""Bridge between the adaptation decisions and the prescription engine.

Pure functions: given the athlete profile, a :class:`~retrorun.training.adaptation.Decision`
and the backward minutes already done, build the plan for the days after the decision
with :func:`retrorun.prescription.planner.build_plan`, whose caps (single session ≤ 1.1 ×
the longest of the last 30 days, ≤ 30 % growth over two weeks, share of weekly running...)
are applied across the history and the new sessions.
"""

from __future__ import annotations

import math
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
):
    """Plan the sessions after *anchor* at the decision's level, up to the block's *end*.

    Returns ``None`` when no session should follow (stop and refer, or the block is over).
    """
    from retrorun.prescription.planner import build_plan

    if decision.outcome == "stop_refer":
        return None
    start = replan_start(anchor, decision)
    if start > end:
        return None
    weeks = max(1, math.ceil(((end - start).days + 1) / 7))
    return build_plan(
        profile,
        start,
        weeks,
        start_level=decision.level_after,
        history=tuple(history),
        plan_id=plan_id,
    )
