"""The phase ladder and how skill, endurance and pain change the start level."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrorun.prescription.ladder import LEVELS, PHASES, start_level, start_level_reasons
from retrorun.prescription.profile import profile_from_dict


def _p(skill="walks_backwards", weekly=120.0, runs=3, longest=45.0, during=0, after=0,
       kind="lateral_knee_pain", bwt=3.5, sls=None) -> dict:
    sk = {"backward": skill}
    if bwt is not None:
        sk["backward_walk_3m_s"] = bwt
    if sls is not None:
        sk["single_leg_stance_s"] = sls
    return profile_from_dict({
        "condition": {"kind": kind, "side": "none" if kind == "none" else "left"},
        "pain": {"during_running": during, "after_running": after},
        "skill": sk,
        "endurance": {"runs_per_week": runs, "weekly_minutes": weekly,
                      "longest_run_min": longest, "easy_pace": "6:00"},
        "schedule": {"training_days": ["mon", "wed", "fri"], "surfaces": ["track"]},
    })


def test_levels_ordered_and_phases_monotonic() -> None:
    assert [lv.index for lv in LEVELS] == list(range(len(LEVELS)))
    phase_idx = [PHASES.index(lv.phase) for lv in LEVELS]
    assert phase_idx == sorted(phase_idx)
    assert {lv.phase for lv in LEVELS} == set(PHASES)
    # duration grows within each phase (before maintenance)
    for ph in PHASES[:-1]:
        mins = [lv.backward_minutes() for lv in LEVELS if lv.phase == ph]
        assert mins == sorted(mins) and len(set(mins)) == len(mins), ph
    # the nominal doses stay inside the evidence: 5 min entry, ≤ 15 running, ≤ 30 walking (LBP)
    assert LEVELS[0].backward_minutes() == 5.0
    assert max(lv.backward_minutes() for lv in LEVELS if not lv.walking) <= 15.0
    assert max(lv.backward_minutes("low_back_pain") for lv in LEVELS if lv.walking) == 30.0
    assert max(lv.backward_minutes() for lv in LEVELS if lv.walking) <= 15.0
    assert all(lv.rpe <= 5 for lv in LEVELS)


def test_level_minutes_values() -> None:
    # 6 × 30 s jog with 60 s backward walk between: 180 + 300 s
    assert LEVELS[4].backward_s() == 480
    # walking recoveries are forward and do not count
    assert LEVELS[1].backward_s() == 480
    assert LEVELS[3].backward_s("low_back_pain") == 1800
    assert LEVELS[12].sessions_per_week == 2


@given(i=st.integers(0, len(LEVELS) - 1), budget=st.integers(0, 2400),
       cond=st.sampled_from(["none", "low_back_pain"]))
def test_scaled_never_exceeds_budget_or_pattern(i, budget, cond) -> None:
    lv = LEVELS[i]
    n, r = lv.scaled(budget, cond)
    reps, rep_s = lv.pattern(cond)
    if n == 0:
        assert r == 0 and budget < 5  # under one 5-s grain
        return
    assert 1 <= n <= reps and 0 < r <= rep_s and r % 5 == 0
    back = n * r + ((n - 1) * lv.rec_s if lv.rec_kind == "backward_walk" else 0)
    assert back <= max(budget, 0)
    if budget >= lv.backward_s(cond):
        assert (n, r) == (reps, rep_s)


def test_scaled_keeps_repeats_when_it_can() -> None:
    # L5: 6 × (60 s jog / 60 s walk) = 660 s; a 528 s budget keeps 6 repeats of 35 s
    assert LEVELS[5].scaled(528) == (6, 35)
    assert LEVELS[0].scaled(200) == (2, 100)
    assert LEVELS[0].scaled(100) == (1, 100)
    assert LEVELS[9].scaled(543) == (1, 540)


@pytest.mark.parametrize(("skill", "level"), [
    ("never", 0), ("walks_backwards", 1), ("jogs_backwards", 4), ("regular", 8),
])
def test_skill_sets_start(skill, level) -> None:
    assert start_level(_p(skill=skill)) == level


def test_experienced_regular_starts_higher() -> None:
    assert start_level(_p(skill="regular", weekly=200, longest=60)) == 9
    assert start_level(_p(skill="regular", weekly=200, longest=40)) == 8


@pytest.mark.parametrize(("kw", "level"), [
    ({"weekly": 50}, 4), ({"runs": 1, "weekly": 80}, 4), ({"longest": 15}, 4),
    ({"weekly": 20}, 2),
])
def test_low_endurance_caps_start(kw, level) -> None:
    assert start_level(_p(skill="regular", **kw)) == level


@pytest.mark.parametrize(("during", "after", "level"), [
    (0, 0, 8), (2, 2, 8), (3, 0, 7), (0, 3, 7), (4, 0, 2), (5, 5, 2),
])
def test_pain_lowers_start(during, after, level) -> None:
    assert start_level(_p(skill="regular", during=during, after=after)) == level


def test_pain_never_below_zero() -> None:
    assert start_level(_p(skill="never", during=5)) == 0
    assert start_level(_p(skill="never", during=3)) == 0


def test_balance_and_plantar_keep_walking() -> None:
    assert start_level(_p(skill="regular", bwt=6.0)) == 3
    assert start_level(_p(skill="regular", bwt=None, sls=10)) == 3
    assert start_level(_p(skill="regular", kind="plantar_heel_pain")) == 3


def test_reasons_explain_each_rule() -> None:
    lvl, reasons = start_level_reasons(_p(skill="jogs_backwards", during=3))
    assert lvl == 3
    assert reasons[0] == "backward skill 'jogs_backwards' → L4"
    assert "one level lower (L3)" in reasons[-1]
