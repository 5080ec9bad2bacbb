"""Hypothesis strategies for random valid athlete profiles and training histories."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from retrorun.prescription.profile import (
    CONDITIONS,
    SKILLS,
    SURFACES,
    WEEKDAYS,
    AthleteProfile,
    profile_from_dict,
)

PARQ = ("heart_condition", "chest_pain_activity", "chest_pain_rest", "dizziness_or_fainting",
        "bone_joint_problem", "bp_or_heart_medication", "pregnant_or_recent_birth",
        "other_reason")
FLAGS = ("cannot_bear_weight", "locking_or_giving_way", "night_or_rest_pain", "saddle_numbness",
         "sudden_pop", "pain_changes_gait")


def _rarely(usual: st.SearchStrategy, rare: st.SearchStrategy) -> st.SearchStrategy:
    """``usual`` 9 times in 10, ``rare`` otherwise."""
    # a middle value: hypothesis favours the bounds of integer ranges
    return st.integers(0, 99).flatmap(lambda i: rare if i % 10 == 7 else usual)


@st.composite
def profile_dicts(draw: st.DrawFn, *, allow_flags: bool = True) -> dict:
    kind = draw(st.sampled_from(CONDITIONS))
    side = "none" if kind == "none" else draw(st.sampled_from(("left", "right", "both")))
    runs = draw(st.integers(0, 10))
    weekly = 0.0 if runs == 0 else draw(st.floats(5, 600, allow_nan=False))
    skill: dict = {"backward": draw(st.sampled_from(SKILLS))}
    which = draw(st.sampled_from(("bwt", "sls", "both")))
    if which in ("bwt", "both"):
        skill["backward_walk_3m_s"] = draw(_rarely(st.floats(1.5, 5.5), st.floats(5.5, 9.0)))
    if which in ("sls", "both"):
        skill["single_leg_stance_s"] = draw(_rarely(st.floats(30, 90), st.floats(0, 30)))
    pace_s = draw(st.integers(180, 900))
    d = {
        "name": "prop",
        "condition": {"kind": kind, "side": side,
                      "duration_weeks": draw(st.floats(0, 60)),
                      "clinician_cleared": draw(st.booleans())},
        "pain": {"now": draw(_rarely(st.integers(0, 3), st.integers(4, 10))),
                 "during_running": draw(_rarely(st.integers(0, 5), st.integers(6, 10))),
                 "after_running": draw(st.integers(0, 7))},
        "skill": skill,
        "endurance": {"runs_per_week": runs, "weekly_minutes": weekly,
                      "longest_run_min": draw(st.floats(0, 200)),
                      "easy_pace": f"{pace_s // 60}:{pace_s % 60:02d}"},
        "schedule": {
            "training_days": draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7,
                                           unique=True)),
            "surfaces": draw(st.lists(st.sampled_from(SURFACES), min_size=1, max_size=3,
                                      unique=True)),
        },
        "body": {"age": draw(_rarely(st.integers(20, 50), st.integers(14, 80)))},
        "safety": {"dizziness_or_vestibular": draw(_rarely(st.just(False), st.just(True))),
                   "fall_last_12_months": draw(_rarely(st.just(False), st.just(True)))},
    }
    if allow_flags and draw(st.integers(0, 99)) % 10 == 7:
        d["parq"] = {draw(st.sampled_from(PARQ)): True}
    if allow_flags and draw(st.integers(0, 99)) % 10 == 3:
        d["red_flags"] = {draw(st.sampled_from(FLAGS)): True}
    return d


def profiles(**kw) -> st.SearchStrategy[AthleteProfile]:
    """Random valid profiles (some of them referred)."""
    return profile_dicts(**kw).map(profile_from_dict)


@st.composite
def histories(draw: st.DrawFn, start: dt.date) -> list[tuple[dt.date, float]]:
    """Past sessions before ``start``: (date, backward minutes), up to 8 weeks back."""
    n = draw(st.integers(0, 12))
    offs = draw(st.lists(st.integers(1, 56), min_size=n, max_size=n, unique=True))
    return [(start - dt.timedelta(days=o), draw(st.floats(0, 30).map(lambda x: round(x, 2))))
            for o in sorted(offs, reverse=True)]
