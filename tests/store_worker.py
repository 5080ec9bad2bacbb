"""Subprocess used by the reliability tests: log the next N sessions of an athlete.

Usage: ``python tests/store_worker.py URL ATHLETE N TODAY [SESSION_ID]``. Each log is its
own transaction; with SESSION_ID it logs that one session once.

With ``PAUSE_BEFORE_COMMIT_ENV`` set to a file path, the worker (and only the worker: the hook
lives here, not in the product) stops in the first transaction that inserted a session log,
just before its commit: it flushes, counts the rows through the transaction's own connection,
writes ``{"pid", "in_transaction", <table>: count}`` as JSON to that path and sleeps, so the
crash test can SIGKILL it between the log's writes and its commit.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from retrorun.store import repository as repo
from retrorun.store.db import make_engine, session_factory
from store_helpers import entry_for

PAUSE_BEFORE_COMMIT_ENV = "RETRORUN_TEST_PAUSE_BEFORE_COMMIT"


def install_pause_before_commit(marker: Path, seconds: float = 120.0) -> None:
    """Pause every Session's first log-writing transaction just before it commits."""
    from sqlalchemy import event, func, select
    from sqlalchemy.orm import Session

    from retrorun.store.models import Decision, PlanVersion, SessionLog

    @event.listens_for(Session, "after_flush")
    def _note_log_insert(session, _ctx) -> None:
        if any(isinstance(o, SessionLog) for o in session.new):  # pre-flush state here
            session.info["wrote_log"] = True

    @event.listens_for(Session, "before_commit")
    def _pause(session) -> None:
        if not session.info.pop("wrote_log", False):
            return
        session.flush()  # everything pending is now really in the open transaction
        conn = session.connection()
        state = {"pid": os.getpid(), "in_transaction": conn.in_transaction()}
        for m in (SessionLog, Decision, PlanVersion):
            state[m.__tablename__] = conn.scalar(select(func.count()).select_from(m))
        tmp = marker.with_name(marker.name + ".part")
        tmp.write_text(json.dumps(state))
        tmp.replace(marker)  # the test never sees a half-written marker
        time.sleep(seconds)


def main(url: str, name: str, n: int, today: date, sid: str | None) -> int:
    if marker := os.environ.get(PAUSE_BEFORE_COMMIT_ENV):
        install_pause_before_commit(Path(marker))
    engine = make_engine(url)
    factory = session_factory(engine)
    for _ in range(n):
        with factory() as s:
            a = repo.get_athlete(s, name)
            logged = {r.session_id for r in repo.logs_of(s, a)}
            cal = repo.schedule(s, a)
            nxt = [x for x in cal if x["session_id"] == sid] if sid else \
                [x for x in cal if x["session_id"] not in logged]
            repo.log_session(s, name, entry_for(nxt[0], pain=1, notes=f"worker {name}"),
                             today=today)
    engine.dispose()
    print("ok", flush=True)
    return 0


if __name__ == "__main__":
    url, name, n, today = sys.argv[1:5]
    sid = sys.argv[5] if len(sys.argv) > 5 else None
    sys.exit(main(url, name, int(n), date.fromisoformat(today), sid))
