"""Readers, lab frame, marker sets and clear errors for bad files (real data + fixtures)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from retrorun.biomech.errors import TrialFileError
from retrorun.biomech.io import load_trial, read_raw
from retrorun.biomech.io_opensim import read_mot
from retrorun.biomech.markersets import PROFILES, detect_markerset, load_mapping

RBDS = "rbds_fukuchi2017/RBDS001runT35.c3d"
RBDS_STATIC = "rbds_fukuchi2017/RBDS001static.c3d"
HAMNER_IK = "hamner2013_running/Run_30002_IK_Original.mot"
HAMNER_GRF = "hamner2013_running/Run_30002_GRF_newCOP3_v24.mot"


def test_c3d_units_frame_and_plates(real_data: Path) -> None:
    tr = load_trial(real_data / RBDS)
    assert tr.meta["vertical_axis_in_file"] == "+Y"  # RBDS is Y-up
    assert tr.meta["units"]["length"] == "mm"
    assert tr.point_rate == 150.0 and tr.n_frames == 4500 and tr.force_rate == 300.0
    # pelvis ~1 m above the floor in metres, left ASIS on +Y, ASIS ahead of PSIS on +X
    asis_l, asis_r = tr.markers["L.ASIS"], tr.markers["R.ASIS"]
    assert 0.8 < np.nanmedian(asis_l[:, 2]) < 1.2
    assert np.nanmedian(asis_l[:, 1] - asis_r[:, 1]) > 0.15
    assert np.nanmedian(asis_l[:, 0] - tr.markers["L.PSIS"][:, 0]) > 0.05
    # treadmill plate: vertical force on the body is positive, mean ≈ body weight
    fz = tr.plates[0].force[:, 2]
    assert fz.max() > 1500 and 580 < fz.mean() < 610
    # (0,0,0) samples are treated as missing
    assert np.isnan(tr.markers["L.ASIS"]).any()


def test_c3d_model_outputs_not_rescaled_and_events(real_data: Path) -> None:
    tr = read_raw(real_data / "ktk_walk/walk.c3d")
    # computed angle "points" stay in degrees (kineticstoolkit issue #147)
    knee = tr.model_outputs["LKneeAngles"]
    assert 40 < np.nanmax(knee[:, 0]) < 90
    assert "LKneeAngles" not in tr.markers
    # modelled joint centres are positions → scaled to metres like markers
    assert 0.2 < np.nanmedian(tr.markers["LKJC"][:, 2]) < 0.7
    ev = tr.events
    assert np.allclose(ev["left"]["foot_strike"], [2.2235, 3.33], atol=1e-3)
    assert np.allclose(ev["right"]["toe_off"], [2.364, 3.5], atol=1e-3)
    assert tr.meta["file_body_mass_kg"] == pytest.approx(73.4)
    assert tr.meta["plate_types"] == [2, 2, 2, 2]


def test_running_0002_faces_minus_x_in_file(real_data: Path) -> None:
    tr = load_trial(real_data / "pyorerun_running/Running_0002.c3d")
    assert tr.meta["markerset"] == "qualisys_running"
    assert tr.meta["facing_in_file"][0] < -0.95  # runner moves along -X of the lab file
    assert tr.plates[0].force[:, 2].max() == pytest.approx(1393, abs=15)


def test_hamner_old_header_markers_and_per_foot_grf(real_data: Path) -> None:
    table = read_mot(real_data / HAMNER_GRF)
    assert table.header["datarows"] == "4741" and table.data.shape == (4741, 19)
    tr = load_trial(real_data / HAMNER_IK, grf=real_data / HAMNER_GRF)
    assert tr.meta["markerset"] == "hamner"
    assert tr.point_rate == pytest.approx(100.0) and tr.force_rate == pytest.approx(1000.0)
    assert {p.foot for p in tr.plates} == {"left", "right"}
    assert "knee_angle_r" in tr.model_outputs  # coordinates kept, in degrees
    assert np.nanmin(tr.model_outputs["knee_angle_r"]) == pytest.approx(-98.7, abs=0.2)
    assert 0.8 < np.nanmedian(tr.markers["LASI"][:, 2]) < 1.2


def test_trc_opencap(real_data: Path) -> None:
    tr = load_trial(real_data / "opencap_walk/walk.trc")
    assert tr.meta["markerset"] == "opencap"
    assert tr.point_rate == 60.0 and tr.n_frames == 222
    assert tr.meta["vertical_axis_in_file"] == "+Y"


def test_markerset_detection_and_mapping(tmp_path: Path) -> None:
    assert detect_markerset(["LASI", "RASI", "LPSI", "RPSI", "LHEE", "LTOE", "RHEE",
                             "RTOE", "LKNE", "RKNE", "LANK", "RANK"]).name == "pig_cgm"
    with pytest.raises(ValueError, match="mapping"):
        detect_markerset(["foo", "bar"])
    m = tmp_path / "map.json"
    m.write_text(json.dumps({"base": "pig_cgm", "roles": {"LASI": "MyLeftASIS"}}))
    ms = load_mapping(m)
    assert ms.roles["LASI"] == "MyLeftASIS" and ms.roles["RASI"] == "RASI"
    t = tmp_path / "map.toml"
    t.write_text('base = "nope"\n')
    with pytest.raises(TrialFileError, match=r"map\.toml.*unknown base"):
        load_mapping(t)
    assert set(PROFILES) >= {"pig_cgm", "rbds", "ric", "hamner", "opencap"}


# --- corrupt / truncated / unsupported files --------------------------------------------

def _copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    dst.chmod(0o644)
    return dst


def test_truncated_c3d(real_data: Path, tmp_path: Path) -> None:
    data = (real_data / RBDS).read_bytes()
    p = tmp_path / "cut.c3d"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(TrialFileError, match=r"cut\.c3d: truncated"):
        load_trial(p)


@pytest.mark.parametrize("n", [0, 100, 600])
def test_header_only_or_empty_c3d(real_data: Path, tmp_path: Path, n: int) -> None:
    p = tmp_path / f"short{n}.c3d"
    p.write_bytes((real_data / RBDS).read_bytes()[:n])
    with pytest.raises(TrialFileError, match=f"short{n}.c3d"):
        load_trial(p)


def test_bitflipped_c3d_header(real_data: Path, tmp_path: Path) -> None:
    data = bytearray((real_data / RBDS).read_bytes())
    data[1] ^= 0xFF  # the C3D key byte (0x50)
    p = tmp_path / "flip.c3d"
    p.write_bytes(bytes(data))
    with pytest.raises(TrialFileError, match=r"flip\.c3d"):
        load_trial(p)


def test_garbage_and_unsupported(tmp_path: Path) -> None:
    g = tmp_path / "garbage.c3d"
    g.write_bytes(b"not a c3d file at all" * 20)
    with pytest.raises(TrialFileError, match=r"garbage\.c3d"):
        load_trial(g)
    u = tmp_path / "trial.xyz"
    u.write_text("1 2 3")
    with pytest.raises(TrialFileError, match="unsupported file type"):
        load_trial(u)
    with pytest.raises(TrialFileError, match="file not found"):
        load_trial(tmp_path / "missing.trc")


def test_truncated_and_corrupt_mot(real_data: Path, tmp_path: Path) -> None:
    lines = (real_data / HAMNER_GRF).read_text().splitlines()
    p = tmp_path / "grf_cut.mot"
    p.write_text("\n".join(lines[:2000]) + "\n")
    with pytest.raises(TrialFileError, match=r"grf_cut\.mot: truncated"):
        read_mot(p)
    q = tmp_path / "grf_ragged.mot"
    q.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:40] + "\n")
    with pytest.raises(TrialFileError, match=r"grf_ragged\.mot"):
        read_mot(q)
    r = tmp_path / "grf_text.mot"
    r.write_text("\n".join(lines[:100]).replace("0.05000000", "abc", 1))
    with pytest.raises(TrialFileError, match=r"grf_text\.mot: non-numeric"):
        read_mot(r)
    s = tmp_path / "noheader.mot"
    s.write_text("time\tx\n0\t1\n")
    with pytest.raises(TrialFileError, match="endheader"):
        read_mot(s)


def test_truncated_trc(real_data: Path, tmp_path: Path) -> None:
    lines = (real_data / "opencap_walk/walk.trc").read_text().splitlines()
    p = tmp_path / "cut.trc"
    p.write_text("\n".join(lines[:100]) + "\n")
    with pytest.raises(TrialFileError, match=r"cut\.trc: truncated: header promises 222"):
        load_trial(p)
    b = tmp_path / "bin.trc"
    b.write_bytes(b"\x00\x01" * 100)
    with pytest.raises(TrialFileError, match=r"bin\.trc"):
        load_trial(b)


@pytest.mark.parametrize("name", ["ktk_walk/walk.c3d", RBDS, "pyorerun_running/Running_0002.c3d"])
def test_numpy_plates_match_ezc3d(real_data: Path, name: str) -> None:
    """Our vectorised plate computation (types 2, 4, 3) equals ezc3d's module."""
    from retrorun.biomech.io_c3d import read_c3d

    fast = read_c3d(real_data / name)
    ref = read_c3d(real_data / name, plate_engine="ezc3d")
    assert len(fast.plates) == len(ref.plates) > 0
    for a, b in zip(fast.plates, ref.plates, strict=True):
        assert np.allclose(a.force, b.force, atol=1e-9)
        loaded = np.abs(b.force[:, 2]) > 20
        assert np.allclose(a.cop[loaded], b.cop[loaded], atol=1e-9)
        assert np.allclose(a.free_moment[loaded], b.free_moment[loaded], atol=1e-9)
        assert np.allclose(a.corners, b.corners)
    # the lean SWIG-level read gives the same markers and analogs as ezc3d.c3d()
    assert fast.markers.keys() == ref.markers.keys()
    for k in fast.markers:
        assert np.array_equal(fast.markers[k], ref.markers[k], equal_nan=True), k
    for k in fast.analogs:
        assert np.array_equal(fast.analogs[k], ref.analogs[k]), k


