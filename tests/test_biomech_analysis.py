"""Events, direction, body mass, COM and spatiotemporal measures on real running data.

Tolerances and why:
* body mass from GRF: RBDS001 gives 60.47 kg vs 62 kg in RBDSinfo (-2.5 %). The issue's
  2 % target is missed (kept below as a strict xfail): the force data say 60.5 kg (mean
  Fy over the whole trial 594 N, the data README's own figure; per stride 60.52 ± 0.70 kg;
  the plate reads +1.5 N in flight, so re-zeroing would lower it), while the metadata
  mass is a whole-kg value taken outside the trial. Asserted: < 3 %, and equality with an
  independent ezc3d computation (test_biomech_round2). Hamner (72.84 kg): < 2 %.
* kinematic vs force events: median |error| ≤ 20 ms (issue 4), forward and time-reversed.
* COM vs GRF (Newton): m·a_COM + m·g vs summed GRF, both low-passed at 6 Hz, during
  stance: vertical RMS ≤ 15 % BW and r ≥ 0.98. The marker COM is approximate (RBDS has no
  trunk/arm/head markers: a rigid HAT above the pelvis; Hamner has no head markers), and
  6 Hz smooths the impact peak.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrorun.biomech.analysis import ANALYSIS_STEPS, analyze_trial, register_step
from retrorun.biomech.events import match_events
from retrorun.biomech.io import load_trial
from retrorun.biomech.synthetic import time_reversed

RBDS = "rbds_fukuchi2017/RBDS001runT35.c3d"
RBDS_STATIC = "rbds_fukuchi2017/RBDS001static.c3d"
HAMNER_IK = "hamner2013_running/Run_30002_IK_Original.mot"
HAMNER_GRF = "hamner2013_running/Run_30002_GRF_newCOP3_v24.mot"
RBDS_MASS = 62.0  # RBDSinfo_RBDS001.tsv
HAMNER_MASS = 72.84  # Hamner & Delp 2013 subject01


@pytest.fixture(scope="module")
def rbds(real_data: Path):
    tr = load_trial(real_data / RBDS, static=real_data / RBDS_STATIC)
    return tr, analyze_trial(tr)


@pytest.fixture(scope="module")
def hamner(real_data: Path):
    tr = load_trial(real_data / HAMNER_IK, grf=real_data / HAMNER_GRF)
    return tr, analyze_trial(tr)


def _median_abs(ref_ev, cand_ev, kind: str) -> tuple[float, int]:
    errs = np.concatenate([match_events(getattr(ref_ev[s], kind), getattr(cand_ev[s], kind))
                           for s in ("left", "right")])
    return float(np.median(np.abs(errs))), errs.size


def test_rbds_mass_within_3_percent(rbds) -> None:
    _, res = rbds
    assert res.body_mass_source == "grf_whole_strides"
    err = abs(res.body_mass_kg - RBDS_MASS) / RBDS_MASS
    assert err < 0.03, res.body_mass_kg


@pytest.mark.xfail(strict=True, reason="RBDS001 GRF mass is 60.47 kg, 2.5 % under the 62 kg "
                   "metadata (issue target 2 %); see module docstring")
def test_rbds_mass_within_2_percent(rbds) -> None:
    _, res = rbds
    assert abs(res.body_mass_kg - RBDS_MASS) / RBDS_MASS < 0.02


def test_hamner_mass_within_2_percent(hamner) -> None:
    _, res = hamner
    assert abs(res.body_mass_kg - HAMNER_MASS) / HAMNER_MASS < 0.02


def test_rbds_force_events_split_by_foot(rbds) -> None:
    _, res = rbds
    ev = res.force_events
    n_l, n_r = ev.left.foot_strike.size, ev.right.foot_strike.size
    assert n_l >= 40 and n_r >= 40 and abs(n_l - n_r) <= 1
    # strikes alternate left/right (single treadmill plate split by foot markers)
    t = np.concatenate([ev.left.foot_strike, ev.right.foot_strike])
    side = np.concatenate([np.zeros(n_l), np.ones(n_r)])[np.argsort(t)]
    assert np.all(np.diff(side) != 0)
    assert res.direction.direction == "forward" and res.direction.mode == "treadmill"
    assert res.direction.speed_m_s == pytest.approx(3.5, rel=0.03)  # RBDS nominal 3.5 m/s


@pytest.mark.parametrize("name", ["rbds", "hamner"])
def test_kinematic_events_match_force(name: str, request) -> None:
    _, res = request.getfixturevalue(name)
    for kind in ("foot_strike", "toe_off"):
        med, n = _median_abs(res.force_events, res.kinematic_events, kind)
        assert n >= 10
        assert med <= 0.020, (kind, med)


@pytest.mark.parametrize("name", ["rbds", "hamner"])
def test_time_reversed_is_backward_with_events(name: str, request) -> None:
    tr, fwd = request.getfixturevalue(name)
    rev = time_reversed(tr)
    assert rev.synthetic
    res = analyze_trial(rev, use_forces=False)
    assert res.direction.direction == "backward"
    assert res.events.source == "kinematic"
    t_sum = tr.time[0] + tr.time[-1]
    for side in ("left", "right"):
        # reversed force foot strikes = original toe offs (and vice versa)
        ref_fs = np.sort(t_sum - fwd.force_events[side].toe_off)
        ref_to = np.sort(t_sum - fwd.force_events[side].foot_strike)
        e1 = match_events(ref_fs, res.events[side].foot_strike)
        e2 = match_events(ref_to, res.events[side].toe_off)
        assert e1.size >= 5 and e2.size >= 5
        assert np.median(np.abs(e1)) <= 0.020
        assert np.median(np.abs(e2)) <= 0.020
    # the force pipeline sees the same reversed contacts
    both = analyze_trial(rev)
    assert both.events.source == "force"
    assert both.events_check["foot_strike"]["median_abs_error_s"] <= 0.020
    assert both.events_check["toe_off"]["median_abs_error_s"] <= 0.020


@pytest.mark.parametrize("name", ["rbds", "hamner"])
def test_com_acceleration_matches_grf(name: str, request) -> None:
    _, res = request.getfixturevalue(name)
    g = res.com_metrics["grf_check"]
    assert g["stance_frames"] > 300
    assert g["rms_error_vertical_pct_bw"] <= 15.0
    assert g["correlation_vertical"] >= 0.98


def test_com_metrics_plausible(rbds) -> None:
    _, res = rbds
    cm = res.com_metrics
    # running vertical oscillation 5-12 cm; COM above and near the hips; foot lands ahead
    assert 0.05 < cm["vertical_oscillation_m"]["mean"] < 0.12
    assert 0.0 < cm["relative_to_pelvis_at_foot_strike_m"]["z"]["mean"] < 0.15
    assert 0.05 < cm["foot_ahead_of_com_at_foot_strike_m"]["mean"] < 0.4


def test_spatiotemporal_consistent(rbds) -> None:
    _, res = rbds
    st = res.spatiotemporal
    step = st["step_time_s"]["mean"]
    assert st["cadence_steps_per_min"] == pytest.approx(60 / step, rel=1e-3)
    assert st["stride_time_s"]["mean"] == pytest.approx(2 * step, rel=0.02)
    # contact + flight = step in running
    assert st["contact_time_s"]["mean"] + st["flight_time_s"]["mean"] == pytest.approx(
        step, abs=0.01)
    assert 150 < st["cadence_steps_per_min"] < 200
    assert st["step_length_m"]["mean"] == pytest.approx(3.5 * step, rel=0.04)


def test_no_forces_uses_kinematics_and_given_mass(real_data: Path, rbds) -> None:
    tr, _ = rbds
    res = analyze_trial(tr, use_forces=False, mass=62.0)
    assert res.events.source == "kinematic"
    # --no-forces changes only the events: the mass still comes from the force data
    assert res.body_mass_source == "grf_whole_strides"
    assert res.body_mass_kg == pytest.approx(60.5, abs=0.3)
    assert res.to_dict()["com"]["grf_check"] is not None
    res2 = analyze_trial(load_trial(real_data / "opencap_walk/walk.trc"), mass=83.0)
    assert res2.body_mass_kg == 83.0 and res2.body_mass_source == "user"
    assert res2.to_dict()["com"]["grf_check"] is None


def test_walk_force_events_match_vicon_events(real_data: Path) -> None:
    tr = load_trial(real_data / "ktk_walk/walk.c3d")
    res = analyze_trial(tr)
    assert res.events.source == "force"
    n = 0
    for side in ("left", "right"):
        for kind in ("foot_strike", "toe_off"):
            e = match_events(getattr(res.events[side], kind), tr.events[side][kind], tol=0.05)
            n += e.size
            assert np.all(np.abs(e) <= 0.0105)  # within one 100 Hz frame of Vicon's events
    assert n >= 4
    assert res.body_mass_kg == pytest.approx(73.4) and res.body_mass_source == "file"


def test_running_0002_overground(real_data: Path) -> None:
    tr = load_trial(real_data / "pyorerun_running/Running_0002.c3d")
    res = analyze_trial(tr, mass=70.0)
    assert res.direction.direction == "forward" and res.direction.mode == "overground"
    assert res.direction.speed_m_s == pytest.approx(3.0, abs=0.2)
    c = res.events.right.contacts()
    assert c.shape == (1, 2) and np.diff(c)[0, 0] == pytest.approx(0.285, abs=0.01)
    rev = analyze_trial(time_reversed(tr), mass=70.0)
    assert rev.direction.direction == "backward" and rev.direction.mode == "overground"


def test_extension_step_fills_mechanics(rbds) -> None:
    tr, _ = rbds

    def knee_stub(res) -> None:
        res.mechanics["n_frames_seen"] = int(res.joint_centres["knee_l"].shape[0])

    def broken(res) -> None:
        raise RuntimeError("boom")

    res = analyze_trial(tr, steps=[knee_stub, broken])
    d = res.to_dict()
    assert d["mechanics"] == {"n_frames_seen": 4500}
    assert any("broken failed: boom" in w for w in d["warnings"])
    before = list(ANALYSIS_STEPS)
    register_step(knee_stub)
    try:
        assert ANALYSIS_STEPS[-1] is knee_stub
    finally:
        ANALYSIS_STEPS[:] = before


def test_grf_plates_without_foot_are_assigned_by_cop(real_data: Path, tmp_path: Path) -> None:
    """Hamner GRF renamed to plate-style columns (1_, 2_): contacts assigned by COP give
    the same per-foot events as the R_/L_ columns."""
    text = (real_data / HAMNER_GRF).read_text()
    plates = tmp_path / "grf_plates.mot"
    plates.write_text(text.replace("R_ground", "1_ground").replace("L_ground", "2_ground"))
    ref = analyze_trial(load_trial(real_data / HAMNER_IK, grf=real_data / HAMNER_GRF))
    tr = load_trial(real_data / HAMNER_IK, grf=plates)
    assert {p.foot for p in tr.plates} == {None}
    res = analyze_trial(tr)
    for side in ("left", "right"):
        assert np.allclose(res.events[side].foot_strike, ref.events[side].foot_strike)
        assert np.allclose(res.events[side].toe_off, ref.events[side].toe_off)


def test_ric_cluster_set_with_static(real_data: Path) -> None:
    tr = load_trial(real_data / "ric_running/20140515T133244_run.c3d",
                    static=real_data / "ric_running/20140515T133244_static.c3d")
    res = analyze_trial(tr, mass=70.0)
    jc = res.joint_centres
    assert jc.methods["knee_l"] == "epicondyle mid-point"
    hip_w = np.nanmedian(np.linalg.norm(jc["hip_l"] - jc["hip_r"], axis=1))
    assert 0.14 < hip_w < 0.24  # hip centres, not trochanters
    assert res.direction.direction == "forward" and res.direction.mode == "treadmill"
    st = res.spatiotemporal
    assert 150 < st["cadence_steps_per_min"] < 200
    assert 0.12 < st["contact_time_s"]["mean"] < 0.35


def test_knee_ankle_fallback_close_to_vicon_centres(real_data: Path) -> None:
    """Without the file's KJC/AJC, lateral marker + half default width lands within
    25 mm (median) of Vicon's CGM centres on walk.c3d (CGM uses measured widths)."""
    from retrorun.biomech.jointcentres import joint_centres
    from retrorun.biomech.markersets import PROFILES, MarkerSet

    tr = load_trial(real_data / "ktk_walk/walk.c3d")
    roles = {k: v for k, v in PROFILES["pig_cgm"].roles.items()
             if k not in ("LKJC", "RKJC", "LAJC", "RAJC")}
    jc = joint_centres(tr, MarkerSet("no-model-outputs", roles, {}))
    for s, S in (("l", "L"), ("r", "R")):
        assert jc.methods[f"knee_{s}"].startswith("lateral marker")
        dk = np.nanmedian(np.linalg.norm(jc[f"knee_{s}"] - tr.markers[f"{S}KJC"], axis=1))
        da = np.nanmedian(np.linalg.norm(jc[f"ankle_{s}"] - tr.markers[f"{S}AJC"], axis=1))
        assert dk < 0.025 and da < 0.025


