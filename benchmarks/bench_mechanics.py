"""Benchmark of the joint-mechanics engine (issue 6), in one run:

1. joint angles on ktk_walk/walk.c3d — retrorun (vectorised ISB frames + Grood–Suntay) vs
   the OpenSim IK route (16-DOF model built from the trial, ``InverseKinematicsSolver``
   frame by frame; bench-only dependency ``pip install opensim``) vs kineticstoolkit
   (``geometry.create_transform_series`` + ``get_local_coordinates`` + ``get_angles``):
   time and RMS against Vicon Plug-in Gait;
2. time normalisation of every stride (RBDS001, 30 s treadmill) — retrorun vs
   ``ktk.cycles.time_normalize``; low-pass filtering of all markers — retrorun vs
   ``ktk.filters.butter``;
3. the full ``analyze`` pipeline per trial;
4. ``retrorun batch`` throughput on 1, 2 and 4 local Dask worker processes.

Run: ``python benchmarks/bench_mechanics.py`` (from the repository root; ~2–3 min).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
REAL = Path(os.environ.get("RETRORUN_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))


def best_of(fn, repeat=3):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def rms(a, b):
    ok = ~(np.isnan(a) | np.isnan(b))
    return float(np.sqrt(np.mean((a[ok] - b[ok]) ** 2)))


def section_angles(rows):
    from retrorun.biomech import load_trial
    from retrorun.biomech.model import lower_limb_kinematics

    tr = load_trial(REAL / "ktk_walk" / "walk.c3d")
    mk, out = tr.markers, tr.model_outputs
    cen = {"hip_l": mk["LFEP"], "hip_r": mk["RFEP"], "knee_l": mk["LKJC"],
           "knee_r": mk["RKJC"], "ankle_l": mk["LAJC"], "ankle_r": mk["RAJC"]}
    n = tr.n_frames
    import ezc3d

    proc = ezc3d.c3d(str(REAL / "ktk_walk" / "walk.c3d"), extract_forceplat_data=False)[
        "parameters"]["PROCESSING"]
    tor = {s: float(proc[f"{S}TibialTorsion"]["value"][0]) for s, S in (("left", "L"),
                                                                        ("right", "R"))}
    t_ours, kin = best_of(lambda: lower_limb_kinematics(mk, cen, "pig_cgm",
                                                        tibial_torsion=tor), 5)
    ours_knee = np.degrees(kin.angles["knee_l"][:, 0])
    vic_knee = out["LKneeAngles"][:, 0]
    worst = max(rms(np.degrees(kin.angles[f"{j}_{s}"][:, k]), out[f"{S}{J}Angles"][:, k])
                for j, J in (("hip", "Hip"), ("knee", "Knee")) for s, S in (("l", "L"), ("r", "R"))
                for k in range(3))
    rows.append(("joint angles, walk.c3d (221 frames, 6 joints x 3 angles)", "retrorun",
                 f"{t_ours * 1e3:.1f} ms", "1.0",
                 f"hip+knee, all 3 angles, both sides: worst RMS vs Vicon {worst:.3f} deg "
                 "(Vicon joint centres + tibial torsion)"))
    # kineticstoolkit: same frames built with ktk's geometry functions
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import kineticstoolkit as ktk

        def h(p):
            return np.column_stack([p, np.ones(len(p))])

        def hv(v):
            return np.column_stack([v, np.zeros(len(v))])

        def ktk_knee():
            T_th = ktk.geometry.create_transform_series(
                positions=h(mk["LKJC"]), y=hv(mk["LFEP"] - mk["LKJC"]),
                yz=hv(-(mk["LKNE"] - mk["LKJC"])))
            T_sh = ktk.geometry.create_transform_series(
                positions=h(mk["LAJC"]), y=hv(mk["LKJC"] - mk["LAJC"]),
                yz=hv(-(mk["LANK"] - mk["LAJC"])))
            rel = ktk.geometry.get_local_coordinates(T_sh, T_th)
            return ktk.geometry.get_angles(rel, "ZXY", degrees=True)

        t_ktk, ang = best_of(ktk_knee, 5)
        ktk_flex = -ang[:, 0]
        # the same comparison for retrorun limited to the one knee
        from retrorun.biomech.angles import joint_angles
        from retrorun.biomech.segments import shank_frame, thigh_frame

        def ours_one():
            th = thigh_frame(mk["LFEP"], mk["LKJC"], mk["LKNE"], "left")
            sh = shank_frame(mk["LKJC"], mk["LAJC"], mk["LANK"], "left")
            return joint_angles(th, sh, "knee", "left")

        t_one, a1 = best_of(ours_one, 20)
        rows.append(("left knee JCS angles only", "retrorun", f"{t_one * 1e3:.2f} ms", "1.0",
                     "ISB frames + Cardan ZXY, einsum"))
        rows.append(("left knee JCS angles only", "kineticstoolkit 0.17",
                     f"{t_ktk * 1e3:.2f} ms", f"{t_ktk / t_one:.1f}",
                     "max |diff| vs retrorun "
                     f"{np.nanmax(np.abs(ktk_flex - np.degrees(a1[:, 0]))):.1e} deg"))
    except ImportError:
        rows.append(("left knee JCS angles only", "kineticstoolkit", "not installed", "", ""))
    # OpenSim IK route
    try:
        import opensim  # noqa: F401

        from _opensim_route import build_model, run_ik

        t0 = time.perf_counter()
        model = build_model(kin.frames, cen, mk, 0, 73.4)
        t_build = time.perf_counter() - t0
        coords, t_ik = run_ik(model, mk, tr.point_rate, range(0, n))
        os_knee = ours_knee[0] - np.degrees(coords["knee_l_coord_0"])
        rows.append(("joint angles, walk.c3d", "OpenSim 4.6 IK (16-DOF, pin knee)",
                     f"{(t_ik + t_build) * 1e3:.0f} ms", f"{(t_ik + t_build) / t_ours:.0f}",
                     f"{n / t_ik:.0f} frames/s; knee flex L RMS vs Vicon "
                     f"{rms(os_knee, vic_knee):.2f} deg (1-DOF knee: no varus/rotation)"))
    except ImportError:
        rows.append(("joint angles, walk.c3d", "OpenSim IK", "opensim not installed", "", ""))


def section_cycles(rows):
    from retrorun.biomech import load_trial
    from retrorun.biomech.analysis import analyze_trial
    from retrorun.biomech.cycles import strides, time_normalize
    from retrorun.biomech.filters import butter_lowpass

    d = REAL / "rbds_fukuchi2017"
    tr = load_trial(d / "RBDS001runT35.c3d", static=d / "RBDS001static.c3d")
    res = analyze_trial(tr)
    fs = res.events.right.foot_strike
    cyc = strides(fs, "right")
    names = sorted(tr.markers)
    X = np.stack([tr.markers[k] for k in names], axis=1).reshape(tr.n_frames, -1)
    t = tr.time
    t_ours, curves = best_of(lambda: time_normalize(X, t, cyc), 5)
    t_f_ours, _ = best_of(lambda: butter_lowpass(X, tr.point_rate, 12.0), 5)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import kineticstoolkit as ktk
        ts = ktk.TimeSeries(time=t)
        for k in names:
            ts.data[k] = tr.markers[k]
        for x in fs:
            ts = ts.add_event(float(x), "fs")

        def ktk_norm():
            # 100 points per cycle, span [0, 101) = 101 points incl. the cycle end (= ours)
            return ktk.cycles.time_normalize(ts, "fs", "fs", n_points=100, span=[0, 101])

        t_ktk, tn = best_of(ktk_norm, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_f_ktk, _ = best_of(lambda: ktk.filters.butter(ts, 12.0, order=4), 3)
        ktk_first = tn.data[names[0]][:101]
        diff = np.nanmax(np.abs(ktk_first - curves[0, :, :3]))
        rows.append((f"time-normalise {len(cyc)} strides x {len(names)} markers", "retrorun",
                     f"{t_ours * 1e3:.2f} ms", "1.0", "one vectorised gather, 101 points"))
        rows.append((f"time-normalise {len(cyc)} strides", "kineticstoolkit 0.17",
                     f"{t_ktk * 1e3:.1f} ms", f"{t_ktk / t_ours:.0f}",
                     f"first stride max |diff| {diff:.1e} m"))
        rows.append((f"12 Hz low-pass, {len(names)} markers x {tr.n_frames} frames",
                     "retrorun (sosfiltfilt)", f"{t_f_ours * 1e3:.1f} ms", "1.0", ""))
        rows.append(("12 Hz low-pass", "kineticstoolkit 0.17 filters.butter",
                     f"{t_f_ktk * 1e3:.1f} ms", f"{t_f_ktk / t_f_ours:.1f}", ""))
    except ImportError:
        rows.append(("time-normalise", "kineticstoolkit", "not installed", "", ""))


def section_pipeline(rows):
    from retrorun.biomech import load_trial
    from retrorun.biomech.analysis import analyze_trial

    trials = [
        ("walk.c3d (2.2 s, 4 plates)", REAL / "ktk_walk" / "walk.c3d", {}),
        ("Running_0002.c3d (0.4 s)", REAL / "pyorerun_running" / "Running_0002.c3d", {}),
        ("Hamner Run_30002 (4.7 s, GRF .mot)",
         REAL / "hamner2013_running" / "Run_30002_IK_Original.mot",
         {"grf": REAL / "hamner2013_running" / "Run_30002_GRF_newCOP3_v24.mot"}),
        ("RBDS001runT35 (30 s treadmill)", REAL / "rbds_fukuchi2017" / "RBDS001runT35.c3d",
         {"static": REAL / "rbds_fukuchi2017" / "RBDS001static.c3d"}),
    ]
    analyze_trial(load_trial(trials[1][1]))  # warm imports
    for label, p, kw in trials:
        t, res = best_of(lambda p=p, kw=kw: analyze_trial(load_trial(p, **kw)), 2)
        j = res.mechanics.get("joints", {})
        n = sum(len(v) for k, v in j.get("cycles", {}).items() if k.startswith("stance"))
        rows.append((f"full analyze: {label}", "retrorun", f"{t * 1e3:.0f} ms", "",
                     f"{n} stances; events, COM, angles, lever arm, inverse dynamics"))


def section_batch(rows):
    from retrorun.biomech.batch import find_trials, run_batch

    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        for i in range(6):
            shutil.copy(REAL / "ktk_walk" / "walk.c3d", d / f"walk_{i}.c3d")
            shutil.copy(REAL / "pyorerun_running" / "Running_0002.c3d", d / f"run_{i}.c3d")
        for i in range(2):
            shutil.copy(REAL / "rbds_fukuchi2017" / "RBDS001runT35.c3d", d / f"RBDS00{i}runT35.c3d")
            shutil.copy(REAL / "rbds_fukuchi2017" / "RBDS001static.c3d", d / f"RBDS00{i}static.c3d")
        paths = find_trials(d)
        from dask.distributed import Client, LocalCluster

        base = None
        for w in (1, 2, 4):
            t0 = time.perf_counter()
            with LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                client.run(_warm_worker)  # imports on every worker, outside the timing
                t_start = time.perf_counter() - t0
                t1 = time.perf_counter()
                res = run_batch(paths, client=client, progress=False)
                dt = time.perf_counter() - t1
            base = base or dt
            rows.append((f"batch {len(paths)} trials", f"Dask LocalCluster, {w} worker "
                         f"process(es)", f"{dt:.1f} s", f"{dt / base:.2f}",
                         f"{len(paths) / dt:.2f} trials/s ({len(res.table)} rows, "
                         f"{len(res.failures)} failures); cluster start + imports "
                         f"{t_start:.1f} s"))


def _warm_worker() -> bool:
    import retrorun.biomech.analysis  # noqa: F401

    return True


def main() -> None:
    if not REAL.is_dir():
        sys.exit(f"real data folder not found: {REAL}")
    rows: list[tuple[str, str, str, str, str]] = []
    for sec in (section_angles, section_cycles, section_pipeline, section_batch):
        sec(rows)
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"bench_mechanics — {os.cpu_count()} CPU(s); ratio = time / retrorun "
              "time (batch: / 1-worker time)")
    for c in ("task", "implementation", "time", "ratio", "note"):
        t.add_column(c)
    for r in rows:
        t.add_row(*r)
    Console(width=200).print(t)


if __name__ == "__main__":
    main()
