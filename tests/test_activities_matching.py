"""Matching an activity to a planned session: backward laps, minutes, reps and warnings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _activity_synth import activity_from_laps
from _fit_activity_writer import write_fit_activity
from _plan_fixture import SESSION, session
from retrorun.activities.matching import (
    backward_block_checks,
    identify_backward_laps,
    log_fields_from_activity,
)
from retrorun.activities.reader import read_activity
from retrorun.export.fit_workout import encode_workout, expected_laps, session_steps

SPEED_OK = 1.5  # m/s, under the 1.9 m/s ceiling


def _laps_following(sess, jitter_s=1.0, main_laps=1, speed=SPEED_OK):
    """(duration, speed) per lap as a watch following the exported workout would record."""
    out = []
    for e in expected_laps(session_steps(sess)):
        if e.duration_s is not None:
            out.append((e.duration_s + jitter_s, speed if e.backward else 1.2))
        elif e.distance_m is not None:
            out.append((e.distance_m / speed, speed))
        else:
            out += [(600.0, 3.0)] * main_laps
    return out


def test_expected_lap_structure():
    laps = expected_laps(session_steps(SESSION))
    kinds = [e.kind for e in laps]
    # walk 60 s; 6 × jog with 5 walks between; 2 × 50 m; 2 strides + 1 walk; open main run
    assert kinds == (
        ["backward_walk"]
        + ["backward_jog", "forward_walk"] * 5
        + ["backward_jog"]
        + ["backward_jog"] * 2
        + ["forward_stride", "forward_walk", "forward_stride"]
        + ["main_run"]
    )
    back = [e for e in laps if e.backward]
    assert sum(e.duration_s or 0 for e in back) == 60 + 6 * 30


def test_synthetic_activity_following_the_workout():
    act = activity_from_laps(_laps_following(SESSION))
    f = log_fields_from_activity(act, SESSION)
    assert f["identified_by"] == "workout_steps"
    # backward laps: the walk, the 6 jogs, the 2 × 50 m
    assert f["backward_laps"] == [1, 2, 4, 6, 8, 10, 12, 13, 14]
    assert f["repetitions"] == 9
    expected_min = (61 + 6 * 31 + 2 * 50 / SPEED_OK) / 60
    assert f["backward_minutes"] == pytest.approx(expected_min, abs=0.01)
    assert f["date"] == "2026-12-01" and f["session_id"] == SESSION["session_id"]
    assert f["flat"] is True
    assert f["pace_over_fraction"] == 0.0
    assert f["warnings"] == ["backward laps not on a 400 m track (the plan asks for a track)"]
    assert f["surface"] == "road" and f["surface_detail"] == "flat_path"


def test_auto_laps_in_main_run_still_match():
    act = activity_from_laps(_laps_following(SESSION, main_laps=4))
    f = log_fields_from_activity(act, SESSION)
    assert f["identified_by"] == "workout_steps" and f["repetitions"] == 9


def test_wkt_step_index_wins():
    steps = session_steps(SESSION)
    exp = expected_laps(steps)
    laps = _laps_following(SESSION, jitter_s=25.0)  # durations off: only the index can tell
    act = activity_from_laps(laps, with_step_index=[e.step_index for e in exp])
    back, work, how = identify_backward_laps(act, SESSION)
    assert how == "wkt_step_index"
    assert [k + 1 for k in back] == [1, 2, 4, 6, 8, 10, 12, 13, 14]
    assert len(work) == 9


def test_laps_not_following_need_the_runner():
    act = activity_from_laps([(300.0, 1.5), (1800.0, 3.0)])
    f = log_fields_from_activity(act, SESSION)
    assert f["backward_minutes"] is None and f["identified_by"] is None
    assert any("--backward-laps" in w for w in f["warnings"])
    f = log_fields_from_activity(act, SESSION, backward_laps=[1])
    assert f["identified_by"] == "runner"
    assert f["backward_minutes"] == pytest.approx(5.0)
    assert f["repetitions"] == 1


def test_pace_and_hr_and_slope_warnings():
    sess = session()
    sess["blocks"][0]["steps"][1]["hr_ceiling_bpm"] = 130
    act = activity_from_laps(_laps_following(sess, speed=2.4), hr=150.0, ele_slope=0.05)
    f = log_fields_from_activity(act, sess)
    assert f["pace_over_fraction"] > 0.9
    assert f["hr_over_fraction"] == 1.0
    w = " | ".join(f["warnings"])
    assert "pace over the ceiling (1.90 m/s)" in w
    assert "heart rate over the ceiling (130 bpm)" in w
    assert "not on flat ground" in w
    assert f["surface"] == "trail" and f["surface_detail"] == "not_flat"


def test_date_mismatch_warned():
    act = activity_from_laps(_laps_following(SESSION), start=datetime(2026, 12, 3, 7, tzinfo=UTC))
    f = log_fields_from_activity(act, SESSION)
    assert f["date"] == "2026-12-03"
    assert any("differs from the planned session date 2026-12-01" in w for w in f["warnings"])


def test_track_session_no_track_warning():
    from _activity_synth import track_session

    act = track_session(laps=5)
    f = log_fields_from_activity(act, SESSION, backward_laps=[2])
    assert f["on_track"] is True and f["surface"] == "track"
    assert not any("track" in w for w in f["warnings"])
    f = log_fields_from_activity(act, SESSION, backward_laps=[1])  # the road approach
    assert f["on_track"] is False
    assert any("not on a 400 m track" in w for w in f["warnings"])


def test_real_file_runner_marks_laps(real_data):
    act = read_activity(real_data / "activities" / "python-fitparse__2013-02-06-12-11-14.fit")
    f = log_fields_from_activity(act, SESSION)  # 5 km auto-laps do not follow the workout
    assert f["backward_minutes"] is None
    f = log_fields_from_activity(act, SESSION, backward_laps=[1])
    lap1 = act.laps[0]
    assert f["backward_minutes"] == pytest.approx(lap1.timer_s / 60, abs=0.01)
    assert f["date"] == "2013-02-06"
    assert f["flat"] is False  # FR110 hilly run
    assert any("not on flat ground" in w for w in f["warnings"])
    assert any("not on a 400 m track" in w for w in f["warnings"])


def test_truncated_real_file_warns(real_data):
    act = read_activity(
        real_data / "activities" / "python-fitparse__strava-android-app-201.10-b1218918.fit"
    )
    f = log_fields_from_activity(act, SESSION, backward_laps=[1])
    assert f["truncated"] is True
    assert any("truncated" in w for w in f["warnings"])


def test_bad_lap_numbers():
    act = activity_from_laps([(60.0, 1.5)])
    with pytest.raises(ValueError, match="do not exist"):
        backward_block_checks(act, [2])


def test_track_gps_allowance_for_pace():
    from _activity_synth import track_session

    act = track_session(laps=5)  # 3.0 m/s on the track
    sess = session()
    sess["blocks"][0]["steps"][1]["pace_ceiling_m_s"] = 2.9  # 3 % under the GPS speed
    f = log_fields_from_activity(act, sess, backward_laps=[2])
    assert f["on_track"] is True
    assert f["pace_over_fraction"] == 0.0  # within the 10 % GPS-on-track allowance
    sess["blocks"][0]["steps"][1]["pace_ceiling_m_s"] = 2.5  # 20 % under: still flagged
    f = log_fields_from_activity(act, sess, backward_laps=[2])
    assert f["pace_over_fraction"] == 1.0


_step_st = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(
            ["backward_walk", "backward_jog", "backward_run", "forward_stride"]
        ),
        "duration_s": st.integers(10, 300),
        "repeats": st.integers(1, 6),
        "recovery_s": st.sampled_from([0, 20, 45, 60]),
        "recovery_kind": st.sampled_from(["forward_walk", "backward_walk", "stand"]),
    }
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(steps=st.lists(_step_st, min_size=1, max_size=4), main_laps=st.integers(1, 5))
def test_property_following_activity_gives_planned_backward_time(steps, main_laps):
    """Any session: a watch following its workout → backward time = the plan's definition."""
    sess = {
        "session_id": "p",
        "date": "2026-12-01",
        "blocks": [
            {"kind": "backward_warmup", "surface": "any", "steps": steps},
            {"kind": "main_run", "steps": []},
        ],
    }
    if not any(s["kind"].startswith("backward") for s in steps) and not any(
        s["recovery_kind"] == "backward_walk" and s["repeats"] > 1 and s["recovery_s"]
        for s in steps
    ):
        return
    act = activity_from_laps(_laps_following(sess, jitter_s=0.0, main_laps=main_laps))
    f = log_fields_from_activity(act, sess)
    assert f["identified_by"] == "workout_steps"
    # the prescription model's backward_s: work × reps when backward + backward recoveries
    planned = 0
    reps = 0
    for s in steps:
        back = s["kind"].startswith("backward")
        planned += s["duration_s"] * s["repeats"] if back else 0
        reps += s["repeats"] if back else 0
        if s["recovery_kind"] == "backward_walk" and s["repeats"] > 1:
            planned += s["recovery_s"] * (s["repeats"] - 1)
    assert f["backward_minutes"] == pytest.approx(planned / 60, abs=0.01)
    assert f["repetitions"] == reps


