"""Benchmark of the training log: load metrics and the log → decide → re-plan transaction.

Run: ``python benchmarks/bench_training.py`` (PostgreSQL rows need
``RETRORUN_TEST_POSTGRES_URL``). Prints one table of times and ratios measured in this run:

- weekly load metrics of a year of logs with :func:`retrorun.training.load.progress_report`
  (numpy) against the same numbers computed with pandas (resample + rolling), the library a
  user would otherwise reach for; the two results are checked equal first;
- one ``log_session`` (validate, insert, decide, re-plan, commit) on SQLite and PostgreSQL,
  against a bare SQLAlchemy insert + commit of the same row (the price of the decision).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from retrorun.training.adaptation import LoggedSession  # noqa: E402
from retrorun.training.load import monotony, progress_report  # noqa: E402
from retrorun.training.logs import SessionLogEntry  # noqa: E402


def best(fn, repeat: int = 5) -> float:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out)


def year_of_logs(n_days: int = 364) -> list[LoggedSession]:
    rng = np.random.default_rng(1)
    start = date(2026, 1, 5)
    logs = []
    for d in range(0, n_days, 2):
        m = float(rng.uniform(4, 15))
        e = SessionLogEntry(date=start + timedelta(days=d), session_id=f"s{d}", done="yes",
                            backward_minutes=m, rpe=float(rng.integers(2, 7)),
                            pain_during=int(rng.integers(0, 4)), pain_after=1,
                            pain_next_morning=0, looks_left=5, looks_right=5)
        logs.append(LoggedSession(e, 1, m))
    return logs


def pandas_weekly(logs: list[LoggedSession], start: date, today: date):
    import pandas as pd

    df = pd.DataFrame({
        "date": pd.to_datetime([s.entry.date for s in logs]),
        "load": [s.entry.rpe * s.entry.backward_minutes for s in logs],
    })
    days = pd.date_range(start, today, freq="D")
    daily = df.groupby("date")["load"].sum().reindex(days, fill_value=0.0)
    week = (daily.index - pd.Timestamp(start)).days // 7
    g = daily.groupby(week)
    mono = g.mean() / g.std(ddof=0)
    acwr = daily.rolling(7).sum() / (daily.rolling(28).sum() / 4)
    return g.sum().to_numpy(), mono.to_numpy(), acwr


def bench_load() -> list[tuple[str, float, float]]:
    logs = year_of_logs()
    start, today = logs[0].entry.date, logs[-1].entry.date + timedelta(days=1)
    rep = progress_report(logs, [], start=start, today=today)
    sums, mono, _ = pandas_weekly(logs, start, today)
    ours = np.array([w.srpe_load for w in rep.weeks])
    assert np.allclose(ours[: len(sums)], sums), "weekly loads differ from pandas"
    om = np.array([np.nan if w.monotony is None else w.monotony for w in rep.weeks])
    assert np.allclose(om[: len(mono)], mono, equal_nan=True), "monotony differs from pandas"
    assert monotony(np.array([40, 0, 40, 0, 40, 0, 0.0])) is not None
    t_ours = best(lambda: progress_report(logs, [], start=start, today=today))
    t_pd = best(lambda: pandas_weekly(logs, start, today))
    return [("weekly metrics, 1 year (182 logs): retrorun vs pandas", t_ours, t_pd)]


def bench_store(url: str, label: str) -> tuple[str, float, float]:
    from retrorun.store import repository as repo
    from retrorun.store.db import make_engine, session_factory
    from retrorun.store.models import SessionLog
    from store_helpers import START, entry_for, profile

    engine = make_engine(url)
    factory = session_factory(engine)
    name = f"bench-{uuid.uuid4().hex[:6]}"
    later = START + timedelta(days=120)
    with factory() as s:
        repo.add_athlete(s, profile(name), start=START, name=name)
    n, t_log = 12, []
    for _ in range(n):
        with factory() as s:
            a = repo.get_athlete(s, name)
            done = {r.session_id for r in repo.logs_of(s, a)}
            nxt = next(x for x in repo.schedule(s, a) if x["session_id"] not in done)
            e = entry_for(nxt, pain=1)
            t = time.perf_counter()
            repo.log_session(s, name, e, today=later)
            t_log.append(time.perf_counter() - t)
    t_raw = []
    with factory() as s:
        a = repo.get_athlete(s, name)
        pv = repo.current_plan(s, a)
        for i in range(n):
            t = time.perf_counter()
            s.add(SessionLog(athlete_id=a.id, plan_version_id=pv.id, session_id=f"raw{i}",
                             date=START, planned_date=START, level=0, planned_minutes=5,
                             done="yes", backward_minutes=5, rpe=3, pain_during=1,
                             pain_after=1))
            s.commit()
            t_raw.append(time.perf_counter() - t)
        repo.delete_athlete(s, repo.get_athlete(s, name))
    engine.dispose()
    return (f"log_session on {label} vs bare insert+commit", float(np.median(t_log)),
            float(np.median(t_raw)))


def main() -> None:
    rows = bench_load()
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(bench_store(f"sqlite:///{tmp}/bench.sqlite", "SQLite"))
    pg = os.environ.get("RETRORUN_TEST_POSTGRES_URL")
    if pg:
        rows.append(bench_store(pg, "PostgreSQL"))
    else:
        print("(RETRORUN_TEST_POSTGRES_URL unset: PostgreSQL row skipped)")
    w = max(len(r[0]) for r in rows)
    print(f"{'case':{w}}  {'ours (ms)':>10}  {'other (ms)':>10}  {'ours/other':>10}")
    for name, a, b in rows:
        print(f"{name:{w}}  {a * 1e3:10.2f}  {b * 1e3:10.2f}  {a / b:10.2f}")


if __name__ == "__main__":
    main()
