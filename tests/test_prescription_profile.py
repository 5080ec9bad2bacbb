"""Athlete profiles: TOML loading, validation errors that name the field, atomic saving."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from retrorun.prescription.profile import (
    AthleteProfile,
    ProfileError,
    load_profile,
    profile_from_dict,
    save_profile,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "profiles"
NOVICE = EXAMPLES / "novice-lateral-knee.toml"


def _base() -> dict:
    return tomllib.loads(NOVICE.read_text())


def test_examples_load() -> None:
    files = sorted(EXAMPLES.glob("*.toml"))
    assert {f.stem for f in files} >= {"novice-lateral-knee", "experienced-low-back",
                                      "plantar-heel", "prevention", "referred-red-flags",
                                      "supervised-balance"}
    for f in files:
        assert isinstance(load_profile(f), AthleteProfile)


def test_novice_values() -> None:
    p = load_profile(NOVICE)
    assert p.condition.kind == "lateral_knee_pain" and p.condition.side == "right"
    assert p.pain.during_running == 3
    assert p.endurance.easy_pace == "6:45/km"
    assert p.endurance.easy_pace_s_per_km == 405.0
    assert p.endurance.easy_speed_m_s == pytest.approx(1000 / 405)
    assert p.endurance.typical_run_min == 25.0
    assert p.schedule.training_days == ["mon", "wed", "sat"]


@pytest.mark.parametrize(("pace", "expected"), [
    ("6:30", "6:30/km"), ("6:30/km", "6:30/km"), (" 5:00 / km ", "5:00/km"),
    ("10:00/mi", "6:13/km"),  # 600 s / 1.609344 km = 372.8 s → 6:13
    (390, "6:30/km"), (390.4, "6:30/km"),
])
def test_easy_pace_forms(pace, expected) -> None:
    d = _base()
    d["endurance"]["easy_pace"] = pace
    assert profile_from_dict(d).endurance.easy_pace == expected


@pytest.mark.parametrize(("section", "field", "bad", "needle"), [
    ("endurance", "weekly_minutes", -5, "greater than or equal to 0"),
    ("endurance", "longest_run_min", -1, "greater than or equal to 0"),
    ("pain", "during_running", 11, "less than or equal to 10"),
    ("pain", "now", -1, "greater than or equal to 0"),
    ("condition", "kind", "runners_knee",
     "'lateral_knee_pain', 'low_back_pain', 'plantar_heel_pain' or 'none'"),
    ("skill", "backward", "sometimes", "'never', 'walks_backwards', 'jogs_backwards' or 'regular'"),
    ("schedule", "training_days", [], "at least 1 item"),
    ("schedule", "surfaces", ["beach"], "'track', 'treadmill' or 'flat_path'"),
    ("endurance", "easy_pace", "fast", "is not 'm:ss' per km"),
    ("endurance", "easy_pace", "1:30", "between 3:00 and 15:00"),
])
def test_invalid_field_named_with_allowed_values(tmp_path, section, field, bad, needle) -> None:
    d = _base()
    d[section][field] = bad
    import tomli_w

    f = tmp_path / "bad.toml"
    f.write_text(tomli_w.dumps(d))
    with pytest.raises(ProfileError) as exc:
        load_profile(f)
    err = exc.value
    assert err.path == str(f)
    assert err.field.startswith(f"{section}.{field}")
    msg = str(err)
    assert str(f) in msg and f"{section}.{field}" in msg
    assert needle in msg
    assert isinstance(err, ValueError)


def test_training_day_repeats_and_unknown_day() -> None:
    d = _base()
    d["schedule"]["training_days"] = ["mon", "mon"]
    with pytest.raises(ProfileError, match=r"schedule\.training_days: values must not repeat"):
        profile_from_dict(d)
    d["schedule"]["training_days"] = ["monday"]
    with pytest.raises(ProfileError, match="'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun'"):
        profile_from_dict(d)


def test_unknown_field_and_missing_section() -> None:
    d = _base()
    d["pain"]["during"] = 3
    with pytest.raises(ProfileError) as exc:
        profile_from_dict(d, source="x.toml")
    assert exc.value.field == "pain.during"
    assert "unknown field" in str(exc.value)
    d = _base()
    del d["endurance"]
    with pytest.raises(ProfileError, match="endurance: missing"):
        profile_from_dict(d)


def test_balance_test_required_and_runs_consistency() -> None:
    d = _base()
    del d["skill"]["backward_walk_3m_s"]
    del d["skill"]["single_leg_stance_s"]
    with pytest.raises(ProfileError, match="skill: give a balance test"):
        profile_from_dict(d)
    d = _base()
    d["endurance"]["runs_per_week"] = 0
    with pytest.raises(ProfileError, match="both be 0"):
        profile_from_dict(d)


def test_side_for_no_condition() -> None:
    d = _base()
    d["condition"] = {"kind": "none", "side": "left"}
    with pytest.raises(ProfileError, match="side must be 'none'"):
        profile_from_dict(d)


def test_all_errors_collected() -> None:
    d = _base()
    d["pain"]["now"] = 11
    d["endurance"]["weekly_minutes"] = -3
    with pytest.raises(ProfileError) as exc:
        profile_from_dict(d)
    fields = [f for f, _ in exc.value.errors]
    assert fields == ["pain.now", "endurance.weekly_minutes"]
    assert "also endurance.weekly_minutes" in str(exc.value)


def test_bad_toml_and_missing_file(tmp_path) -> None:
    f = tmp_path / "broken.toml"
    f.write_text("name = \n")
    with pytest.raises(ProfileError, match=r"broken.toml: <toml>: not valid TOML"):
        load_profile(f)
    with pytest.raises(ProfileError, match=r"nope.toml: <file>: cannot read"):
        load_profile(tmp_path / "nope.toml")
    f.write_bytes(b"\xff\xfe")
    with pytest.raises(ProfileError, match="not UTF-8"):
        load_profile(f)


def test_save_load_round_trip(tmp_path) -> None:
    p = load_profile(NOVICE)
    out = save_profile(p, tmp_path / "sub" / "p.toml")
    assert load_profile(out) == p
    assert not [x for x in out.parent.iterdir() if x.name.endswith(".tmp")]


def test_save_is_atomic_and_refuses_invalid(tmp_path) -> None:
    target = tmp_path / "p.toml"
    target.write_text("original")
    good = load_profile(NOVICE)
    # an invalid object (bypassing validation) never reaches the disk
    bad = good.model_copy(update={"pain": good.pain.model_copy(update={"now": 42})})
    with pytest.raises(ProfileError, match=r"pain\.now"):
        save_profile(bad, target)
    assert target.read_text() == "original"
    assert [x.name for x in tmp_path.iterdir()] == ["p.toml"]
