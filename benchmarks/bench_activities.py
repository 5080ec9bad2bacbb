"""Import of every sample activity vs. the bare library parse, in one run.

Baseline per file = what a user would otherwise run: fitdecode iterating every frame (FIT),
``gpxpy.parse`` (GPX), ``TCXReader().read(only_gps=False)`` (TCX). For the two files the bare
libraries cannot read as they are (TCX with leading whitespace, GPX with an undeclared prefix) the
baseline parses the repaired bytes, so both sides do the same work. The broken Strava FIT counts
in both columns up to the byte where it breaks.

retrorun column = ``read_activity(path)`` (format detection, repair, arrays, laps, sanitising).
A second table adds ``summarise`` (flatness, track detector) for information.

Run: ``python benchmarks/bench_activities.py [--repeat N]``. Target: total ratio ≤ 1.2.
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT.parent / "shared" / "data" / "real" / "activities"


def bare(path: Path) -> None:
    """Parse *path* with the plain library only."""
    suffix = path.suffix.lower()
    if suffix == ".fit":
        import fitdecode

        try:
            with fitdecode.FitReader(str(path)) as fr:
                for _ in fr:
                    pass
        except fitdecode.FitError:
            pass
    elif suffix == ".gpx":
        import gpxpy

        from retrorun.activities._xml import repair_xml

        data = path.read_bytes()
        try:
            gpxpy.parse(data.decode("utf-8-sig"))
        except gpxpy.gpx.GPXException:
            gpxpy.parse(repair_xml(data)[0].decode("utf-8"))
    elif suffix == ".tcx":
        from tcxreader.tcxreader import TCXReader

        try:
            TCXReader().read(str(path), only_gps=False)
        except Exception:
            TCXReader().read(io.BytesIO(path.read_bytes().lstrip()), only_gps=False)


def ours(path: Path) -> None:
    from retrorun.activities.reader import read_activity

    read_activity(path)


def ours_summary(path: Path) -> None:
    from retrorun.activities.reader import read_activity
    from retrorun.activities.summary import summarise

    summarise(read_activity(path))


def timeit(fns, path: Path, repeat: int, clock=time.perf_counter) -> list[float]:
    """Best-of-*repeat* time of each function, alternating them every round.

    The minimum is the least disturbed run on a shared machine; alternating makes load spikes hit
    all sides alike; the garbage collector runs between runs, not inside them.
    """
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            gc.collect()
            gc.disable()
            t0 = clock()
            fn(path)
            best[i] = min(best[i], clock() - t0)
            gc.enable()
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument(
        "--cpu", action="store_true", help="CPU time of this process instead of wall time"
    )
    args = ap.parse_args()
    files = sorted(p for p in DATA.iterdir() if p.suffix.lower() in (".fit", ".gpx", ".tcx"))
    for p in files:  # warm imports and caches
        bare(p)
        ours_summary(p)
    rows = []
    for p in files:
        clock = time.process_time if args.cpu else time.perf_counter
        b, o, s = timeit([bare, ours, ours_summary], p, args.repeat, clock)
        rows.append((p.name, b, o, s))
    w = max(len(r[0]) for r in rows)
    print(f"{'file':<{w}}  {'bare ms':>9}  {'import ms':>9}  {'ratio':>6}  {'+summary ms':>11}")
    for name, b, o, s in rows:
        print(f"{name:<{w}}  {b * 1e3:9.1f}  {o * 1e3:9.1f}  {o / b:6.2f}  {s * 1e3:11.1f}")
    tb = sum(r[1] for r in rows)
    to = sum(r[2] for r in rows)
    ts = sum(r[3] for r in rows)
    print(f"{'TOTAL':<{w}}  {tb * 1e3:9.1f}  {to * 1e3:9.1f}  {to / tb:6.2f}  {ts * 1e3:11.1f}")
    kind = "CPU" if args.cpu else "wall"
    print(
        f"{kind} time, best of {args.repeat}: import / bare parse = {to / tb:.2f} "
        f"(target ≤ 1.20); with summary = {ts / tb:.2f}"
    )


if __name__ == "__main__":
    main()
