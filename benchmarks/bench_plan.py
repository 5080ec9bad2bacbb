"""Benchmark: build 12-week plans for 10,000 random profiles.

Run: ``python benchmarks/bench_plan.py [N]`` (default N = 10,000).

Reports the time per plan of each stage in one run, and the ratio to building the plan:
profile validation (pydantic), screening, ``build_plan`` (12 weeks), ``check_caps``,
``Plan.to_dict`` + ``json.dumps``, and ``Plan.from_dict``. Target: a 12-week plan in < 5 ms.
Referred profiles are screened but get no plan (they are counted separately).

It also compares the pure-Python cap arithmetic with what a user would otherwise reach for,
pandas (``Series.rolling("30D").max()`` for the 1.1 × longest-in-30-days cap and a weekly
``groupby`` + ``shift(2)`` for the two-week cap), on the same plans: the two must agree on every
plan, and the ratio shows why the planner stays numpy/pandas-free for this small data.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from retrorun.prescription.caps import check_caps
from retrorun.prescription.model import Plan
from retrorun.prescription.planner import build_plan
from retrorun.prescription.profile import (
    CONDITIONS,
    SKILLS,
    SURFACES,
    WEEKDAYS,
    profile_from_dict,
)
from retrorun.prescription.screening import screen

START = dt.date(2026, 12, 1)
WEEKS = 12


def random_profile_dict(rng: random.Random) -> dict:
    kind = rng.choice(CONDITIONS)
    runs = rng.randint(0, 8)
    pace = rng.randint(200, 600)
    skill = {"backward": rng.choice(SKILLS)}
    if rng.random() < 0.7:
        skill["backward_walk_3m_s"] = round(rng.uniform(2.0, 7.0), 1)
    else:
        skill["single_leg_stance_s"] = round(rng.uniform(10, 60), 1)
    return {
        "name": "bench",
        "condition": {"kind": kind, "side": "none" if kind == "none" else rng.choice(
            ("left", "right", "both")), "duration_weeks": rng.uniform(0, 30)},
        "pain": {"now": rng.randint(0, 4), "during_running": rng.randint(0, 6),
                 "after_running": rng.randint(0, 6)},
        "skill": skill,
        "endurance": {"runs_per_week": runs,
                      "weekly_minutes": 0 if runs == 0 else rng.uniform(20, 400),
                      "longest_run_min": rng.uniform(0, 150),
                      "easy_pace": f"{pace // 60}:{pace % 60:02d}"},
        "schedule": {"training_days": rng.sample(WEEKDAYS, rng.randint(1, 7)),
                     "surfaces": rng.sample(SURFACES, rng.randint(1, 3))},
        "body": {"age": rng.randint(18, 70)},
        "safety": {"fall_last_12_months": rng.random() < 0.05},
    }


def growth_violations_python(plan: Plan) -> tuple[int, int]:
    """Session-growth and two-week violations, pure Python (as in ``check_caps``)."""
    lim = plan.limits
    sessions = plan.sessions
    n_session = 0
    for i, s in enumerate(sessions):
        lo = s.date - dt.timedelta(days=30)
        prior = [p.backward_minutes for p in sessions[:i] if lo <= p.date < s.date]
        if prior and s.backward_minutes > lim.session_growth_max * max(prior) + 1e-6:
            n_session += 1
    weekly = [w.backward_minutes for w in plan.weeks]
    n_two = sum(1 for k in range(2, len(weekly))
                if weekly[k - 2] > 0 and weekly[k] > lim.two_week_growth_max * weekly[k - 2] + 1e-6)
    return n_session, n_two


def growth_violations_pandas(plan: Plan) -> tuple[int, int]:
    """The same two caps with pandas."""
    import pandas as pd

    lim = plan.limits
    ss = plan.sessions
    s = pd.Series([x.backward_minutes for x in ss],
                  index=pd.DatetimeIndex([pd.Timestamp(x.date) for x in ss]))
    prior = s.rolling("30D", closed="left").max()
    n_session = int((s > lim.session_growth_max * prior + 1e-6).sum())
    weeks = pd.Series([x.week for x in ss], index=s.index)
    weekly = s.groupby(weeks.values).sum().reindex(range(1, len(plan.weeks) + 1), fill_value=0.0)
    base = weekly.shift(2)
    n_two = int(((base > 0) & (weekly > lim.two_week_growth_max * base + 1e-6)).sum())
    return n_session, n_two


def main(n: int = 10_000) -> None:
    rng = random.Random(20261201)
    dicts = [random_profile_dict(rng) for _ in range(n)]

    t0 = time.perf_counter()
    profiles = [profile_from_dict(d) for d in dicts]
    t_validate = time.perf_counter() - t0

    t0 = time.perf_counter()
    results = [screen(p) for p in profiles]
    t_screen = time.perf_counter() - t0
    eligible = [p for p, r in zip(profiles, results, strict=True) if not r.referred]

    # 1) per-plan timing, each plan dropped after it is built (like one CLI or web request);
    #    wall-clock and this thread's CPU time (the latter ignores other processes on the box)
    per_plan: list[float] = []
    per_plan_cpu: list[float] = []
    for p in eligible:
        t, c = time.perf_counter(), time.thread_time()
        build_plan(p, START, WEEKS)
        per_plan_cpu.append(time.thread_time() - c)
        per_plan.append(time.perf_counter() - t)
    t_plan = sum(per_plan)
    # 2) build them again, kept, for the downstream stages
    plans: list[Plan] = [build_plan(p, START, WEEKS) for p in eligible]

    t0 = time.perf_counter()
    bad = sum(1 for pl in plans if check_caps(pl))
    t_caps = time.perf_counter() - t0

    t0 = time.perf_counter()
    texts = [json.dumps(pl.to_dict()) for pl in plans]
    t_json = time.perf_counter() - t0

    t0 = time.perf_counter()
    back = [Plan.from_dict(json.loads(s)) for s in texts]
    t_load = time.perf_counter() - t0
    assert back == plans

    # pure Python vs pandas for the growth caps, on plans with a synthetic spike (so the
    # violations are non-trivial): session 3 of each plan doubled
    k = min(500, len(plans))
    spiked = [_spike(pl) for pl in plans[:k]]
    t0 = time.perf_counter()
    py = [growth_violations_python(pl) for pl in spiked]
    t_py = (time.perf_counter() - t0) / k
    t0 = time.perf_counter()
    pdv = [growth_violations_pandas(pl) for pl in spiked]
    t_pd = (time.perf_counter() - t0) / k
    assert py == pdv, "pure Python and pandas disagree"

    m = len(plans)
    per = {
        "validate profile (pydantic)": t_validate / n,
        "screen": t_screen / n,
        f"build_plan ({WEEKS} weeks)": t_plan / m,
        "check_caps": t_caps / m,
        "to_dict + json.dumps": t_json / m,
        "json.loads + from_dict": t_load / m,
    }
    ref = per[f"build_plan ({WEEKS} weeks)"]
    sessions = sum(len(pl.sessions) for pl in plans)
    print(f"profiles: {n}  plans: {m}  referred: {n - m}  sessions: {sessions}  "
          f"plans breaking a cap: {bad}")
    print(f"{'stage':32s} {'ms/profile-or-plan':>20s} {'ratio to build_plan':>20s}")
    for name, v in per.items():
        print(f"{name:32s} {v * 1e3:20.3f} {v / ref:20.2f}")
    print(f"growth caps on {k} plans (agree on every plan, {sum(a + b for a, b in py)} "
          f"violations found): pure Python {t_py * 1e3:.3f} ms/plan, pandas {t_pd * 1e3:.3f} "
          f"ms/plan — pandas/Python = {t_pd / t_py:.1f}×")
    for label, xs in (("wall", per_plan), ("CPU", per_plan_cpu)):
        q = statistics.quantiles(xs, n=100)
        print(f"build_plan per plan ({label}): median {statistics.median(xs) * 1e3:.3f} ms, "
              f"p99 {q[98] * 1e3:.3f} ms, max {max(xs) * 1e3:.3f} ms "
              f"(target < 5 ms at p99: {'met' if q[98] < 5e-3 else 'NOT met'})")

def _spike(plan: Plan) -> Plan:
    import dataclasses

    ss = plan.sessions
    if len(ss) < 3:
        return plan
    target = ss[2].session_id
    weeks = []
    for w in plan.weeks:
        new = tuple(dataclasses.replace(s, backward_minutes=s.backward_minutes * 2)
                    if s.session_id == target else s for s in w.sessions)
        weeks.append(dataclasses.replace(w, sessions=new))
    return dataclasses.replace(plan, weeks=tuple(weeks))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
