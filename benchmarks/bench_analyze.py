"""Benchmark: full ``retrorun`` analysis vs a bare ezc3d load vs kineticstoolkit read+filter.

Run: ``python benchmarks/bench_analyze.py [--repeat N]`` from the repository root (the
real data must be in ``../shared/data/real``). All timings are measured in this one run,
after imports (warm), min and median of N interleaved repeats, wall clock and process CPU
time. Target (issue 4): full analysis of
RBDS001runT35.c3d ≤ 2 × the bare ezc3d load. ``--cli N`` (default 5) also times the whole
``retrorun analyze`` process against a process that only loads the file with ezc3d.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = Path(os.environ.get("RETRORUN_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
TRIAL = DATA / "rbds_fukuchi2017" / "RBDS001runT35.c3d"
STATIC = DATA / "rbds_fukuchi2017" / "RBDS001static.c3d"


def _round_robin(fns: list, repeat: int) -> tuple[list[tuple[float, float]],
                                                  list[tuple[float, float]]]:
    """(min, median) wall-clock and process-CPU seconds of each function, run interleaved
    so that load changes on a shared machine hit all of them alike. CPU time is less
    sensitive to other processes competing for the 2 cores (everything here is
    single-threaded)."""
    for fn in fns:
        fn()  # warm-up (imports, caches)
    ts: list[list[float]] = [[] for _ in fns]
    cs: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            ts[i].append(time.perf_counter() - t0)
            cs[i].append(time.process_time() - c0)
    return ([(min(t), statistics.median(t)) for t in ts],
            [(min(c), statistics.median(c)) for c in cs])


def _whole_process(repeat: int) -> None:
    """What a user waits for: the whole ``retrorun analyze`` process (interpreter start,
    imports, analysis, JSON written) against a whole process that only loads the file
    with ezc3d; interleaved, min and median of *repeat* runs."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "a.json"
        cmds = {
            "python -c 'import ezc3d; ezc3d.c3d(f)'": [
                sys.executable, "-c", f"import ezc3d; ezc3d.c3d({str(TRIAL)!r})"],
            "retrorun analyze --static … --json": [
                sys.executable, "-m", "retrorun", "analyze", str(TRIAL), "--static",
                str(STATIC), "--json", str(out)],
        }
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        times: dict[str, list[float]] = {k: [] for k in cmds}
        for cmd in cmds.values():  # warm-up (bytecode, file cache)
            subprocess.run(cmd, check=True, capture_output=True, env=env)
        for _ in range(repeat):
            for k, cmd in cmds.items():
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True, env=env)
                times[k].append(time.perf_counter() - t0)
    base_min, base_med = min(times[next(iter(cmds))]), statistics.median(times[next(iter(cmds))])
    print(f"\nwhole process (interpreter start and imports included), {repeat} interleaved runs")
    for k, ts in times.items():
        print(f"{k:42s} {min(ts):9.3f} {statistics.median(ts):11.3f} "
              f"{min(ts) / base_min:13.2f} {statistics.median(ts) / base_med:16.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--cli", type=int, default=5, metavar="N",
                    help="whole-process runs of the CLI against a bare ezc3d process "
                         "(0: skip)")
    args = ap.parse_args()
    if not TRIAL.is_file():
        sys.exit(f"real data missing: {TRIAL}")

    t0 = time.perf_counter()
    import ezc3d

    imp_ezc3d = time.perf_counter() - t0
    t0 = time.perf_counter()
    from retrorun.biomech.analysis import analyze_trial
    from retrorun.biomech.io import load_trial

    imp_rr = time.perf_counter() - t0

    def bare() -> None:
        ezc3d.c3d(str(TRIAL))

    def bare_fp() -> None:
        ezc3d.c3d(str(TRIAL), extract_forceplat_data=True)

    def full() -> None:
        analyze_trial(load_trial(TRIAL, static=STATIC))

    def load_only() -> None:
        load_trial(TRIAL, static=STATIC)

    def core() -> None:
        analyze_trial(load_trial(TRIAL, static=STATIC), steps=[])

    names = ["ezc3d.c3d (bare load)", "ezc3d.c3d + force platforms",
             "retrorun load_trial (+ static)", "retrorun full analysis",
             "retrorun analysis without joint mechanics"]
    fns = [bare, bare_fp, load_only, full, core]
    try:
        t0 = time.perf_counter()
        import kineticstoolkit.lab as ktk

        imp_ktk = time.perf_counter() - t0

        def ktk_read_filter() -> None:
            c = ktk.read_c3d(str(TRIAL), convert_point_unit=True)
            ktk.filters.butter(c["Points"], fc=10, order=2)

        names.append("kineticstoolkit read_c3d + butter")
        fns.append(ktk_read_filter)
    except ImportError:
        imp_ktk = float("nan")
    wall, cpu = _round_robin(fns, args.repeat)
    print(f"RBDS001runT35.c3d (30 s, 150 Hz markers, 300 Hz plate), {args.repeat} interleaved "
          "runs")
    for title, res in (("wall clock", wall), ("process CPU time", cpu)):
        base_min, base_med = res[0]
        print(f"\n{title}")
        print(f"{'step':42s} {'min (s)':>9s} {'median (s)':>11s} {'× bare (min)':>13s} "
              f"{'× bare (median)':>16s}")
        for name, (tmin, tmed) in zip(names, res, strict=True):
            print(f"{name:42s} {tmin:9.3f} {tmed:11.3f} {tmin / base_min:13.2f} "
                  f"{tmed / base_med:16.2f}")
    print(f"\nimport times (cold): ezc3d {imp_ezc3d:.2f} s, retrorun.biomech {imp_rr:.2f} s, "
          f"kineticstoolkit {imp_ktk:.2f} s")
    if args.cli:
        _whole_process(args.cli)
    ratio = cpu[3][1] / wall[3][1]
    if ratio > 1.2:
        print(f"WARNING: the full analysis used {ratio:.1f} × more CPU than wall time: a "
              "multi-threaded BLAS call (OpenBLAS worker threads spin after it) crept in")
    for title, res in (("wall", wall), ("CPU", cpu)):
        r_min, r_med = res[3][0] / res[0][0], res[3][1] / res[0][1]
        verdict = "MET" if r_min <= 2 else "NOT MET"
        print(f"target full analysis ≤ 2 × bare load ({title}): min {r_min:.2f} ×, "
              f"median {r_med:.2f} × → {verdict} (min)")

if __name__ == "__main__":
    main()