def test_invalid_c3d_points_are_nan(real_data: Path) -> None:
    """C3D points with a negative residual are invalid: NaN in the trial (ezc3d's point
    array already has NaN there; the lean read relies on it)."""
    import ezc3d

    from retrorun.biomech.io_c3d import read_c3d

    c = ezc3d.c3d(str(real_data / "ktk_walk/walk.c3d"))
    invalid = c["data"]["meta_points"]["residuals"][0] < 0  # (points, frames)
    assert invalid.sum() > 1000
    labels = c["parameters"]["POINT"]["LABELS"]["value"]
    t = read_c3d(real_data / "ktk_walk/walk.c3d")
    n_nan = 0
    for i, lab in enumerate(labels):
        arr = t.markers.get(lab.strip(), t.model_outputs.get(lab))
        if arr is None:
            continue
        assert np.isnan(arr[invalid[i]]).all(), lab
        n_nan += int(np.isnan(arr).any(axis=1).sum())
    assert n_nan >= invalid.sum()


def test_pose2sim_keypoints(real_data: Path) -> None:
    from retrorun.biomech.jointcentres import joint_centres

    tr = load_trial(real_data / "pose2sim_demo/pose2sim_BalancingTrial_0-100_filt_butterworth.trc")
    assert tr.meta["markerset"] == "pose2sim"
    jc = joint_centres(tr)
    assert jc.methods["knee_l"] == "file"  # keypoints are joint centres
    thigh = np.nanmedian(np.linalg.norm(jc["hip_l"] - jc["knee_l"], axis=1))
    assert 0.3 < thigh < 0.55


def test_trc_blank_cells_are_missing(real_data: Path, tmp_path: Path) -> None:
    lines = (real_data / "opencap_walk/walk.trc").read_text().splitlines()
    cells = lines[10].split("\t")
    assert cells[0] == "5"
    cells[2:5] = ["", "", ""]  # first marker missing in frame 5 (index 4)
    lines[10] = "\t".join(cells)
    p = tmp_path / "gap.trc"
    p.write_text("\n".join(lines) + "\n")
    tr = read_raw(p)
    first = next(iter(tr.markers))
    assert np.isnan(tr.markers[first][4]).all()
    assert np.isfinite(tr.markers[first][3]).all() and np.isfinite(tr.markers[first][5]).all()
    other = list(tr.markers)[1]
    assert np.isfinite(tr.markers[other][4]).all()
    assert tr.n_frames == 222
