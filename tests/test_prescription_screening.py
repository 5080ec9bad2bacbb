"""Screening outcomes: cleared, supervised only, refer — one test per rule."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from retrorun.prescription.evidence import EVIDENCE
from retrorun.prescription.profile import RedFlags, load_profile, profile_from_dict
from retrorun.prescription.screening import screen

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "profiles"


def _clean() -> dict:
    """A profile with nothing to flag."""
    return {
        "name": "t",
        "condition": {"kind": "lateral_knee_pain", "side": "left", "duration_weeks": 4},
        "pain": {"now": 0, "during_running": 2, "after_running": 1},
        "skill": {"backward": "walks_backwards", "backward_walk_3m_s": 3.5,
                  "single_leg_stance_s": 40},
        "endurance": {"runs_per_week": 3, "weekly_minutes": 90, "longest_run_min": 40,
                      "easy_pace": "6:00"},
        "schedule": {"training_days": ["mon", "wed", "fri"], "surfaces": ["track"]},
        "body": {"age": 35},
    }


def _with(**sections) -> dict:
    d = _clean()
    for sec, vals in sections.items():
        d.setdefault(sec, {}).update(vals)
    return d


def test_cleared() -> None:
    res = screen(profile_from_dict(_clean()))
    assert res.outcome == "cleared" and res.reasons == []
    assert res.cleared and not res.referred


@pytest.mark.parametrize("item", ["heart_condition", "chest_pain_activity", "chest_pain_rest",
                                  "dizziness_or_fainting", "bone_joint_problem",
                                  "bp_or_heart_medication", "pregnant_or_recent_birth",
                                  "other_reason"])
def test_parq_yes_refers(item) -> None:
    res = screen(profile_from_dict(_with(parq={item: True})))
    assert res.outcome == "refer"
    assert res.reasons[0].code == f"parq.{item}"
    assert res.reasons[0].citation == "screening.parq"
    assert res.reasons[0].who_to_see


def test_bone_joint_problem_lifted_by_clinician() -> None:
    d = _with(parq={"bone_joint_problem": True})
    d["condition"]["clinician_cleared"] = True
    res = screen(profile_from_dict(d))
    assert res.outcome == "cleared"
    assert [r.outcome for r in res.reasons] == ["advice"]


@pytest.mark.parametrize("flag", list(RedFlags.model_fields))
def test_every_red_flag_refers(flag) -> None:
    res = screen(profile_from_dict(_with(red_flags={flag: True})))
    assert res.outcome == "refer"
    r = res.reasons[0]
    assert r.code == f"red_flag.{flag}"
    assert r.citation in EVIDENCE
    assert r.who_to_see


def test_emergency_flags_say_urgent() -> None:
    for flag in ("saddle_numbness", "bladder_or_bowel_change", "cannot_bear_weight"):
        r = screen(profile_from_dict(_with(red_flags={flag: True}))).reasons[0]
        assert "urgent" in r.who_to_see


@pytest.mark.parametrize(("pain", "outcome"), [
    ({"during_running": 5}, "cleared"), ({"during_running": 6}, "refer"),
    ({"now": 3}, "cleared"), ({"now": 4}, "refer"),
])
def test_pain_thresholds(pain, outcome) -> None:
    assert screen(profile_from_dict(_with(pain=pain))).outcome == outcome


@pytest.mark.parametrize(("bwt", "outcome"), [
    (5.5, "cleared"), (5.6, "supervised"), (8.1, "supervised"), (8.15, "refer"), (12, "refer"),
])
def test_backward_walk_cutoffs(bwt, outcome) -> None:
    assert screen(profile_from_dict(_with(skill={"backward_walk_3m_s": bwt}))).outcome == outcome


@pytest.mark.parametrize(("sls", "outcome"), [(30, "cleared"), (29.9, "supervised"),
                                              (0, "supervised")])
def test_single_leg_stance(sls, outcome) -> None:
    d = _with(skill={"single_leg_stance_s": sls})
    assert screen(profile_from_dict(d)).outcome == outcome


@pytest.mark.parametrize("item", ["dizziness_or_vestibular", "fall_last_12_months"])
def test_backward_safety_supervised(item) -> None:
    res = screen(profile_from_dict(_with(safety={item: True})))
    assert res.outcome == "supervised"
    assert res.reasons[0].citation == "screening.vestibular_or_fall"


def test_refer_beats_supervised_and_refer_reasons_first() -> None:
    d = _with(safety={"fall_last_12_months": True}, red_flags={"badly_swollen": True})
    res = screen(profile_from_dict(d))
    assert res.outcome == "refer"
    assert [r.outcome for r in res.reasons] == ["refer", "supervised"]


@pytest.mark.parametrize(("age", "cleared_by_clinician", "outcome"), [
    (35, False, "cleared"), (55, False, "refer"), (17, False, "refer"), (55, True, "cleared"),
    (50, False, "cleared"), (20, False, "cleared"),
])
def test_low_back_pain_age_flag(age, cleared_by_clinician, outcome) -> None:
    d = _with(condition={"kind": "low_back_pain", "side": "both",
                         "clinician_cleared": cleared_by_clinician}, body={"age": age})
    assert screen(profile_from_dict(d)).outcome == outcome


def test_age_flag_only_for_back_pain() -> None:
    assert screen(profile_from_dict(_with(body={"age": 70}))).outcome == "cleared"


def test_long_symptoms_advice_keeps_outcome() -> None:
    res = screen(profile_from_dict(_with(condition={"duration_weeks": 20})))
    assert res.outcome == "cleared"
    assert [r.code for r in res.reasons] == ["advice.long_symptoms"]


def test_examples_outcomes() -> None:
    got = {f.stem: screen(load_profile(f)).outcome for f in EXAMPLES.glob("*.toml")}
    assert got == {
        "novice-lateral-knee": "cleared",
        "experienced-low-back": "cleared",
        "plantar-heel": "cleared",
        "prevention": "cleared",
        "supervised-balance": "supervised",
        "referred-red-flags": "refer",
    }


def test_summary_and_dict() -> None:
    res = screen(load_profile(EXAMPLES / "referred-red-flags.toml"))
    text = res.summary()
    assert text.startswith("Refer: no plan.")
    assert "see a physiotherapist" in text
    d = res.to_dict()
    assert d["outcome"] == "refer"
    assert {"code", "outcome", "message", "who_to_see", "citation"} <= set(d["reasons"][0])


def test_examples_are_toml() -> None:
    for f in EXAMPLES.glob("*.toml"):
        tomllib.loads(f.read_text())
