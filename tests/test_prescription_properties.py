"""Property tests over random valid profiles and histories: no plan breaks a cap."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from presc_strategies import histories, profiles
from retrorun.prescription.caps import check_caps
from retrorun.prescription.ladder import LEVELS
from retrorun.prescription.model import BACKWARD_KINDS, Plan
from retrorun.prescription.planner import ReferralError, build_plan
from retrorun.prescription.screening import screen

START = dt.date(2026, 12, 1)
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(profile=profiles(), weeks=st.integers(1, 16),
       start=st.dates(dt.date(2025, 1, 1), dt.date(2030, 12, 31)))
def test_no_plan_breaks_a_cap(profile, weeks, start) -> None:
    res = screen(profile)
    if res.referred:
        with pytest.raises(ReferralError):
            build_plan(profile, start, weeks)
        return
    plan = build_plan(profile, start, weeks)
    assert check_caps(plan) == []
    assert len(plan.weeks) == weeks
    assert plan.supervised == res.supervised
    for s in plan.sessions:
        # backward block first, and the only block that moves backwards
        assert s.blocks[0].kind == "backward_warmup"
        assert [b.kind for b in s.blocks] == ["backward_warmup", "transfer_drills", "main_run"]
        assert all(st_.kind not in BACKWARD_KINDS for b in s.blocks[1:] for st_ in b.steps)
        # looks balanced
        assert s.looks.left == s.looks.right
        # never fast
        for st_ in s.blocks[0].steps:
            assert st_.pace_ceiling_m_s <= 0.70 * profile.endurance.easy_speed_m_s + 1e-9
            assert st_.rpe_target <= 5
        assert 1.0 <= s.backward_minutes <= 30.0
        if s.supervised and "treadmill" in profile.schedule.surfaces:
            assert s.surface == "treadmill"


@SETTINGS
@given(data=st.data(), weeks=st.integers(1, 12), level=st.none() | st.integers(0, len(LEVELS) - 1))
def test_caps_hold_across_history(data, weeks, level) -> None:
    profile = data.draw(profiles(allow_flags=False))
    if screen(profile).referred:
        return
    hist = data.draw(histories(START))
    plan = build_plan(profile, START, weeks, start_level=level, history=hist)
    assert check_caps(plan, hist) == []
    # the plan never starts the day after a history session
    if hist and plan.sessions:
        assert (plan.sessions[0].date - max(d for d, m in hist if m > 0)).days >= 2 \
            if any(m > 0 for _, m in hist) else True


@settings(max_examples=100, deadline=None)
@given(profile=profiles(allow_flags=False), weeks=st.integers(1, 12))
def test_deterministic_and_json_round_trip(profile, weeks) -> None:
    if screen(profile).referred:
        return
    a = build_plan(profile, START, weeks)
    b = build_plan(profile, START, weeks)
    assert a == b
    d = json.loads(json.dumps(a.to_dict()))
    assert Plan.from_dict(d) == a
    assert Plan.from_dict(d).to_dict() == a.to_dict()


@settings(max_examples=100, deadline=None)
@given(profile=profiles())
def test_referred_athlete_gets_no_plan(profile) -> None:
    if screen(profile).outcome != "refer":
        return
    with pytest.raises(ReferralError) as exc:
        build_plan(profile, START)
    assert exc.value.result.outcome == "refer"
    assert "No plan" in str(exc.value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), weeks=st.integers(1, 8))
def test_every_view_renders(data, weeks) -> None:
    from retrorun.export.handout import render_html, render_markdown
    from retrorun.export.terminal import plan_to_text
    from retrorun.prescription.evidence import explain

    profile = data.draw(profiles(allow_flags=False))
    if screen(profile).referred:
        return
    hist = data.draw(histories(START))
    plan = build_plan(profile, START, weeks, history=hist)
    ex = explain(plan)
    assert ex and all(x.source for x in ex)
    md = render_markdown(plan, explain=True)
    assert md.count("\n### Week ") == weeks
    html = render_html(plan, explain=True)
    assert html.count('class="session"') == len(plan.sessions)
    text = plan_to_text(plan, explain=True)
    assert "Weeks" in text and "not medical advice" in " ".join(text.split())