def test_knee_width_from_file_and_user(real_data: Path) -> None:
    """The lateral-marker knee centre uses the C3D's Plug-in Gait knee width (walk.c3d:
    109 mm), or the user's, moving medially by half the difference."""
    from retrorun.biomech.jointcentres import joint_centres
    from retrorun.biomech.markersets import PROFILES, MarkerSet

    tr = load_trial(real_data / "ktk_walk/walk.c3d")
    assert tr.meta["file_knee_width_m"] == {"left": 0.109, "right": 0.109}
    roles = {k: v for k, v in PROFILES["pig_cgm"].roles.items()
             if k not in ("LKJC", "RKJC", "LAJC", "RAJC")}
    ms = MarkerSet("no-model-outputs", roles, {})
    base = joint_centres(tr, ms)
    assert "knee width 109 mm, file (Plug-in Gait)" in base.methods["knee_l"]
    wide = joint_centres(tr, ms, knee_width={"left": 0.130, "right": 0.109})
    assert "knee width 130 mm, user" in wide.methods["knee_l"]
    shift = np.linalg.norm(wide["knee_l"] - base["knee_l"], axis=1)
    assert np.nanmax(np.abs(shift - 0.0105)) < 1e-9
    assert np.allclose(wide["knee_r"], base["knee_r"], equal_nan=True)
