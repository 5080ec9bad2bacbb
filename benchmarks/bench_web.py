"""Benchmark of the coach web app: a clinic of 200 athletes, each six weeks into a block.

Run: ``python benchmarks/bench_web.py [N]``. One athlete is logged session by session
through the repository (18 logs + next-morning pains → real decisions and re-plans, ≈ 20
plan versions of ≈ 40 kB JSON each); the export of that athlete is imported N − 1 times
under other names. Prints one table measured in this run:

- the overview (flags of every athlete, JSON) with an empty calendar cache (every plan
  version's JSON read and parsed, what :func:`retrorun.store.repository.schedule` does per
  athlete) against the same with a warm cache (only the version rows are read);
- one athlete page and one ICS feed.
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]


def best(fn, repeat: int = 3) -> float:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out)


def build(url: str, n: int):
    from retrorun.store.db import make_engine, session_factory
    from retrorun.store.repository import add_athlete, export_athlete, get_athlete, import_athlete
    from store_helpers import START, profile
    from web_fixtures import run_athlete

    engine = make_engine(url)
    with session_factory(engine)() as s:
        add_athlete(s, profile("A000"), start=START)
        run_athlete(s, "A000", [0, 0, 1, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0], pain=2)
        data = export_athlete(s, get_athlete(s, "A000"))
        for i in range(1, n):
            import_athlete(s, data, name=f"A{i:03d}")
    return engine, START + timedelta(days=42)


def main(n: int = 200) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from retrorun.web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'clinic.sqlite'}"
        t0 = time.perf_counter()
        engine, today = build(url, n)
        t_build = time.perf_counter() - t0
        with engine.connect() as conn:
            versions = conn.exec_driver_sql("SELECT count(*) FROM plan_version").scalar()
        engine.dispose()
        app = create_app(url, today=today, web_token="")
        with TestClient(app) as c:
            cache = app.state.cache

            def cold():
                cache._data.clear()
                assert c.get("/api/athletes").status_code == 200

            def warm():
                assert c.get("/api/athletes").status_code == 200

            t_cold = best(cold)
            warm()
            t_warm = best(warm)
            t_page = best(lambda: c.get("/athletes/1").raise_for_status())
            tok = c.get("/api/athletes/1").json()["feed_url"].removeprefix("http://testserver")
            t_feed = best(lambda: c.get(tok).raise_for_status())
            t_html = best(lambda: c.get("/").raise_for_status())
    print(f"clinic: {n} athletes, {versions} plan versions (built in {t_build:.1f} s), SQLite")
    print(f"{'case':58} {'time':>10} {'ratio':>7}")
    rows = [
        ("overview JSON, warm calendar cache", t_warm, t_warm / t_cold),
        ("overview JSON, cold cache (every plan version parsed)", t_cold, 1.0),
        ("overview HTML page, warm cache", t_html, t_html / t_cold),
        ("one athlete page (HTML)", t_page, None),
        ("one ICS feed", t_feed, None),
    ]
    for name, t, r in rows:
        print(f"{name:58} {t * 1e3:8.1f} ms {'' if r is None else f'{r:7.2f}'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