def test_local_date_with_time_zone():
    # 21:30 UTC on 30 Nov is 08:30 on 1 Dec in Sydney
    act = activity_from_laps(
        _laps_following(SESSION), start=datetime(2026, 11, 30, 21, 30, tzinfo=UTC)
    )
    assert log_fields_from_activity(act, SESSION)["date"] == "2026-11-30"
    f = log_fields_from_activity(act, SESSION, tz="Australia/Sydney")
    assert f["date"] == "2026-12-01"
    assert not any("differs" in w for w in f["warnings"])


@pytest.mark.parametrize("with_index", [True, False])
def test_end_to_end_fit_workout_then_fit_activity(tmp_path, with_index):
    """Export the workout, 'run' it (a FIT activity whose laps follow the steps), import, match."""
    (tmp_path / "workout.fit").write_bytes(encode_workout(SESSION))
    exp = expected_laps(session_steps(SESSION))
    synth = activity_from_laps(
        _laps_following(SESSION, main_laps=1), with_step_index=[e.step_index for e in exp]
    )
    path = write_fit_activity(synth, tmp_path / "run.fit", with_step_index=with_index)
    act = read_activity(path)
    assert len(act.laps) == len(exp)
    assert [lap.wkt_step_index for lap in act.laps] == (
        [e.step_index for e in exp] if with_index else [None] * len(exp)
    )
    f = log_fields_from_activity(act, SESSION)
    assert f["identified_by"] == ("wkt_step_index" if with_index else "workout_steps")
    assert f["backward_laps"] == [1, 2, 4, 6, 8, 10, 12, 13, 14]
    assert f["repetitions"] == 9
    assert f["backward_minutes"] == pytest.approx((61 + 6 * 31 + 2 * 50 / SPEED_OK) / 60, abs=0.02)
    assert f["date"] == "2026-12-01"
