"""Next-morning stiffness: validation, the week-to-week hold, the progress trend, the
command line (log / morning / history / progress / export / import) and migration 0003,
on SQLite and PostgreSQL.

The rule under test (``pain.no_week_to_week_rise``, Silbernagel & Crossley 2015): pain and
stiffness must not rise week to week. retrorun compares the mean next-morning stiffness of
the 7 days ending on the session with the 7 days before; a rise of ≥ 1 point
(``WEEKLY_RISE_HOLD``, the same threshold as for pain) holds.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from retrorun.cli import app
from retrorun.training.adaptation import WEEKLY_RISE_HOLD, LoggedSession, decide
from retrorun.training.load import progress_report
from retrorun.training.logs import LogError, SessionLogEntry, validate_entry
from store_fixtures import db_url  # noqa: F401  (fixture)
from store_helpers import START, profile

D0 = date(2026, 3, 2)  # a Monday
MAX = 7
runner = CliRunner()


def s(i: int, stiff: int | None, *, level: int = 2, day: int | None = None) -> LoggedSession:
    """Compliant session *i* of a Mon/Wed/Fri block with next-morning stiffness *stiff*."""
    d = D0 + timedelta(days=day if day is not None else (i // 3) * 7 + (i % 3) * 2)
    e = SessionLogEntry(
        date=d, session_id=f"s{i}", done="yes", backward_minutes=8.0, rpe=4,
        pain_during=1, pain_after=1, pain_next_morning=0, stiffness_next_morning=stiff,
    )  # fmt: skip
    return LoggedSession(e, level, 8.0)


def codes(d) -> set[str]:
    return {r.code for r in d.reasons}


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("bad", [11, -1, 2.5, True, "3"])
def test_stiffness_outside_0_to_10_is_rejected(bad) -> None:
    e = SessionLogEntry(
        date=D0, session_id="s0", done="yes", backward_minutes=5.0, rpe=4, pain_during=1,
        pain_after=1, stiffness_next_morning=bad,
    )  # fmt: skip
    with pytest.raises(LogError) as exc:
        validate_entry(e, today=D0 + timedelta(days=1))
    assert exc.value.problems == [
        ("stiffness_next_morning", f"stiffness must be a whole number from 0 to 10, got {bad!r}")
    ]


def test_stiffness_needs_its_morning_to_have_come() -> None:
    e = SessionLogEntry(
        date=D0, session_id="s0", done="yes", backward_minutes=5.0, rpe=4, pain_during=1,
        pain_after=1, stiffness_next_morning=2,
    )  # fmt: skip
    with pytest.raises(LogError, match="stiffness_next_morning: the morning after 2026-03-02"):
        validate_entry(e, today=D0)
    assert validate_entry(e, today=D0 + timedelta(days=1)).stiffness_next_morning == 2


def test_entry_dict_round_trip_keeps_stiffness_and_reads_old_dicts() -> None:
    e = s(0, 4).entry
    assert SessionLogEntry.from_dict(e.to_dict()) == e
    old = {k: v for k, v in e.to_dict().items() if k != "stiffness_next_morning"}
    assert SessionLogEntry.from_dict(old).stiffness_next_morning is None


# --------------------------------------------------------------------------- adaptation


def test_rising_stiffness_holds_what_would_progress() -> None:
    # Week 1 stiffness 1, 1, 1; then the runner wakes stiffer: 2, 3. On the last day (day
    # 9) the 7 days back hold days 4, 7, 9 (1, 2, 3 → 2.0), the 7 before days 0, 2 (1.0).
    week1 = [s(0, 1), s(1, 1), s(2, 1)]
    rising = [*week1, s(3, 2), s(4, 3)]
    d = decide(rising, max_level=MAX)
    assert d.outcome == "hold" and d.level_after == d.level_before == 2
    assert codes(d) == {"weekly_stiffness_rising"}
    (r,) = d.reasons
    assert r.evidence == ("pain.no_week_to_week_rise",)
    assert "morning stiffness over the last 7 days rose to 2.0/10 from 1.0/10" in r.text
    # the same pains with flat stiffness progress: stiffness alone made the difference
    flat = [*week1, s(3, 1), s(4, 1)]
    assert decide(flat, max_level=MAX).outcome == "progress"
    # and with no stiffness logged at all the rule is silent
    none = [s(i, None) for i in range(5)]
    assert decide(none, max_level=MAX).outcome == "progress"


def test_stiffness_rule_threshold_and_window() -> None:
    # +0.67 (1 → 1.67, one 3 among 1s after a 1-week) stays under the 1-point threshold
    seq = [s(0, 1), s(1, 1), s(2, 1), s(3, 1), s(4, 3)]
    # last = day 9: this week days 3..9 → s2 (day 4, 1), s3 (day 7, 1), s4 (day 9, 3)
    # previous week days -4..2 → s0 (1), s1 (1)
    assert 5 / 3 - 1 < WEEKLY_RISE_HOLD
    assert "weekly_stiffness_rising" not in codes(decide(seq, max_level=MAX))
    # stiffness older than 14 days does not count: no previous week → no rule
    late = [s(0, 0), s(1, 5, day=15), s(2, 5, day=17)]
    assert "weekly_stiffness_rising" not in codes(decide(late, max_level=MAX))
    # a falling stiffness never holds
    falling = [s(0, 4), s(1, 4), s(2, 4), s(3, 1), s(4, 1)]
    assert decide(falling, max_level=MAX).outcome == "progress"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=5, max_size=5))
def test_stiffness_hold_iff_weekly_mean_rises_by_a_point(stiffs) -> None:
    seq = [s(i, v) for i, v in enumerate(stiffs)]
    # last session day 9: this week = s2, s3, s4; previous week = s0, s1
    rise = sum(stiffs[2:]) / 3 - sum(stiffs[:2]) / 2
    d = decide(seq, max_level=MAX)
    assert ("weekly_stiffness_rising" in codes(d)) == (rise >= WEEKLY_RISE_HOLD - 1e-12)
    if rise >= WEEKLY_RISE_HOLD - 1e-12:
        assert d.outcome == "hold"


def test_progress_report_stiffness_trend() -> None:
    logs = [s(i, v) for i, v in enumerate([1, 1, 1, 2, 2, 2, 3, 3, 3])]
    rep = progress_report(logs, [], start=D0, today=D0 + timedelta(days=20))
    assert [w.mean_morning_stiffness for w in rep.weeks] == [1.0, 2.0, 3.0]
    assert rep.stiffness_logged and rep.stiffness_slope_per_week == pytest.approx(1.0, abs=1e-12)
    d = rep.to_dict()
    assert d["stiffness_slope_per_week"] == pytest.approx(1.0) and d["stiffness_logged"]
    plain = progress_report([s(i, None) for i in range(9)], [], start=D0, today=D0 + timedelta(20))
    assert not plain.stiffness_logged and plain.stiffness_slope_per_week is None


# --------------------------------------------------------------------------- command line


def run(*args: str, ok: bool = True):
    r = runner.invoke(app, list(args))
    if ok:
        assert r.exit_code == 0, r.output
    return r


def on(monkeypatch, d: date) -> None:
    monkeypatch.setenv("RETRORUN_TODAY", d.isoformat())


@pytest.fixture
def env(tmp_path, monkeypatch, db_url):  # noqa: F811
    monkeypatch.setenv("RETRORUN_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sam.toml").write_text(tomli_w.dumps(profile("Sam")))
    on(monkeypatch, START)
    run("athlete", "add", "Sam", "--profile", "sam.toml", "--start", START.isoformat())
    return tmp_path


def logs_json() -> list[dict]:
    return json.loads(run("history", "--json").output)["logs"]


def log_and_morning(monkeypatch, day: date, stiffness: int) -> str:
    on(monkeypatch, day)
    run("log", "--done", "yes", "--rpe", "4", "--pain-during", "1", "--pain-after", "1")
    on(monkeypatch, day + timedelta(days=1))
    out = run("morning", "--pain", "0", "--stiffness", str(stiffness)).output
    assert f"Next-morning pain 0/10, stiffness {stiffness}/10 added" in out
    return out


def test_rising_stiffness_through_the_cli_holds_and_round_trips(env, monkeypatch) -> None:
    # Mon, Wed: level 0, stiffness 1 → progress to level 1 (two compliant sessions).
    log_and_morning(monkeypatch, START, 1)
    assert "PROGRESS" in log_and_morning(monkeypatch, START + timedelta(days=2), 1)
    # Sat (level 1): stiffer, 2; 1 compliant session at the new level → hold.
    log_and_morning(monkeypatch, START + timedelta(days=5), 2)
    # Mon (level 1): the second compliant session would progress, but the morning
    # stiffness of the last 7 days (1, 2, 3 → 2.0) rose from the week before (1.0).
    out = log_and_morning(monkeypatch, START + timedelta(days=7), 3)
    assert "HOLD: level 1 → 1" in out and "PROGRESS" not in out
    assert "average morning stiffness over the last 7 days rose to 2.0/10 from 1.0/10" in out
    assert "evidence: pain.no_week_to_week_rise" in out
    why = run("why", "--last", "1").output
    assert "stiffness must not increase week to week" in why and "[U] Silbernagel" in why

    # history shows it; --json too
    hist = run("history").output
    head, _, *rows = hist.splitlines()[1:]
    assert "stiff" in head.split()
    col = head.split().index("stiff") - 1  # "pain d/a/m" is two words in the header
    assert [r.split()[col] for r in rows] == ["1", "1", "2", "3"]
    stiffs = [x["stiffness_next_morning"] for x in logs_json()]
    assert stiffs == [1, 1, 2, 3]

    # progress: trend next to the pain trend, and in --json
    prog = run("progress", "--no-plot", "--json", "p.json").output
    assert "Pain trend:" in prog and "Morning stiffness trend: +1.67 points/week (rising)" in prog
    pj = json.loads((env / "p.json").read_text())
    assert [w["mean_morning_stiffness"] for w in pj["weeks"]] == [pytest.approx(4 / 3), 3.0]
    assert pj["stiffness_slope_per_week"] == pytest.approx(5 / 3)

    before = logs_json()

    # export → delete → import keeps every stiffness value
    run("export", "Sam", "-o", "sam.json")
    data = json.loads((env / "sam.json").read_text())
    assert [x["stiffness_next_morning"] for x in data["logs"]] == [
        x["stiffness_next_morning"] for x in before
    ]
    run("athlete", "delete", "Sam", "--yes")
    run("import", "sam.json")
    assert logs_json() == before


def test_log_with_stiffness_next_morning(env, monkeypatch) -> None:
    on(monkeypatch, START + timedelta(days=1))
    out = run("log", "--date", START.isoformat(), "--done", "yes", "--rpe", "4",
              "--pain-during", "1", "--pain-after", "1", "--pain-next-morning", "0",
              "--stiffness-next-morning", "2").output  # fmt: skip
    assert "Logged 2026-03-02-w1s1" in out and "provisional" not in out
    (row,) = logs_json()
    assert (row["pain_next_morning"], row["stiffness_next_morning"]) == (0, 2)


def test_invalid_stiffness_stores_nothing(env, monkeypatch) -> None:
    on(monkeypatch, START + timedelta(days=1))
    r = run("log", "--date", START.isoformat(), "--done", "yes", "--rpe", "4",
            "--pain-during", "1", "--pain-after", "1", "--stiffness-next-morning", "11",
            ok=False)  # fmt: skip
    assert r.exit_code == 1 and "nothing was stored" in r.output
    assert "stiffness_next_morning: stiffness must be a whole number from 0 to 10, got 11" in (
        r.output
    )
    assert logs_json() == []
    # a valid log, then a bad morning: neither pain nor stiffness is written
    run("log", "--date", START.isoformat(), "--done", "yes", "--rpe", "4",
        "--pain-during", "1", "--pain-after", "1")  # fmt: skip
    r = run("morning", "--pain", "0", "--stiffness", "11", ok=False)
    assert r.exit_code == 1 and "stiffness_next_morning" in r.output and "got 11" in r.output
    (row,) = logs_json()
    assert row["pain_next_morning"] is None and row["stiffness_next_morning"] is None
    assert row["decision"] == "hold (prov.)"


# --------------------------------------------------------------------------- migration


def test_migration_0003_adds_and_drops_the_column_keeping_rows(env, db_url) -> None:  # noqa: F811
    from alembic import command

    from retrorun.store import db as dbmod

    run("log", "--done", "no")  # one log + one decision row
    engine = dbmod.make_engine(db_url)

    def counts() -> tuple[int, ...]:
        with engine.connect() as c:
            return tuple(
                c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("athlete", "profile_version", "plan_version", "session_log", "decision")
            )

    def cols() -> list[str]:
        return [c["name"] for c in inspect(engine).get_columns("session_log")]

    assert dbmod.head_revision() == dbmod.current_revision(engine) == "0003"
    full = counts()
    assert full == (1, 1, 1, 1, 1) and "stiffness_next_morning" in cols()
    with engine.begin() as conn:
        command.downgrade(dbmod._alembic_config(conn), "0002")
    engine.dispose()
    assert "stiffness_next_morning" not in cols() and counts() == full
    dbmod.upgrade(engine)
    assert "stiffness_next_morning" in cols() and counts() == full
    with engine.connect() as c:
        assert c.execute(text("SELECT stiffness_next_morning FROM session_log")).all() == [(None,)]
    # the CHECK constraint exists on both back ends
    with pytest.raises(Exception, match=r"(?i)check"), engine.begin() as c:
        c.execute(text("UPDATE session_log SET stiffness_next_morning = 11"))
    engine.dispose()


def test_sqlite_upgrade_from_0001_keeps_child_rows(tmp_path) -> None:
    """0002 rebuilds ``athlete`` on SQLite; with foreign keys on, the DROP used to cascade
    and delete every profile, plan, log and decision. Migrations now run with them off."""
    from retrorun.store import db as dbmod

    engine = dbmod.make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}", migrate=False)
    dbmod.upgrade(engine, "0001")
    with engine.begin() as c:
        c.execute(text("INSERT INTO athlete (id, name, status, created_at) "
                       "VALUES (1, 'A', 'active', '2026-03-01 00:00:00')"))  # fmt: skip
        c.execute(text("INSERT INTO profile_version (athlete_id, version, data, "
                       "screening_outcome, screening_reasons, created_at) "
                       "VALUES (1, 1, '{}', 'cleared', '[]', '2026-03-01 00:00:00')"))  # fmt: skip
    dbmod.upgrade(engine)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM profile_version")).scalar_one() == 1
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert dbmod.current_revision(engine) == "0003"
    engine.dispose()
