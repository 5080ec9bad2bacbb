"""Reliability on SQLite and PostgreSQL: concurrent writers lose nothing, a process killed in
the middle of a log leaves the database consistent, deleted data is really gone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from retrorun.store import repository as repo
from retrorun.store.db import make_engine, session_factory
from retrorun.store.models import Decision, PlanVersion, SessionLog
from store_fixtures import db_url  # noqa: F401  (fixture)
from store_helpers import START, entry_for, profile
from store_worker import PAUSE_BEFORE_COMMIT_ENV

TESTS = Path(__file__).resolve().parent
WORKER = TESTS / "store_worker.py"
LATER = START + timedelta(days=90)


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    src = str(TESTS.parent / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, str(TESTS), env.get("PYTHONPATH")) if p)
    env.update(extra)
    return env


def _worker(url: str, name: str, n: int, *extra: str, env=None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WORKER), url, name, str(n), LATER.isoformat(), *extra],
        env=env or _env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _setup(url: str, *names: str):
    engine = make_engine(url)
    factory = session_factory(engine)
    with factory() as s:
        for n in names:
            repo.add_athlete(s, profile(n), start=START, name=n)
    return engine, factory


def _consistent(s) -> None:
    """Every log has exactly one current decision; decisions point at stored plans."""
    logs = list(s.scalars(select(SessionLog)))
    for r in logs:
        current = [d for d in s.scalars(select(Decision).where(Decision.log_id == r.id))
                   if not d.superseded]
        assert len(current) == 1, r.session_id
    for d in s.scalars(select(Decision).where(Decision.plan_version_id.is_not(None))):
        assert s.get(PlanVersion, d.plan_version_id) is not None
    if s.get_bind().dialect.name == "sqlite":
        assert s.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert s.connection().exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        s.rollback()


@pytest.mark.timeout(300)
def test_two_processes_logging_at_once_lose_nothing(db_url) -> None:  # noqa: F811
    n = 6
    engine, factory = _setup(db_url, "A", "B")
    procs = [_worker(db_url, name, n) for name in ("A", "B")]
    for p in procs:
        _out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    with factory() as s:
        for name in ("A", "B"):
            a = repo.get_athlete(s, name)
            rows = repo.logs_of(s, a)
            assert len(rows) == n and all(r.notes == f"worker {name}" for r in rows)
            assert len({r.session_id for r in rows}) == n
        _consistent(s)
    engine.dispose()


@pytest.mark.timeout(300)
def test_two_processes_logging_two_sessions_of_one_athlete(db_url) -> None:  # noqa: F811
    engine, factory = _setup(db_url, "A")
    with factory() as s:
        first, second = (x["session_id"] for x in repo.schedule(s, repo.get_athlete(s))[:2])
    procs = [_worker(db_url, "A", 1, sid) for sid in (first, second)]
    for p in procs:
        _out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    with factory() as s:
        a = repo.get_athlete(s)
        assert {r.session_id for r in repo.logs_of(s, a)} == {first, second}
        # Whatever the order, the second decision saw both logs: two compliant → progress.
        assert [d.outcome for d in repo.decisions_of(s, a)] == ["hold", "progress"]
        _consistent(s)
    engine.dispose()


@pytest.mark.timeout(300)
def test_two_processes_logging_the_same_session_store_it_once(db_url) -> None:  # noqa: F811
    engine, factory = _setup(db_url, "A")
    with factory() as s:
        sid = repo.schedule(s, repo.get_athlete(s))[0]["session_id"]
    procs = [_worker(db_url, "A", 1, sid) for _ in range(2)]
    results = [(p.wait(timeout=240), p.stderr.read()) for p in procs]
    assert sorted(rc for rc, _ in results) == [0, 1]
    assert any("already logged" in err for rc, err in results if rc)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(SessionLog)) == 1
        _consistent(s)
    engine.dispose()


@pytest.mark.timeout(300)
def test_killed_in_the_middle_of_a_log_leaves_db_consistent(db_url, tmp_path) -> None:  # noqa: F811
    engine, factory = _setup(db_url, "A")
    with factory() as s:
        a = repo.get_athlete(s)
        repo.log_session(s, "A", entry_for(repo.schedule(s, a)[0]), today=LATER)

    def snapshot():
        with factory() as s:
            return {m.__tablename__: s.scalar(select(func.count()).select_from(m))
                    for m in (SessionLog, Decision, PlanVersion)}

    before = snapshot()
    marker = tmp_path / "paused"
    p = _worker(db_url, "A", 1, env=_env(**{PAUSE_BEFORE_COMMIT_ENV: str(marker)}))
    t0 = time.monotonic()
    while not marker.exists():
        assert p.poll() is None, p.stderr.read()
        assert time.monotonic() - t0 < 120, "worker never reached the commit"
        time.sleep(0.05)
    inside = json.loads(marker.read_text())
    assert inside["pid"] == p.pid and inside["in_transaction"]
    # Seen from the worker's own open transaction: the log and its decision are written
    # (a re-plan may add a plan version) ...
    assert inside["session_log"] == before["session_log"] + 1
    assert inside["decision"] == before["decision"] + 1
    assert inside["plan_version"] >= before["plan_version"]
    # ... and not committed: another connection does not see them (a plain engine, as
    # make_engine's SQLite transactions start with BEGIN IMMEDIATE and would wait for the lock).
    plain = create_engine(db_url)
    with plain.connect() as c:
        assert {m.__tablename__: c.scalar(select(func.count()).select_from(m))
                for m in (SessionLog, Decision, PlanVersion)} == before
    plain.dispose()
    # The log, its decision and maybe a new plan version are written but not committed.
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    assert p.returncode == -signal.SIGKILL
    engine.dispose()
    engine = make_engine(db_url)
    factory = session_factory(engine)
    assert snapshot() == before
    with factory() as s:
        _consistent(s)
        # Nothing is left locked: the same log now goes through.
        a = repo.get_athlete(s)
        logged = {r.session_id for r in repo.logs_of(s, a)}
        nxt = next(x for x in repo.schedule(s, a) if x["session_id"] not in logged)
        repo.log_session(s, "A", entry_for(nxt), today=LATER)
    after = snapshot()
    assert after["session_log"] == before["session_log"] + 1
    engine.dispose()


def test_delete_leaves_no_trace_in_the_sqlite_file(tmp_path) -> None:
    path = tmp_path / "r.sqlite"
    url = f"sqlite:///{path}"
    engine, factory = _setup(url, "Secret Runner", "Keep")
    marker = "zebra-note-51c9e"
    with factory() as s:
        a = repo.get_athlete(s, "Secret Runner")
        for _ in range(3):
            logged = {r.session_id for r in repo.logs_of(s, a)}
            nxt = next(x for x in repo.schedule(s, a) if x["session_id"] not in logged)
            repo.log_session(s, a.name, entry_for(nxt, notes=marker), today=LATER)
    raw = path.read_bytes() + Path(f"{path}-wal").read_bytes()
    assert marker.encode() in raw
    with factory() as s:
        repo.delete_athlete(s, repo.get_athlete(s, "Secret Runner"))
    engine.dispose()
    files = [path, Path(f"{path}-wal")]
    data = b"".join(f.read_bytes() for f in files if f.exists())
    assert marker.encode() not in data and b"Secret Runner" not in data
    engine, factory = _setup(url)
    with factory() as s:
        assert [a.name for a in repo.list_athletes(s)] == ["Keep"]
    engine.dispose()
