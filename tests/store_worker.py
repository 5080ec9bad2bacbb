"""Subprocess used by the reliability tests: log the next N sessions of an athlete.

Usage: ``python tests/store_worker.py URL ATHLETE N TODAY [SESSION_ID]``. Each log is its
own transaction; with SESSION_ID it logs that one session once.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from retrorun.store import repository as repo
from retrorun.store.db import make_engine, session_factory
from store_helpers import entry_for


def main(url: str, name: str, n: int, today: date, sid: str | None) -> int:
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
