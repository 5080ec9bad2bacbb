"""FIT workout export: every file decodes with fitdecode (CRC checked) to the planned steps."""

from __future__ import annotations

import copy
import io
from datetime import UTC, datetime

import fitdecode
import pytest

from _plan_fixture import SESSION, plan
from retrorun.export.fit_workout import (
    encode_workout,
    expected_laps,
    session_steps,
    write_fit_workouts,
)


def _decode(path):
    msgs = {"file_id": [], "workout": [], "workout_step": []}
    with fitdecode.FitReader(path, check_crc=fitdecode.CrcCheck.RAISE) as fr:
        for f in fr:
            if isinstance(f, fitdecode.FitDataMessage) and f.name in msgs:
                msgs[f.name].append({x.name: x.value for x in f.fields})
    return msgs


def test_long_non_ascii_notes_are_cut_to_50_characters():
    s = copy.deepcopy(SESSION)
    s["blocks"][0]["steps"][0]["cues"] = ["ä" * 30 + "x" * 40]
    dec = _decode(io.BytesIO(encode_workout(s)))["workout_step"]
    assert dec[0]["notes"] == "ä" * 30 + "x" * 20
    assert session_steps(s)[0].notes == "ä" * 30 + "x" * 40


def test_written_files_round_trip(tmp_path):
    p = plan(3)
    created = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    paths = write_fit_workouts(p, tmp_path / "fit", created=created)
    assert [x.name for x in paths] == [
        "2026-12-01-w1s1.fit",
        "2026-12-04-w1s2.fit",
        "2026-12-08-w2s1.fit",
    ]
    assert not list((tmp_path / "fit").glob("*.tmp"))
    for path in paths:
        m = _decode(path)
        fid = m["file_id"][0]
        assert fid["type"] == "workout"
        assert fid["time_created"] == created
        w = m["workout"][0]
        assert w["sport"] == "running" and w["sub_sport"] == "track"
        steps = session_steps(SESSION)
        assert w["num_valid_steps"] == len(steps) == len(m["workout_step"])
        for st, dec in zip(steps, m["workout_step"], strict=True):
            assert dec["message_index"] == st.index
            assert dec["wkt_step_name"] == st.name
            assert dec.get("notes") == (st.notes[:50] or None)  # the step's cues
            if st.duration_type == "time":
                assert dec["duration_type"] == "time"
                assert dec["duration_time"] == pytest.approx(st.duration_s)
            elif st.duration_type == "distance":
                assert dec["duration_type"] == "distance"
                assert dec["duration_distance"] == pytest.approx(st.distance_m)
            elif st.duration_type == "open":
                assert dec["duration_type"] == "open"
            else:
                assert dec["duration_type"] == "repeat_until_steps_cmplt"
                assert dec["duration_step"] == st.repeat_from
                assert dec["repeat_steps"] == st.repeat_count
            if st.speed_high_m_s:
                assert dec["target_type"] == "speed"
                assert dec["custom_target_speed_high"] == pytest.approx(st.speed_high_m_s)
                assert dec["custom_target_speed_low"] == 0
            elif st.duration_type != "repeat":
                assert dec["target_type"] == "open"


def test_step_structure_of_the_fixture():
    steps = session_steps(SESSION)
    # warm-up walk, 6 × (jog, walk) as jog/walk/repeat 5×/jog, 2 × 50 m as 50 m/repeat 2×,
    # strides with recovery (2 reps → no repeat step), open main run
    assert [s.duration_type for s in steps] == [
        "time", "time", "time", "repeat", "time",
        "distance", "repeat",
        "time", "time", "time",
        "open",
    ]  # fmt: skip
    assert steps[3].repeat_from == 1 and steps[3].repeat_count == 5
    assert steps[6].repeat_from == 5 and steps[6].repeat_count == 2
    assert steps[0].intensity == "warmup" and steps[2].intensity == "recovery"
    assert steps[-1].block == "main_run" and steps[-1].duration_type == "open"
    laps = expected_laps(steps)
    assert len(laps) == 1 + 11 + 2 + 3 + 1


def test_hr_ceiling_encoding(tmp_path):
    s = {
        "session_id": "hr",
        "date": "2026-12-01",
        "blocks": [
            {
                "kind": "backward_warmup",
                "surface": "treadmill",
                "steps": [
                    {
                        "kind": "backward_walk",
                        "direction": "backward",
                        "duration_s": 120,
                        "hr_ceiling_bpm": 135,
                    }
                ],
            }
        ],
    }
    p = tmp_path / "hr.fit"
    p.write_bytes(encode_workout(s))
    (st,) = _decode(p)["workout_step"]
    assert st["target_type"] == "heart_rate"
    # FIT custom heart rate = bpm + 100 (0–100 would mean % of max HR)
    assert st["custom_target_heart_rate_high"] == 235
    assert _decode(p)["workout"][0]["sub_sport"] == "treadmill"


def test_repeats_expand_without_trailing_recovery():
    step = {
        "kind": "backward_jog",
        "duration_s": 30,
        "repeats": 4,
        "recovery_s": 45,
        "recovery_kind": "backward_walk",
    }
    s = {"blocks": [{"kind": "backward_warmup", "steps": [step]}]}
    laps = expected_laps(session_steps(s))
    assert [lap.kind for lap in laps] == ["backward_jog", "backward_walk"] * 3 + ["backward_jog"]
    assert all(lap.backward for lap in laps)  # a backward-walk recovery is backward time
    assert [lap.work for lap in laps] == [True, False] * 3 + [True]
