"""Watches and calendars (issue 5) with the training log (issue 3), end to end through the CLI.

athlete add (SQLite file / PostgreSQL schema) → ``export-plan --fit DIR --ics FILE`` → a FIT
*activity* written with fit-tool that follows one exported workout file (laps per executed step,
with ``wkt_step_index``; the steps are read back from the exported file with fitdecode and executed
like a watch does, independently of ``retrorun.export.fit_workout.expected_laps``) →
``retrorun log --activity`` → the stored log, decision and warnings → ``history`` / ``progress
--json`` → a re-plan → ``export-plan`` again (same UIDs, cancelled events, stale FIT files gone).

Hostile files (empty, random bytes, truncated, bit-flipped) through ``log --activity`` store
nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import fitdecode
import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from _activity_synth import activity_from_laps
from _fit_activity_writer import write_fit_activity
from retrorun.cli import app
from store_fixtures import db_url  # noqa: F401  (fixture)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "profiles"
#: experienced runner: level 4, 6 × 30 s backward jog with 1 min backward walk between (8 min)
PROFILE = EXAMPLES / "experienced-low-back.toml"
START = date(2026, 3, 2)  # Monday; sessions on 03-02, 03-05, 03-07, ...
MON_7 = datetime(2026, 3, 2, 7, tzinfo=UTC)
PAINS = ["--rpe", "4", "--pain-during", "1", "--pain-after", "1"]

runner = CliRunner()


def run(*args: str, code: int = 0):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r


# ------------------------------------------------------------------------------ helpers


def workout_steps(path: Path) -> list[dict]:
    """The workout_step messages of an exported FIT workout (CRC checked)."""
    out = []
    with fitdecode.FitReader(path, check_crc=fitdecode.CrcCheck.RAISE) as fr:
        for f in fr:
            if isinstance(f, fitdecode.FitDataMessage) and f.name == "workout_step":
                out.append({x.name: x.value for x in f.fields})
    return out


def execute_workout(steps: list[dict]) -> list[dict]:
    """The steps a watch executes, one lap each (FIT ``repeat_until_steps_cmplt`` semantics:
    jump back to ``duration_step`` until the block has run ``repeat_steps`` times)."""
    laps, done, i = [], {}, 0
    while i < len(steps):
        st = steps[i]
        if st["duration_type"] == "repeat_until_steps_cmplt":
            done[i] = done.get(i, 0) + 1
            i = int(st["duration_step"]) if done[i] < int(st["repeat_steps"]) else i + 1
            continue
        laps.append(st)
        i += 1
    return laps


#: encoded activities by (workout bytes, start, speed, index flag): fit-tool writes ≈ 400 records/s
_ENCODED: dict[tuple, tuple[bytes, float, int]] = {}


def following_activity(
    workout: Path, out: Path, *, start: datetime, back_speed: float = 1.6, step_index: bool = True
) -> tuple[Path, float, int]:
    """Write a FIT activity whose laps follow *workout*; returns (path, backward min, work reps).

    Backward steps are the ones the exported workout names "Backward ..."; each time step lasts
    its duration + 1 s (watches end a step on the next whole second), the open main run 2 min.
    """
    key = (hashlib.sha256(workout.read_bytes()).hexdigest(), start, back_speed, step_index)
    if key not in _ENCODED:
        executed = execute_workout(workout_steps(workout))
        spec, idx, back_s, reps = [], [], 0.0, 0
        for step in executed:
            backward = str(step["wkt_step_name"]).startswith("Backward")
            timed = step.get("duration_time")
            dur = timed + 1.0 if timed else 120.0
            spec.append((dur, back_speed if backward else 2.8))
            idx.append(int(step["message_index"]))
            if backward:
                back_s += dur
                reps += step["intensity"] not in ("recovery", "rest")
        act = activity_from_laps(spec, start=start, with_step_index=idx)
        write_fit_activity(act, out, with_step_index=step_index)
        _ENCODED[key] = (out.read_bytes(), back_s / 60.0, reps)
    data, minutes, reps = _ENCODED[key]
    out.write_bytes(data)
    return out, minutes, reps


@contextmanager
def store(url: str):
    from retrorun.store.db import make_engine, session_factory

    engine = make_engine(url)
    try:
        with session_factory(engine)() as s:
            yield s
    finally:
        engine.dispose()


def counts(url: str) -> tuple[int, int, int]:
    """(logs, decisions, plan versions) in the database."""
    from sqlalchemy import func, select

    from retrorun.store.models import Decision, PlanVersion, SessionLog

    with store(url) as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(m))
            for m in (SessionLog, Decision, PlanVersion)
        )


def stored_logs(url: str) -> list:
    from retrorun.store.repository import get_athlete, logs_of

    with store(url) as s:
        rows = logs_of(s, get_athlete(s, None))
        s.expunge_all()
        return rows


def events(ics: Path) -> dict[str, icalendar.cal.Event]:
    cal = icalendar.Calendar.from_ical(ics.read_bytes())
    evs = list(cal.walk("VEVENT"))
    uids = [str(e["UID"]) for e in evs]
    assert len(uids) == len(set(uids)), "one event per UID"
    return dict(zip(uids, evs, strict=True))


@pytest.fixture
def env(tmp_path, monkeypatch, db_url):  # noqa: F811
    monkeypatch.setenv("RETRORUN_DATABASE_URL", db_url)
    monkeypatch.setenv("RETRORUN_TODAY", START.isoformat())
    monkeypatch.chdir(tmp_path)
    run("athlete", "add", "Riley", "--profile", PROFILE, "--start", START)
    return tmp_path, db_url


# ------------------------------------------------------------------------------ the loop


def test_export_follow_log_progress_replan_reexport(env, monkeypatch):
    tmp, url = env
    out = run("export-plan", "--fit", "fit", "--ics", "plan.ics").output
    assert "Riley: plan v1" in out and "not medical advice" in out
    ev1 = events(tmp / "plan.ics")
    fits = sorted((tmp / "fit").glob("*.fit"))
    assert len(ev1) == len(fits) > 10
    first = tmp / "fit" / "2026-03-02-w1s1.fit"
    ev = ev1["riley-2026-03-02@retrorun"]
    assert int(ev["SEQUENCE"]) == 1 and str(ev["STATUS"]) == "CONFIRMED"
    assert "Backward jog" in str(ev["DESCRIPTION"])

    # the watch follows the exported workout; the session is logged from its file
    monkeypatch.setenv("RETRORUN_TODAY", "2026-03-02")
    act, back_min, reps = following_activity(
        first, tmp / "run1.fit", start=datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    )
    assert reps == 6 and back_min == pytest.approx(8.0 + 11 / 60)  # 6 × 31 s + 5 × 61 s
    out = run("log", "--activity", act, *PAINS, "--looks-left", "4", "--looks-right", "4").output
    assert "laps 1,2,3,4,5,6,7,8,9,10,11 backward (wkt_step_index)" in out
    assert "Logged 2026-03-02-w1s1 (2026-03-02): done yes" in out
    assert "HOLD (provisional)" in out
    assert "warning: backward laps not on a 400 m track (the plan asks for a track)" in out
    (row,) = stored_logs(url)
    assert row.session_id == "2026-03-02-w1s1" and row.date == date(2026, 3, 2)
    assert row.backward_minutes == pytest.approx(back_min, abs=0.01)
    assert row.backward_minutes == pytest.approx(row.planned_minutes, rel=0.03)  # 8 planned
    assert row.repetitions == 6 and row.done == "yes" and row.surface == "road"
    assert (row.rpe, row.pain_during, row.pain_after) == (4.0, 1, 1)
    assert row.warnings == ["backward laps not on a 400 m track (the plan asks for a track)"]
    assert row.activity["identified_by"] == "wkt_step_index"
    assert row.activity["sha256"] == hashlib.sha256(act.read_bytes()).hexdigest()
    assert row.activity["backward_laps"] == list(range(1, 12))
    assert counts(url) == (1, 1, 1)

    # second session: no wkt_step_index (older watch), backward too fast → pace warning
    monkeypatch.setenv("RETRORUN_TODAY", "2026-03-05")
    run("morning", "--pain", "1")
    act2, back2, _ = following_activity(
        tmp / "fit" / "2026-03-05-w1s2.fit",
        tmp / "run2.fit",
        start=datetime(2026, 3, 5, 17, 0, tzinfo=UTC),
        back_speed=3.0,
        step_index=False,
    )
    out = run("log", "--activity", act2, *PAINS).output
    assert "backward (workout_steps)" in out and "Logged 2026-03-05-w1s2" in out
    row2 = stored_logs(url)[1]
    assert row2.backward_minutes == pytest.approx(back2, abs=0.01) and row2.repetitions == 6
    assert any(w.startswith("pace over the ceiling (2.19 m/s) in 100%") for w in row2.warnings)

    # warnings come back in history and progress (text and JSON)
    hist = run("history").output
    assert "Watch-file warnings:" in hist and "(run2.fit): pace over the ceiling" in hist
    hj = json.loads(run("history", "--json").output)
    assert [len(x["warnings"]) for x in hj["logs"]] == [1, 2]
    prog = run("progress", "--no-plot", "--json", "p.json").output
    assert "Activity warnings:" in prog and "pace over the ceiling" in prog
    pj = json.loads((tmp / "p.json").read_text())
    assert len(pj["warnings"]) == 3
    assert {(w["session_id"], w["file"]) for w in pj["activity_warnings"]} == {
        ("2026-03-02-w1s1", "run1.fit"),
        ("2026-03-05-w1s2", "run2.fit"),
    }

    # a bad session → regress → re-plan v2 with rest days; re-export replaces the events
    monkeypatch.setenv("RETRORUN_TODAY", "2026-03-07")
    act3, _, _ = following_activity(
        tmp / "fit" / "2026-03-07-w1s3.fit",
        tmp / "run3.fit",
        start=datetime(2026, 3, 7, 8, tzinfo=UTC),
    )
    out = run("log", "--activity", act3, "--rpe", "6", "--pain-during", "6", "--pain-after", "5")
    assert "REGRESS" in out.output and "re-planned as v2" in out.output
    out = run("export-plan", "--fit", "fit", "--ics", "plan.ics").output
    assert "plan v2" in out
    ev2 = events(tmp / "plan.ics")
    assert set(ev1) <= set(ev2), "every event of the first export is updated, none orphaned"
    cancelled = {u for u, e in ev2.items() if str(e.get("STATUS")) == "CANCELLED"}
    assert cancelled and "cancelled by re-plans" in out
    from retrorun.store.repository import get_athlete, schedule

    with store(url) as s:
        cal = schedule(s, get_athlete(s, None))
    live = {f"riley-{x['date']}@retrorun" for x in cal}
    assert cancelled == set(ev2) - live  # dropped dates only
    for u in cancelled:
        assert int(ev2[u]["SEQUENCE"]) == 2 and not list(ev2[u].walk("VALARM"))
    future = [x for x in cal if x["date"] > "2026-03-07"]
    assert all(int(ev2[f"riley-{x['date']}@retrorun"]["SEQUENCE"]) == 2 for x in future)
    past = ev2["riley-2026-03-02@retrorun"]
    assert int(past["SEQUENCE"]) == 1 and "Logged 2026-03-02: done yes" in str(past["DESCRIPTION"])
    # the watch folder holds exactly the sessions still to do (today's is logged)
    names = sorted(p.name for p in (tmp / "fit").glob("*.fit"))
    logged = {"2026-03-02-w1s1.fit", "2026-03-05-w1s2.fit", "2026-03-07-w1s3.fit"}
    assert set(names) - logged == {f"{x['session_id']}.fit" for x in future}


def test_stop_and_refer_cancels_the_rest(env):
    """After a stop-and-refer the calendar keeps the past session and cancels every other one;
    the watch folder loses the workouts of the cancelled sessions."""
    tmp, _ = env
    run("export-plan", "--fit", "fit", "--ics", "plan.ics")
    n = len(list((tmp / "fit").glob("*.fit")))
    out = run("log", "--done", "yes", "--minutes", "8", *PAINS, "--red-flag", "knee gave way")
    assert "STOP REFER" in out.output
    out = run("export-plan", "--fit", "fit", "--ics", "plan.ics").output
    assert "(STOPPED after a stop-and-refer decision)" in out
    assert "wrote 0 FIT workouts" in out and f"removed {n - 1} stale ones" in out
    ev = events(tmp / "plan.ics")
    assert len(ev) == n
    status = {u: str(e["STATUS"]) for u, e in ev.items()}
    assert [u for u, x in status.items() if x == "CONFIRMED"] == ["riley-2026-03-02@retrorun"]
    assert list((tmp / "fit").glob("*.fit")) == [tmp / "fit" / "2026-03-02-w1s1.fit"]


def test_real_hilly_file_with_backward_laps(env, real_data, monkeypatch):
    """FR110 road run (33.8 m/km of ascent): lap 1 marked backward → 'not flat' stored."""
    tmp, url = env
    f = real_data / "activities" / "python-fitparse__2013-02-06-12-11-14.fit"
    before = counts(url)
    r = run("log", "--activity", f, *PAINS, code=2)  # recorded 2013: no session that day
    assert "no session planned on 2013-02-06" in r.output and "2026-03-02-w1s1" in r.output
    r = run("log", "--activity", f, "--date", START, *PAINS, code=2)  # laps do not follow
    assert f"missing --backward-laps or --minutes ({f}" in r.output
    r = run("log", "--activity", f, "--date", START, "--backward-laps", "9", *PAINS, code=2)
    assert str(f) in r.output and "lap(s) [9] do not exist: the activity has 5 laps" in r.output
    assert counts(url) == before
    out = run("log", "--activity", f, "--date", START, "--backward-laps", "1", *PAINS).output
    assert "Logged 2026-03-02-w1s1 (2026-03-02)" in out
    (row,) = stored_logs(url)
    assert row.backward_minutes == pytest.approx(579.0 / 60, abs=0.01)  # lap 1: 9:39
    assert row.repetitions == 1 and row.surface == "trail"
    assert row.activity["identified_by"] == "runner" and row.activity["flat"] is False
    w = " | ".join(row.warnings)
    assert "backward laps not on flat ground" in w
    assert "activity date 2013-02-06 differs from the planned session date 2026-03-02" in w
    assert "--date 2026-03-02 given, but python-fitparse__2013-02-06-12-11-14.fit was" in w
    run("progress", "--no-plot", "--json", "p.json")
    pj = json.loads((tmp / "p.json").read_text())
    assert any("not on flat ground" in x["warning"] for x in pj["activity_warnings"])


def test_time_zone_picks_the_local_day(env, monkeypatch):
    """06:30 on Thursday in Tokyo is Wednesday 21:30 UTC: --tz decides the session."""
    tmp, url = env
    monkeypatch.setenv("RETRORUN_TODAY", "2026-03-05")
    run("export-plan", "--fit", "fit")
    act, _, _ = following_activity(
        tmp / "fit" / "2026-03-05-w1s2.fit",
        tmp / "tokyo.fit",
        start=datetime(2026, 3, 4, 21, 30, tzinfo=UTC),
    )
    r = run("log", "--activity", act, *PAINS, code=2)
    assert "no session planned on 2026-03-04" in r.output
    assert "nearest: 2026-03-02-w1s1 (not logged), 2026-03-05-w1s2 (not logged)" in r.output
    out = run("log", "--activity", act, "--tz", "Asia/Tokyo", *PAINS).output
    assert "Logged 2026-03-05-w1s2 (2026-03-05)" in out
    (row,) = stored_logs(url)
    assert row.activity["tz"] == "Asia/Tokyo" and not any("date" in w for w in row.warnings)
    run("log", "--activity", act, "--tz", "Mars/Olympus", *PAINS, code=2)


def test_watch_local_time_picks_the_day(env, monkeypatch):
    """A FIT file that records the watch's local time (activity.local_timestamp, UTC+9)
    is dated by it without --tz; --tz still overrides it."""
    tmp, url = env
    monkeypatch.setenv("RETRORUN_TODAY", "2026-03-05")
    run("export-plan", "--fit", "fit")
    from retrorun.activities.reader import read_activity

    src, _, _ = following_activity(tmp / "fit" / "2026-03-05-w1s2.fit", tmp / "t.fit",
                                   start=datetime(2026, 3, 4, 21, 30, tzinfo=UTC))
    act = read_activity(src)
    act.utc_offset_s = 9 * 3600
    write_fit_activity(act, tmp / "tokyo-watch.fit")
    assert read_activity(tmp / "tokyo-watch.fit").utc_offset_s == 9 * 3600
    r = run("log", "--activity", tmp / "tokyo-watch.fit", "--tz", "UTC", *PAINS, code=2)
    assert "no session planned on 2026-03-04" in r.output
    out = run("log", "--activity", tmp / "tokyo-watch.fit", *PAINS).output
    assert "Logged 2026-03-05-w1s2 (2026-03-05)" in out
    (row,) = stored_logs(url)
    assert row.activity["tz"] == "UTC+09:00 (watch)"


def test_pain_and_effort_still_required(env, monkeypatch):
    tmp, url = env
    run("export-plan", "--fit", "fit")
    act, _, _ = following_activity(
        tmp / "fit" / "2026-03-02-w1s1.fit", tmp / "a.fit", start=MON_7
    )
    r = run("log", "--activity", act, code=2)
    assert "missing --rpe, --pain-during, --pain-after" in r.output
    assert counts(url)[0] == 0
    # in a terminal they are asked for (the watch already gave minutes, reps and surface)
    monkeypatch.setattr("retrorun.cli.log._interactive", lambda: True)
    r = runner.invoke(app, ["log", "--activity", str(act)], input="3\n2\n1\n5\n5\nn\nn\nn\n")
    assert r.exit_code == 0, r.output
    (row,) = stored_logs(url)
    assert (row.rpe, row.pain_during, row.pain_after, row.looks_left) == (3.0, 2, 1, 5)
    assert row.repetitions == 6 and row.surface == "road"


def test_export_plan_athlete_errors(env):
    tmp, _ = env
    run("export-plan", "--fit", "fit", "--start", "2026-03-02", code=2)
    r = run("export-plan", PROFILE, "--athlete", "Riley", "--ics", "x.ics", code=2)
    assert "not both" in r.output
    r = run("export-plan", "--athlete", "Nobody", "--ics", "x.ics", code=2)
    assert "no athlete called 'Nobody'" in r.output
    ref = tmp / "ref.toml"
    ref.write_text((EXAMPLES / "referred-red-flags.toml").read_text())
    run("athlete", "add", "Ref", "--profile", ref)
    r = run("export-plan", "--ics", "x.ics", code=2)
    assert "2 athletes (Ref, Riley): choose one with --athlete NAME" in r.output
    r = run("export-plan", "--athlete", "Ref", "--ics", "x.ics", code=2)
    assert "Ref has no plan to export" in r.output
    assert not (tmp / "x.ics").exists()
    run("export-plan", "--athlete", "Riley", "--ics", "x.ics")
    assert (tmp / "x.ics").exists()


# ------------------------------------------------------------------------------ hostile files


def _hostile_files(tmp: Path, real_data: Path | None) -> dict[str, bytes]:
    good, _, _ = following_activity(
        tmp / "fit" / "2026-03-02-w1s1.fit", tmp / "good.fit", start=MON_7
    )
    raw = good.read_bytes()
    flipped = bytearray(raw)
    for k in range(20, len(raw) - 2, 97):
        flipped[k] ^= 0x5A
    files = {
        "empty.fit": b"",
        "random.fit": bytes(range(256)) * 7,
        "header-only.fit": raw[:14],
        "cut-in-records.fit": raw[: len(raw) // 3],  # the laps come after the records: none read
        "flipped.fit": bytes(flipped),
        "garbage.gpx": b"<?xml version='1.0'?><gpx><trk><trkseg></trkseg></trk></gpx>",
    }
    if real_data is not None:
        files["cut-real.fit"] = (
            real_data / "activities" / "python-fitparse__activity-small-fenix2-run.fit"
        ).read_bytes()[:2000]
    return files


def test_hostile_activity_files_store_nothing(env, real_data):
    tmp, url = env
    run("export-plan", "--fit", "fit")
    before = counts(url)
    for name, data in _hostile_files(tmp, real_data).items():
        p = tmp / name
        p.write_bytes(data)
        r = runner.invoke(app, ["log", "--activity", str(p), "--date", "2026-03-02", *PAINS])
        assert r.exit_code == 2, (name, r.output, r.exception)
        assert str(p) in r.output, (name, r.output)
        assert counts(url) == before, name
    r = run("log", "--activity", tmp / "missing.fit", *PAINS, code=2)
    assert f"{tmp / 'missing.fit'}: cannot read file" in r.output


def test_truncated_file(env):
    """Cut in the trailing session message: every lap is there → logged, 'truncated' stored.
    Cut inside the backward laps: refused (a log of part of the block would understate it)
    unless the runner gives the minutes."""
    tmp, url = env
    run("export-plan", "--fit", "fit")
    good, _, _ = following_activity(
        tmp / "fit" / "2026-03-02-w1s1.fit", tmp / "good.fit", start=MON_7
    )
    raw = good.read_bytes()
    cut = tmp / "cut-in-laps.fit"
    cut.write_bytes(raw[:-300])  # 10 of the 19 laps, of which 11 are backward
    r = run("log", "--activity", cut, *PAINS, code=2)
    assert f"--minutes ({cut} is truncated: only 10 of 11 backward laps could be read" in r.output
    assert counts(url) == (0, 0, 1)
    run("log", "--activity", cut, "--minutes", "8", *PAINS)
    (row,) = stored_logs(url)
    assert row.backward_minutes == 8.0 and row.repetitions is None
    assert any("10 of 11 backward laps were read" in w for w in row.warnings)
    assert any(w.startswith("activity file is truncated") for w in row.warnings)


def test_truncated_after_the_laps_is_logged(env):
    tmp, url = env
    run("export-plan", "--fit", "fit")
    good, back_min, _ = following_activity(
        tmp / "fit" / "2026-03-02-w1s1.fit", tmp / "good.fit", start=MON_7
    )
    cut = tmp / "cut-at-end.fit"
    cut.write_bytes(good.read_bytes()[:-60])  # session + activity messages lost, laps kept
    run("log", "--activity", cut, *PAINS)
    (row,) = stored_logs(url)
    assert row.backward_minutes == pytest.approx(back_min, abs=0.01) and row.repetitions == 6
    assert row.activity["truncated"] is True
    assert "activity file is truncated: only the part before the break was used" in row.warnings


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    def _raise(signum, frame):
        raise Hang(f"example took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, _raise)
    old_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    t0 = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if old_delay > 0:
            signal.setitimer(signal.ITIMER_REAL, max(old_delay - (time.monotonic() - t0), 0.001))


@pytest.fixture(scope="module")
def fuzz_base(tmp_path_factory):
    """A SQLite database with one athlete, and the activity that follows its first workout."""
    tmp = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{tmp / 'base.sqlite'}"
    mp = pytest.MonkeyPatch()
    mp.setenv("RETRORUN_TODAY", START.isoformat())
    try:
        run("athlete", "add", "Riley", "--profile", PROFILE, "--start", START, "--db", url)
        run("export-plan", "--fit", tmp / "fit", "--db", url)
    finally:
        mp.undo()
    good, _, _ = following_activity(
        tmp / "fit" / "2026-03-02-w1s1.fit", tmp / "good.fit", start=MON_7
    )
    return tmp, good.read_bytes()


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cut=st.one_of(st.none(), st.integers(0, 20_000)),
    flips=st.lists(st.tuples(st.integers(0, 20_000), st.integers(1, 255)), max_size=6),
)
def test_fuzzed_activity_all_or_nothing(fuzz_base, tmp_path_factory, monkeypatch, cut, flips):
    """A mutated watch file gives a complete log (exit 0, one row, its sha256) or an error
    naming the file (exit 2, no row) — never a crash, a hang or a half-written log."""
    base, raw = fuzz_base
    work = tmp_path_factory.mktemp("ex")
    for suffix in ("", "-wal"):  # the WAL too, should the last writer have left one
        if (base / f"base.sqlite{suffix}").exists():
            shutil.copy(base / f"base.sqlite{suffix}", work / f"db.sqlite{suffix}")
    url = f"sqlite:///{work / 'db.sqlite'}"
    data = bytearray(raw if cut is None else raw[: cut % (len(raw) + 1)])
    for pos, mask in flips:
        if data:
            data[pos % len(data)] ^= mask
    f = work / "run.fit"
    f.write_bytes(bytes(data))
    monkeypatch.setenv("RETRORUN_TODAY", START.isoformat())
    before = counts(url)
    with time_limit(20.0):
        r = runner.invoke(app, ["log", "--activity", str(f), "--db", url, "--date", START, *PAINS])
    after = counts(url)
    if r.exit_code == 0:
        assert after[0] == before[0] + 1 and after[1] == before[1] + 1
        (row,) = stored_logs(url)
        assert row.activity["sha256"] == hashlib.sha256(bytes(data)).hexdigest()
        assert row.backward_minutes > 0 and row.rpe == 4.0
    else:
        assert r.exit_code == 2, (r.output, r.exception)
        assert str(f) in r.output, r.output
        assert after == before


def test_no_activity_options_without_activity(env):
    r = run("log", "--backward-laps", "1,2", *PAINS, code=2)
    assert "--backward-laps and --tz need --activity FILE" in r.output
    assert counts(env[1])[0] == 0


def test_one_day_later(env, monkeypatch):
    """A FIT file recorded the day after a session is refused unless the runner names it."""
    tmp, url = env
    run("export-plan", "--fit", "fit")
    monkeypatch.setenv("RETRORUN_TODAY", "2026-03-03")
    act, _, _ = following_activity(
        tmp / "fit" / "2026-03-02-w1s1.fit",
        tmp / "late.fit",
        start=datetime(2026, 3, 3, 7, tzinfo=UTC),
    )
    r = run("log", "--activity", act, *PAINS, code=2)
    assert "no session planned on 2026-03-03" in r.output
    out = run("log", "--activity", act, "--session", "2026-03-02-w1s1", *PAINS).output
    assert "Logged 2026-03-02-w1s1 (2026-03-03)" in out
    (row,) = stored_logs(url)
    assert row.warnings[0] == "activity date 2026-03-03 differs from the planned session date " \
        "2026-03-02"
    assert row.date == START + timedelta(days=1)
