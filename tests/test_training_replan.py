"""Property tests: whatever the runner logs, a re-plan never breaks the plan engine's caps,
starts after the last logged day (plus the rest days of a regress) at the decided level,
and a stop-and-refer leaves no session."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrorun.prescription.caps import check_caps
from retrorun.prescription.planner import build_plan
from retrorun.prescription.profile import profile_from_dict
from retrorun.training.adaptation import LoggedSession, decide
from retrorun.training.logs import SessionLogEntry
from retrorun.training.replan import max_level, replan, replan_start
from store_helpers import PROFILE, START

step = st.tuples(
    st.integers(0, 7),  # pain during
    st.one_of(st.none(), st.integers(0, 6)),  # next-morning pain
    st.sampled_from(["yes", "yes", "yes", "partly", "no"]),
    st.floats(0.5, 1.6),  # done / planned minutes
    st.booleans(),  # swelling
    st.sampled_from([False, False, False, True]),  # limp
    st.integers(0, 3),  # days late
)


def _profile(skill: str, weekly: float):
    d = {
        **PROFILE,
        "skill": {**PROFILE["skill"], "backward": skill},
        "endurance": {**PROFILE["endurance"], "weekly_minutes": weekly},
    }
    return profile_from_dict(d)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(step, min_size=1, max_size=14),
    skill=st.sampled_from(["never", "walks_backwards", "jogs_backwards", "regular"]),
    weekly=st.sampled_from([0.0, 60.0, 150.0, 300.0]),
)
def test_replans_never_break_caps(steps, skill, weekly) -> None:
    if weekly == 0.0:
        prof = profile_from_dict(
            {
                **PROFILE,
                "endurance": {
                    "runs_per_week": 0,
                    "weekly_minutes": 0,
                    "longest_run_min": 0,
                    "easy_pace": "7:00",
                },
            }
        )
    else:
        prof = _profile(skill, weekly)
    plan = build_plan(prof, START)
    assert check_caps(plan) == []
    end = plan.end
    cal = list(plan.sessions)
    logs: list[LoggedSession] = []
    history: list[tuple[date, float]] = []
    anchor = START - timedelta(days=1)
    for pain, morning, done, factor, swelling, limp, late in steps:
        todo = [s for s in cal if s.date > anchor]
        if not todo:
            break
        s = todo[0]
        day = s.date + timedelta(days=late)
        minutes = 0.0 if done == "no" else round(max(0.5, s.backward_minutes * factor), 1)
        e = SessionLogEntry(
            date=day,
            session_id=s.session_id,
            done=done,
            backward_minutes=minutes,
            rpe=4,
            pain_during=pain,
            pain_after=pain,
            pain_next_morning=morning,
            swelling=swelling,
            limp=limp,
        )
        logs.append(LoggedSession(e, s.level, s.backward_minutes))
        if minutes > 0:
            history.append((day, minutes))
        anchor = max(day, s.date)
        d = decide(logs, max_level=max_level(), baseline_pain=0)
        new = replan(prof, d, anchor=anchor, end=end, history=history, plan_id="p")
        if d.outcome == "stop_refer":
            assert new is None
            break
        if new is None:
            assert replan_start(anchor, d) > end
            break
        violations = check_caps(new, history)
        assert violations == [], violations
        if not new.sessions:  # no training day left in the block that keeps the rest-day rule
            break
        first = new.sessions[0]
        assert first.date >= replan_start(anchor, d)
        assert first.level == d.level_after
        cal = [x for x in cal if x.date <= anchor] + list(new.sessions)


@settings(max_examples=30, deadline=None)
@given(
    factors=st.lists(st.floats(0.86, 1.14), min_size=18, max_size=18),
    skill=st.sampled_from(["never", "walks_backwards", "jogs_backwards", "regular"]),
)
def test_a_long_good_block_progresses_within_caps(factors, skill) -> None:
    """Pain-free sessions within ±15 % of the plan: progress happens, caps still hold."""
    prof = _profile(skill, 150.0)
    plan = build_plan(prof, START)
    cal, logs, history = list(plan.sessions), [], []
    anchor, levels = START - timedelta(days=1), []
    for f in factors:
        todo = [s for s in cal if s.date > anchor]
        if not todo:
            break
        s = todo[0]
        minutes = round(s.backward_minutes * f, 1)
        e = SessionLogEntry(date=s.date, session_id=s.session_id, done="yes",
                            backward_minutes=minutes, rpe=3, pain_during=1, pain_after=1,
                            pain_next_morning=0)
        logs.append(LoggedSession(e, s.level, s.backward_minutes))
        history.append((s.date, minutes))
        anchor = s.date
        d = decide(logs, max_level=max_level())
        assert d.outcome in ("progress", "hold")
        levels.append(d.level_after)
        new = replan(prof, d, anchor=anchor, end=plan.end, history=history, plan_id="p")
        if new is None:
            break
        assert check_caps(new, history) == []
        cal = [x for x in cal if x.date <= anchor] + list(new.sessions)
    assert max(levels) > plan.sessions[0].level or plan.sessions[0].level == max_level()
