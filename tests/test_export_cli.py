"""``retrorun export-plan`` end to end on the example profiles (prescription engine → ICS + FIT)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import fitdecode
import icalendar
import pytest
from typer.testing import CliRunner

from _activity_synth import activity_from_laps
from retrorun.activities.matching import log_fields_from_activity
from retrorun.cli import app
from retrorun.export.fit_workout import expected_laps, session_steps
from retrorun.export.plan_dict import plan_sessions
from retrorun.export.plan_source import plan_dict_from_profile

PROFILES = Path(__file__).resolve().parents[1] / "examples" / "profiles"


def test_export_plan_cli(tmp_path):
    r = CliRunner().invoke(
        app,
        [
            "export-plan",
            str(PROFILES / "novice-lateral-knee.toml"),
            "--ics",
            str(tmp_path / "plan.ics"),
            "--fit",
            str(tmp_path / "fit"),
            "--start",
            "2026-12-01",
            "--weeks",
            "6",
            "--tz",
            "Europe/Berlin",
            "--time",
            "07:00",
        ],
    )
    assert r.exit_code == 0, r.output
    plan = plan_dict_from_profile(PROFILES / "novice-lateral-knee.toml", dt.date(2026, 12, 1), 6)
    sessions = plan_sessions(plan)
    assert f"({len(sessions)} events" in r.output and "not medical advice" in r.output
    cal = icalendar.Calendar.from_ical((tmp_path / "plan.ics").read_bytes())
    events = list(cal.walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == [f"{s['session_id']}@retrorun" for s in sessions]
    fits = sorted((tmp_path / "fit").glob("*.fit"))
    assert len(fits) == len(sessions)
    for path, s in zip(fits, sessions, strict=True):
        steps = []
        with fitdecode.FitReader(path, check_crc=fitdecode.CrcCheck.RAISE) as fr:
            for f in fr:
                if isinstance(f, fitdecode.FitDataMessage) and f.name == "workout_step":
                    steps.append(f)
        planned = session_steps(s)
        assert len(steps) == len(planned)
        # backward seconds written to the watch = the plan's backward minutes
        laps = expected_laps(planned)
        back_s = sum(e.duration_s or 0 for e in laps if e.backward)
        dist_back = [e for e in laps if e.backward and e.distance_m]
        if not dist_back:
            assert back_s / 60 == pytest.approx(s["backward_minutes"], abs=0.01)


def test_real_plan_session_matches_a_following_activity():
    plan = plan_dict_from_profile(PROFILES / "prevention.toml", dt.date(2026, 12, 1), 6)
    s = plan_sessions(plan)[-1]
    laps = []
    for e in expected_laps(session_steps(s)):
        if e.duration_s is not None:
            laps.append((e.duration_s, 1.2 if e.backward else 2.0))
        elif e.distance_m is not None:
            laps.append((e.distance_m / 1.2, 1.2))
        else:
            laps.append((1800.0, 3.0))
    act = activity_from_laps(laps, start=dt.datetime.fromisoformat(s["date"] + "T07:00+00:00"))
    f = log_fields_from_activity(act, s)
    assert f["identified_by"] == "workout_steps"
    assert f["backward_minutes"] == pytest.approx(s["backward_minutes"], abs=0.05)
    assert f["date"] == s["date"]


def test_export_plan_refers_red_flags(tmp_path):
    r = CliRunner().invoke(
        app,
        [
            "export-plan",
            str(PROFILES / "referred-red-flags.toml"),
            "--ics",
            str(tmp_path / "x.ics"),
        ],
    )
    assert r.exit_code == 2
    assert "refer" in r.output
    assert not (tmp_path / "x.ics").exists()


def test_export_plan_bad_options(tmp_path):
    prof = str(PROFILES / "novice-lateral-knee.toml")
    r = CliRunner().invoke(app, ["export-plan", prof])
    assert r.exit_code != 0 and "--ics" in r.output
    r = CliRunner().invoke(
        app, ["export-plan", prof, "--ics", str(tmp_path / "a.ics"), "--tz", "Mars/Base"]
    )
    assert r.exit_code != 0 and "Mars/Base" in r.output
    r = CliRunner().invoke(
        app, ["export-plan", prof, "--ics", str(tmp_path / "a.ics"), "--time", "7h"]
    )
    assert r.exit_code != 0 and "HH:MM" in r.output
