"""A planned session in the ``Plan.to_dict()`` layout (hand-written after the presc model)."""

from __future__ import annotations

import copy


def _step(
    kind,
    duration_s=None,
    distance_m=None,
    repeats=1,
    recovery_s=0,
    recovery_kind=None,
    ceiling=None,
    cues=(),
):
    back = kind.startswith("backward")
    return {
        "kind": kind,
        "direction": "backward" if back else "forward",
        "duration_s": duration_s,
        "distance_m": distance_m,
        "repeats": repeats,
        "recovery_s": recovery_s,
        "recovery_kind": recovery_kind,
        "pace_ceiling_m_s": ceiling,
        "pace_ceiling_s_per_km": None if ceiling is None else 1000.0 / ceiling,
        "pace_label": "≤ 70 % of easy pace" if ceiling else "",
        "rpe_target": 4,
        "cues": list(cues),
    }


SESSION = {
    "session_id": "2026-12-01-w1s1",
    "date": "2026-12-01",
    "week": 1,
    "index_in_week": 1,
    "level": 2,
    "phase": "backward jog",
    "backward_minutes": 5.0,
    "supervised": False,
    "blocks": [
        {
            "kind": "backward_warmup",
            "title": "Backward warm-up",
            "surface": "track",
            "surface_cues": ["lane 1 is fine; keep clear of faster runners"],
            "looks": {
                "left": 3,
                "right": 3,
                "sequence": ["L", "R", "L", "R", "L", "R"],
                "interval_s": 20,
            },
            "cues": ["stay tall, reach back with the toes"],
            "steps": [
                _step("backward_walk", duration_s=60, cues=["short steps"]),
                _step(
                    "backward_jog",
                    duration_s=30,
                    repeats=6,
                    recovery_s=60,
                    recovery_kind="forward_walk",
                    ceiling=1.9,
                    cues=["look over the left, then the right shoulder"],
                ),
                _step("backward_jog", distance_m=50, repeats=2, ceiling=1.9),
            ],
        },
        {
            "kind": "transfer_drills",
            "title": "Transfer drills",
            "surface": "any",
            "looks": {"left": 0, "right": 0, "sequence": [], "interval_s": 0},
            "cues": [],
            "steps": [
                _step(
                    "forward_stride",
                    duration_s=20,
                    repeats=2,
                    recovery_s=40,
                    recovery_kind="forward_walk",
                    cues=["same tall posture forwards"],
                )
            ],
        },
        {
            "kind": "main_run",
            "title": "Your own run",
            "surface": "any",
            "looks": {"left": 0, "right": 0, "sequence": [], "interval_s": 0},
            "cues": ["easy effort"],
            "steps": [_step("easy_run", duration_s=None)],
        },
    ],
}


def session(**changes):
    s = copy.deepcopy(SESSION)
    s.update(changes)
    return s


def plan(n_sessions: int = 3):
    """A plan dict with *n_sessions* copies of SESSION on consecutive Tuesdays/Fridays."""
    from datetime import date, timedelta

    sessions = []
    d0 = date(2026, 12, 1)
    for i in range(n_sessions):
        day = d0 + timedelta(days=7 * (i // 2) + 3 * (i % 2))
        sessions.append(
            session(
                session_id=f"{day.isoformat()}-w{i // 2 + 1}s{i % 2 + 1}",
                date=day.isoformat(),
                week=i // 2 + 1,
            )
        )
    return {
        "schema_version": 1,
        "plan_id": "test-plan",
        "athlete": "Test Runner",
        "disclaimer": "Not medical advice.",
        "weeks": [{"number": 1, "sessions": sessions}],
    }
