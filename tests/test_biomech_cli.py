"""``retrorun analyze`` end to end: JSON contract, HTML report, errors (exit code 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retrorun.cli import app

RBDS = "rbds_fukuchi2017/RBDS001runT35.c3d"
RBDS_STATIC = "rbds_fukuchi2017/RBDS001static.c3d"
HAMNER_IK = "hamner2013_running/Run_30002_IK_Original.mot"
HAMNER_GRF = "hamner2013_running/Run_30002_GRF_newCOP3_v24.mot"


def _run(args: list[str]):
    return CliRunner().invoke(app, ["analyze", *args])


def _contract(d: dict) -> None:
    assert d["direction"] in ("forward", "backward")
    assert d["events_source"] in ("force", "kinematic")
    for side in ("left", "right"):
        for kind in ("foot_strike", "toe_off"):
            assert isinstance(d["events"][side][kind], list)
    st = d["spatiotemporal"]
    assert st["cadence_steps_per_min"] > 0
    ct = st["contact_time_s"]
    assert ct["mean"] > 0 and ct["left"] > 0 and ct["right"] > 0
    assert "body_mass_kg" in d


def test_analyze_c3d_with_static_json_and_html(real_data: Path, tmp_path: Path) -> None:
    out, html = tmp_path / "out.json", tmp_path / "out.html"
    r = _run([str(real_data / RBDS), "--static", str(real_data / RBDS_STATIC),
              "--json", str(out), "--html", str(html)])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    _contract(d)
    assert d["direction"] == "forward" and d["events_source"] == "force"
    assert d["body_mass_kg"] == pytest.approx(60.5, abs=0.3)
    assert len(d["events"]["left"]["foot_strike"]) >= 40
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 3
    assert "<script" not in page and "cdn" not in page.lower()
    assert not list(tmp_path.glob("*.part"))


def test_analyze_no_forces(real_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "k.json"
    r = _run([str(real_data / RBDS), "--static", str(real_data / RBDS_STATIC), "--no-forces",
              "--mass", "62", "--json", str(out)])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    _contract(d)
    assert d["events_source"] == "kinematic"
    assert d["body_mass_source"] == "grf_whole_strides"  # only the events ignore forces


def test_analyze_hamner_mot_with_grf_and_time_reverse(real_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "h.json"
    r = _run([str(real_data / HAMNER_IK), "--grf", str(real_data / HAMNER_GRF),
              "--json", str(out)])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    _contract(d)
    assert d["direction"] == "forward" and d["trial"]["markerset"] == "hamner"
    out2 = tmp_path / "hr.json"
    r = _run([str(real_data / HAMNER_IK), "--grf", str(real_data / HAMNER_GRF),
              "--time-reverse", "--no-forces", "--json", str(out2)])
    assert r.exit_code == 0, r.output
    d2 = json.loads(out2.read_text())
    assert d2["direction"] == "backward" and d2["trial"]["synthetic"] is True
    assert "[SYNTHETIC]" in r.output


def test_analyze_trc_with_mass(real_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "oc.json"
    r = _run([str(real_data / "opencap_walk/walk.trc"), "--mass", "83", "--json", str(out)])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    assert d["events_source"] == "kinematic" and d["body_mass_kg"] == 83.0
    assert d["direction"] == "forward"


def test_analyze_errors_exit_2(real_data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.c3d"
    bad.write_bytes((real_data / RBDS).read_bytes()[:300_000])
    out = tmp_path / "never.json"
    r = _run([str(bad), "--json", str(out)])
    assert r.exit_code == 2
    assert "broken.c3d" in r.output and "truncated" in r.output
    assert not out.exists()
    r = _run([str(tmp_path / "missing.trc"), "--json", str(out)])
    assert r.exit_code == 2 and "file not found" in r.output
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    r = _run([str(txt), "--json", str(out)])
    assert r.exit_code == 2 and "unsupported file type" in r.output
    grf = tmp_path / "grf.mot"
    grf.write_text("name x\nendheader\ntime\tfoo\n0\t1\n0.01\t2\n")
    r = _run([str(real_data / HAMNER_IK), "--grf", str(grf), "--json", str(out)])
    assert r.exit_code == 2 and "grf.mot" in r.output and "no ground-force" in r.output


def test_analyze_module_imports_lazily() -> None:
    code = ("import sys; import retrorun.cli.analyze; "
            "print(','.join(m for m in ('numpy', 'ezc3d', 'scipy', 'matplotlib') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_full_analysis_never_imports_scipy_signal(real_data: Path) -> None:
    """Importing scipy.signal costs ~0.9 s per CLI call (it pulls in scipy.stats): the
    whole analysis of RBDS001 (joint mechanics included) runs on the compiled filter
    kernel alone, and gives the same filtered signal as scipy.signal.sosfiltfilt."""
    d = real_data / "rbds_fukuchi2017"
    code = ("import sys; from retrorun.biomech.io import load_trial; "
            "from retrorun.biomech.analysis import analyze_trial; "
            "from retrorun.biomech._scipy_kernels import peak_kernels, sosfilt_kernel; "
            f"r = analyze_trial(load_trial({str(d / 'RBDS001runT35.c3d')!r}, "
            f"static={str(d / 'RBDS001static.c3d')!r})); "
            "assert r.mechanics, r.warnings; "
            "assert sosfilt_kernel() is not None and peak_kernels() is not None; "
            "print(','.join(m for m in sys.modules if m.startswith('scipy.') "
            "and m not in ('scipy.signal._sosfilt', 'scipy.signal._peak_finding_utils') "
            "and m.split('.')[1] in ('signal', 'stats')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize("value", ["abc", "108,110,112", "30", "108,400"])
def test_analyze_rejects_bad_knee_width(real_data: Path, tmp_path: Path, value: str) -> None:
    r = _run([str(real_data / "pyorerun_running/Running_0002.c3d"), "--knee-width", value,
              "--json", str(tmp_path / "a.json")])
    assert r.exit_code == 2 and "--knee-width" in r.output
    assert not (tmp_path / "a.json").exists()


def test_analyze_knee_width_option(real_data: Path, tmp_path: Path) -> None:
    """Running_0002 has lateral knee markers only: --knee-width sets the knee centre."""
    out = tmp_path / "a.json"
    r = _run([str(real_data / "pyorerun_running/Running_0002.c3d"), "--knee-width", "120",
              "--json", str(out)])
    assert r.exit_code == 0, r.output
    methods = json.loads(out.read_text())["joint_centres"]
    assert "knee width 120 mm, user" in methods["knee_r"]


def test_analyze_with_user_mapping(real_data: Path, tmp_path: Path) -> None:
    """Renamed pelvis labels are found through a --mapping file (JSON)."""
    src = (real_data / "opencap_walk/walk.trc").read_text()
    renamed = src.replace("r.ASIS_study", "RightASIS").replace("L.ASIS_study", "LeftASIS")
    trc = tmp_path / "renamed.trc"
    trc.write_text(renamed)
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"base": "opencap",
                                   "roles": {"LASI": "LeftASIS", "RASI": "RightASIS"}}))
    out = tmp_path / "m.json"
    r = _run([str(trc), "--mapping", str(mapping), "--mass", "83", "--json", str(out)])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    assert d["trial"]["markerset"] == "user:map.json"
    assert d["joint_centres"]["pelvis_origin"] == "mid-ASIS"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    r = _run([str(trc), "--mapping", str(bad), "--json", str(out)])
    assert r.exit_code == 2 and "bad.json" in r.output
