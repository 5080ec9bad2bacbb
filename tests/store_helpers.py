"""Shared data of the store tests: profiles and a helper to log a session by id."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

PROFILE: dict[str, Any] = {
    "name": "Sam",
    "condition": {"kind": "lateral_knee_pain", "side": "right", "duration_weeks": 6,
                  "clinician_cleared": True},
    "pain": {"now": 0, "during_running": 3, "after_running": 2},
    "skill": {"backward": "walks_backwards", "backward_walk_3m_s": 3.0,
              "single_leg_stance_s": 40},
    "endurance": {"runs_per_week": 3, "weekly_minutes": 120, "longest_run_min": 50,
                  "easy_pace": "6:00"},
    "schedule": {"training_days": ["mon", "wed", "fri"], "surfaces": ["track"]},
}

#: Monday.
START = date(2026, 3, 2)


def profile(name: str = "Sam", **changes: Any) -> dict[str, Any]:
    p = copy.deepcopy(PROFILE)
    p["name"] = name
    for k, v in changes.items():
        p.setdefault(k, {}).update(v)
    return p


def referred_profile(name: str = "Ref") -> dict[str, Any]:
    return profile(name, red_flags={"locking_or_giving_way": True})


def entry_for(planned: dict, *, pain: int = 2, morning: int | None = 0, done: str = "yes",
              minutes: float | None = None, **kw: Any):
    """A log entry for a planned session dict (done on its day, as planned by default)."""
    from retrorun.training.logs import SessionLogEntry

    m = planned["backward_minutes"] if minutes is None else minutes
    return SessionLogEntry(
        date=date.fromisoformat(planned["date"]), session_id=planned["session_id"],
        done=done, backward_minutes=0.0 if done == "no" else float(m),  # type: ignore[arg-type]
        rpe=kw.pop("rpe", 4.0), pain_during=pain, pain_after=kw.pop("after", pain),
        pain_next_morning=morning, looks_left=kw.pop("looks_left", 4),
        looks_right=kw.pop("looks_right", 4), surface=kw.pop("surface", "track"), **kw,
    )
