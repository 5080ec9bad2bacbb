"""`retrorun batch` on a local Dask cluster and `retrorun compare` end to end."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from retrorun.cli import app


@pytest.fixture()
def trial_folder(real_data, tmp_path):
    d = tmp_path / "trials"
    (d / "sub").mkdir(parents=True)
    shutil.copy(real_data / "pyorerun_running" / "Running_0002.c3d", d / "Running_0002.c3d")
    shutil.copy(real_data / "ktk_walk" / "walk.c3d", d / "sub" / "walk.c3d")
    # a truncated copy: must be reported and skipped
    (d / "broken.c3d").write_bytes((real_data / "ktk_walk" / "walk.c3d").read_bytes()[:4000])
    return d


def test_run_batch_local_dask_cluster(trial_folder):
    from dask.distributed import Client, LocalCluster

    from retrorun.biomech.batch import COLUMNS, find_trials, run_batch

    paths = find_trials(trial_folder)
    assert [p.name for p in paths] == ["Running_0002.c3d", "broken.c3d", "walk.c3d"]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        # the --scheduler route: connect to a running scheduler by its address
        res = run_batch(paths, scheduler=cluster.scheduler_address, progress=False,
                        root=trial_folder)
        with Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
    t = res.table
    assert list(t.columns) == COLUMNS
    assert res.failures and res.failures[0][0] == "broken.c3d"
    assert "broken.c3d" in res.failures[0][1] or "C3D" in res.failures[0][1]
    assert set(t.file) == {"Running_0002.c3d", "broken.c3d", "sub/walk.c3d"}
    walk = t[(t.file == "sub/walk.c3d") & (t.level == "stride")]
    kf = walk[(walk.metric == "knee_flexion_peak_deg") & (walk.side == "left")]
    assert 35 < kf.value.iloc[0] < 60  # walking stance knee flexion peak
    trial_rows = t[(t.file == "sub/walk.c3d") & (t.level == "trial")]
    assert trial_rows[trial_rows.metric == "body_mass_kg"].value.iloc[0] == pytest.approx(73.4)


def test_cli_batch_csv(trial_folder, tmp_path):
    import pandas as pd

    out = tmp_path / "table.csv"
    r = CliRunner().invoke(app, ["batch", str(trial_folder), "--out", str(out), "--workers",
                                 "1", "--threads"])
    assert r.exit_code == 0, r.output
    assert "2/3 trials analysed" in r.output
    t = pd.read_csv(out)
    assert (t.level == "failure").sum() == 1
    bad = CliRunner().invoke(app, ["batch", str(trial_folder), "--out", str(tmp_path / "x.txt")])
    assert bad.exit_code == 2


@pytest.mark.slow
def test_cli_batch_parquet_processes(trial_folder, tmp_path):
    import pandas as pd

    out = tmp_path / "table.parquet"
    r = CliRunner().invoke(app, ["batch", str(trial_folder), "--out", str(out), "--workers", "2"])
    assert r.exit_code == 0, r.output
    assert pd.read_parquet(out).file.nunique() == 3


def test_cli_compare_forward_vs_synthetic_backward(real_data, tmp_path):
    from retrorun.biomech import load_trial
    from retrorun.biomech.analysis import analyze_trial
    from retrorun.biomech.synthetic import time_reversed

    p = real_data / "hamner2013_running"
    tr = load_trial(p / "Run_30002_IK_Original.mot", grf=p / "Run_30002_GRF_newCOP3_v24.mot")
    fa, fb = tmp_path / "fwd.json", tmp_path / "bwd.json"
    fa.write_text(json.dumps(analyze_trial(tr).to_dict(), allow_nan=False))
    fb.write_text(json.dumps(analyze_trial(time_reversed(tr)).to_dict(), allow_nan=False))
    html, js = tmp_path / "cmp.html", tmp_path / "cmp.json"
    r = CliRunner().invoke(app, ["compare", str(fa), str(fb), "--html", str(html),
                                 "--json", str(js)])
    assert r.exit_code == 0, r.output
    res = json.loads(js.read_text())
    assert res["labels"] == ["fwd (forward)", "bwd (backward)"]
    # time reversal keeps peaks but moves "foot strike" to the old toe-off: the knee
    # flexion peak is unchanged, hip flexion at strike changes a lot
    kf = res["metrics"]["knee_flexion_peak_deg"]["right"]
    assert abs(kf["difference"]) < 2.0
    hip = res["metrics"]["hip_flexion_at_strike_deg"]["right"]
    assert hip["ci_t"][1] < -10.0
    page = html.read_text()
    assert page.count("<svg") >= 2 and "Hedges" in page
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    r2 = CliRunner().invoke(app, ["compare", str(fa), str(bad)])
    assert r2.exit_code == 2 and "bad.json" in r2.output


def test_analyze_json_and_html_carry_the_mechanics_section(real_data, tmp_path):
    p = real_data / "hamner2013_running"
    js, html = tmp_path / "a.json", tmp_path / "a.html"
    r = CliRunner().invoke(app, ["analyze", str(p / "Run_30002_IK_Original.mot"), "--grf",
                                 str(p / "Run_30002_GRF_newCOP3_v24.mot"), "--json", str(js),
                                 "--html", str(html)])
    assert r.exit_code == 0, r.output
    j = json.loads(js.read_text())["mechanics"]["joints"]
    assert len(j["per_stride"]["right"]["kam_id_peak_pct"]) == len(j["cycles"]["stance_r"]) > 3
    assert len(j["curves"]["stride"]["knee_flexion"]["left"]["mean"]) == 101
    assert j["checks"]["kam_lever_vs_inverse_dynamics_left"]["r"] > 0.99
    page = html.read_text()
    for title in ("Joint angles, left and right", "Knee and ground-reaction force",
                  "Left / right asymmetry"):
        assert title in page


def test_cli_batch_mass_height_and_metadata_labels(trial_folder, tmp_path):
    """--mass/--height reach trials the metadata does not list (Running_0002 has no mass in
    the file: it gets inverse dynamics); metadata labels become columns."""
    import pandas as pd

    meta = tmp_path / "meta.csv"
    meta.write_text("file,mass,condition,subject\nsub/walk.c3d,80,pre,S1\n"
                    "Running_0002.c3d,,forward,S2\n")
    out = tmp_path / "table.csv"
    r = CliRunner().invoke(app, ["batch", str(trial_folder), "--out", str(out), "--workers",
                                 "1", "--threads", "--mass", "70", "--height", "1.75",
                                 "--metadata", str(meta)])
    assert r.exit_code == 0, r.output
    t = pd.read_csv(out, keep_default_na=False)
    assert {"condition", "subject"} <= set(t.columns)
    run = t[t.file == "Running_0002.c3d"]
    assert set(run.condition) == {"forward"} and set(run.subject) == {"S2"}
    assert float(run[run.metric == "body_mass_kg"].value.iloc[0]) == pytest.approx(70.0)
    assert (run.metric == "kam_id_peak_pct").any()
    walk = t[t.file == "sub/walk.c3d"]
    assert set(walk.condition) == {"pre"}
    # the metadata mass wins over the file's PROCESSING:Bodymass (73.4 kg), a fallback
    assert float(walk[walk.metric == "body_mass_kg"].value.iloc[0]) == pytest.approx(80.0)
    assert set(t[t.file == "broken.c3d"].condition) == {""}


def test_cli_batch_bad_metadata(trial_folder, tmp_path):
    meta = tmp_path / "meta.csv"
    meta.write_text("file,mass\nsub/walk.c3d,eighty\n")
    r = CliRunner().invoke(app, ["batch", str(trial_folder), "--metadata", str(meta)])
    assert r.exit_code == 2
    assert "meta.csv" in r.output and "mass" in r.output and "not a number" in r.output


def test_batch_pairs_grf_mot_with_its_marker_trial(real_data, tmp_path):
    """Hamner's IK .mot (with marker columns) and its GRF .mot: the GRF file is not a
    trial of its own but the forces of the trial sharing its name prefix, so the batch row
    gets force events and the GRF body mass (73.27 kg, Hamner subject01: 72.84 kg)."""
    from retrorun.biomech.batch import _grf_for, analyze_file, find_trials

    src = real_data / "hamner2013_running"
    for f in ("Run_30002_IK_Original.mot", "Run_30002_GRF_newCOP3_v24.mot"):
        shutil.copy(src / f, tmp_path / f)
    paths = find_trials(tmp_path, "*.mot")
    assert [p.name for p in paths] == ["Run_30002_IK_Original.mot"]
    assert _grf_for(paths[0]).name == "Run_30002_GRF_newCOP3_v24.mot"
    rows = analyze_file(paths[0])
    bm = [r[5] for r in rows if r[4] == "body_mass_kg"]
    assert bm and bm[0] == pytest.approx(73.27, abs=0.05)
