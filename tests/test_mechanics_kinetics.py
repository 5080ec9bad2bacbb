"""Knee lever arm, external knee adduction moment and Newton–Euler inverse dynamics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _walk import load_walk, rms
from retrorun.biomech.kinetics import (
    GroundReaction,
    SegmentInertia,
    angular_kinematics,
    compare_knee_moment_estimates,
    external_knee_moment_lever,
    inverse_dynamics_knee,
    knee_lever_arm,
    segment_inertia,
)
from retrorun.biomech.segments import Frames

# lab: X forward, Y left, Z up. ISB shank axes in lab for an upright leg:
# X anterior = +X, Y up = +Z, Z right = -Y
UPRIGHT = np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])


def _static_leg(n, side, medial_offset, fz=700.0):
    s = 1.0 if side == "right" else -1.0
    knee = np.tile([0.0, -s * 0.1, 0.5], (n, 1))
    # medial = towards the body's midline (+Y for the right leg)
    cop = knee + np.array([0.0, s * medial_offset, -0.5])
    grf = GroundReaction(np.tile([0.0, 0.0, fz], (n, 1)), cop, np.zeros((n, 3)))
    shank = Frames(np.tile(UPRIGHT, (n, 1, 1)), knee - [0, 0, 0.4])
    return knee, grf, shank


@given(st.floats(-0.08, 0.08), st.sampled_from(["left", "right"]))
@settings(max_examples=30, deadline=None)
def test_lever_arm_and_kam_static(offset, side):
    knee, grf, shank = _static_leg(5, side, offset)
    arm = knee_lever_arm(knee, grf, shank, side)
    np.testing.assert_allclose(arm, offset, atol=1e-12)  # + = GRF medial to the knee
    kam = external_knee_moment_lever(knee, grf, shank, side)[:, 1]
    np.testing.assert_allclose(kam, 700.0 * offset, atol=1e-9)


def test_lever_arm_ignores_sagittal_offset():
    knee, grf, shank = _static_leg(3, "right", 0.03)
    moved = GroundReaction(grf.force, grf.cop + np.array([0.12, 0.0, 0.0]), grf.free_moment)
    np.testing.assert_allclose(knee_lever_arm(knee, moved, shank, "right"), 0.03, atol=1e-12)
    flex = external_knee_moment_lever(knee, moved, shank, "right")[:, 0]
    np.testing.assert_allclose(flex, -700.0 * 0.12, atol=1e-9)  # COP ahead -> extension


def test_angular_velocity_of_a_spinning_frame():
    rate, w = 200.0, 3.0
    t = np.arange(100) / rate
    c, s = np.cos(w * t), np.sin(w * t)
    R = np.zeros((t.size, 3, 3))
    R[:, 0, 0], R[:, 0, 1], R[:, 1, 0], R[:, 1, 1], R[:, 2, 2] = c, -s, s, c, 1.0
    om, al = angular_kinematics(Frames(R, np.zeros((t.size, 3))), rate)
    np.testing.assert_allclose(om[2:-2], np.tile([0, 0, w], (96, 1)), atol=2e-3)
    np.testing.assert_allclose(al[3:-3], 0.0, atol=0.05)


def test_inverse_dynamics_massless_equals_lever_arm_and_statics_adds_weight():
    n = 40
    knee, grf, shank = _static_leg(n, "right", 0.04)
    ankle = knee - [0, 0, 0.4]
    heel, toe = ankle + np.array([-0.05, 0, -0.08]), ankle + np.array([0.15, 0, -0.08])
    foot = Frames(np.tile(np.eye(3)[:, [0, 2, 1]] * [1, 1, -1], (n, 1, 1)), ankle)
    zero = SegmentInertia(0.0, 0.5, (0.3, 0.3, 0.1))
    res = inverse_dynamics_knee(knee=knee, ankle=ankle, heel=heel, toe=toe, shank=shank,
                                foot=foot, grf=grf, shank_inertia=zero, foot_inertia=zero,
                                rate=100.0, side="right")
    lev = external_knee_moment_lever(knee, grf, shank, "right")
    np.testing.assert_allclose(res.knee_moment_external, lev, atol=1e-9)
    # static with mass: knee force = GRF - weights (Newton), moment adds the weight lever
    m = SegmentInertia(3.0, 0.5, (0.3, 0.3, 0.1))
    res2 = inverse_dynamics_knee(knee=knee, ankle=ankle, heel=heel, toe=toe, shank=shank,
                                 foot=foot, grf=grf, shank_inertia=m, foot_inertia=m,
                                 rate=100.0, side="right")
    np.testing.assert_allclose(-res2.knee_force[:, 2], 700.0 - 6.0 * 9.80665, atol=1e-6)


def test_segment_inertia_uses_de_leva():
    sh = segment_inertia("shank", 70.0)
    assert sh.mass == pytest.approx(0.0433 * 70.0)
    assert sh.com_ratio == pytest.approx(0.4459)
    assert sh.radii == (0.249, 0.103, 0.255)  # (X transverse, Y longitudinal, Z sagittal)
    ft = segment_inertia("foot", 70.0)
    assert ft.radii == (0.124, 0.245, 0.257)


def test_compare_estimates_metrics():
    x = np.linspace(0, 1, 50)
    r = compare_knee_moment_estimates(x, x + 0.1, np.ones(50, bool))
    assert r["rms_diff"] == pytest.approx(0.1) and r["mean_diff"] == pytest.approx(0.1)
    assert r["r"] == pytest.approx(1.0)
    assert compare_knee_moment_estimates(x, x, np.zeros(50, bool)) == {"n": 0}


@pytest.fixture(scope="module")
def walk(real_data):
    return load_walk(real_data / "ktk_walk" / "walk.c3d")


def test_knee_moments_vs_plug_in_gait(walk):
    """Newton–Euler knee moments vs Vicon LKneeMoment/RKneeMoment (N·mm/kg, internal, in
    the untorsioned tibia) in the two stances Vicon computed (plate 2 left, plate 4 right).

    Measured RMS at 12 Hz (N·m; peaks ≈ 45–53): left (sagittal, frontal, transverse)
    3.1 / 0.9 / 0.25, right 3.8 / 1.5 / 0.45. Residuals come from the filter (Vicon's
    Woltring vs our Butterworth), Dempster (Vicon) vs de Leva inertia, and Vicon's
    treatment of the plate signals.
    """
    from retrorun.biomech.kinetics import lowpass
    from retrorun.biomech.model import lower_limb_kinematics

    mk, out, pp = walk["markers"], walk["outputs"], walk["processing"]
    mass, rate, cut = pp["Bodymass"], 100.0, 12.0
    cen = {"hip_l": mk["LFEP"], "hip_r": mk["RFEP"], "knee_l": mk["LKJC"],
           "knee_r": mk["RKJC"], "ankle_l": mk["LAJC"], "ankle_r": mk["RAJC"]}
    tor = {"left": pp["LTibialTorsion"], "right": pp["RTibialTorsion"]}
    fm = {k: lowpass(v, rate, cut) for k, v in mk.items()}
    fc = {k: lowpass(v, rate, cut) for k, v in cen.items()}
    kin = lower_limb_kinematics(fm, fc, "pig_cgm", tibial_torsion=tor)
    limits = {"left": (4.0, 1.5, 0.5), "right": (5.0, 2.5, 0.8)}
    for side, plate in (("left", 1), ("right", 3)):
        t, S = side[0], side[0].upper()
        p = walk["plates"][plate]
        ld = p["force"][:, 2] > 20
        grf = GroundReaction(np.where(ld[:, None], lowpass(p["force"], rate, cut), 0),
                             np.where(ld[:, None], lowpass(p["cop"], rate, cut), np.nan),
                             np.where(ld[:, None], lowpass(p["tz"], rate, cut), 0))
        res = inverse_dynamics_knee(
            knee=fc[f"knee_{t}"], ankle=fc[f"ankle_{t}"], heel=fm[S + "HEE"], toe=fm[S + "TOE"],
            shank=kin.frames[f"shank_{t}"], foot=kin.frames[f"foot_{t}"], grf=grf,
            shank_inertia=segment_inertia("shank", mass),
            foot_inertia=segment_inertia("foot", mass), rate=rate, side=side)
        ref = out[S + "KneeMoment"] / 1000.0 * mass  # N·mm/kg -> N·m
        err = rms(res.knee_moment_external[ld], ref[ld])
        assert np.all(err < limits[side]), (side, err)
        # and the frontal lever-arm estimate agrees with inverse dynamics in walking
        lev = external_knee_moment_lever(fc[f"knee_{t}"], grf, kin.frames[f"shank_{t}"], side)
        c = compare_knee_moment_estimates(lev[:, 1], res.knee_moment_external[:, 1], ld)
        assert c["rms_diff_pct_peak"] < 4.0 and c["r"] > 0.99, c


RUNNING = [
    # (file, extra load_trial kwargs, max rms diff as % of peak KAM, min r)
    # body mass is not in the file: 70 kg nominal (segment masses scale with it)
    ("pyorerun_running/Running_0002.c3d", {"mass": 70.0}, 6.0, 0.99),
    ("hamner2013_running/Run_30002_IK_Original.mot",
     {"grf": "hamner2013_running/Run_30002_GRF_newCOP3_v24.mot"}, 6.0, 0.99),
    ("rbds_fukuchi2017/RBDS001runT35.c3d",
     {"static": "rbds_fukuchi2017/RBDS001static.c3d"}, 18.0, 0.9),
]


@pytest.mark.parametrize("path,kw,tol_pct,min_r", RUNNING, ids=["pyorerun", "hamner", "rbds"])
def test_running_lever_arm_kam_agrees_with_inverse_dynamics(real_data, path, kw, tol_pct, min_r):
    """Full analyze pipeline (body mass from the treadmill GRF where there is one). In
    running stance the quasi-static lever-arm KAM and the Newton–Euler frontal knee
    moment differ by the foot+shank weight and inertia. Measured (rms diff as % of peak
    KAM / r): Running_0002 R 3.2 % / 0.996 (70 kg nominal); Hamner L 3.9 % / 0.995, R 2.8 % / 0.996;
    RBDS001 L 15 % / 0.91, R 5.7 % / 0.98 (treadmill forefoot striker: larger segment
    accelerations at impact; left-side KAM is small, so the same absolute difference is a
    larger percentage).
    """
    from retrorun.biomech import load_trial
    from retrorun.biomech.analysis import analyze_trial

    mass = kw.get("mass")
    files = {k: real_data / v for k, v in kw.items() if k != "mass"}
    res = analyze_trial(load_trial(real_data / path, **files), mass=mass)
    joints = res.mechanics["joints"]
    checks = [v for k, v in joints["checks"].items() if k.startswith("kam_lever_vs_inverse")]
    assert checks, (joints["notes"], res.warnings)
    for c in checks:
        assert c["n"] > 30
        assert c["rms_diff_pct_peak"] < tol_pct, c
        assert c["r"] > min_r, c


@given(st.floats(-0.06, 0.06), st.floats(-0.1, 0.1),
       st.tuples(st.floats(-3.1, 3.1), st.floats(-1.5, 1.5), st.floats(-3.1, 3.1)))
@settings(max_examples=30, deadline=None)
def test_lever_arm_and_moments_invariant_to_lab_rotation(offset, ap, euler):
    """Rotating the whole scene (knee, COP, force, shank frame) changes nothing."""
    from scipy.spatial.transform import Rotation

    knee, grf, shank = _static_leg(4, "left", offset, fz=900.0)
    grf = GroundReaction(grf.force + np.array([ap * 1000, 40.0, 0.0]), grf.cop,
                         np.tile([0.0, 0.0, 3.0], (4, 1)))
    Q = Rotation.from_euler("xyz", euler).as_matrix()
    rot = lambda v: v @ Q.T  # noqa: E731
    knee2 = rot(knee)
    grf2 = GroundReaction(rot(grf.force), rot(grf.cop), rot(grf.free_moment))
    shank2 = Frames(np.einsum("ij,njk->nik", Q, shank.R), rot(shank.origin))
    np.testing.assert_allclose(knee_lever_arm(knee2, grf2, shank2, "left"),
                               knee_lever_arm(knee, grf, shank, "left"), atol=1e-9)
    np.testing.assert_allclose(external_knee_moment_lever(knee2, grf2, shank2, "left"),
                               external_knee_moment_lever(knee, grf, shank, "left"), atol=1e-7)


def test_inverse_dynamics_on_stance_frames_equals_whole_trial(real_data) -> None:
    """``at=contact`` computes only stance (+3 frames of neighbours) and gives exactly the
    whole-trial values there (RBDS001, both sides), NaN elsewhere."""
    from retrorun.biomech.io import load_trial
    from retrorun.biomech.jointcentres import joint_centres
    from retrorun.biomech.kinetics import inverse_dynamics_knee, segment_inertia
    from retrorun.biomech.mechanics import grf_per_side
    from retrorun.biomech.model import lower_limb_kinematics

    d = real_data / "rbds_fukuchi2017"
    tr = load_trial(d / "RBDS001runT35.c3d", static=d / "RBDS001static.c3d")
    jc = joint_centres(tr, tr.markerset, tr.static)
    kin = lower_limb_kinematics(jc.markers, jc, tr.markerset, foot_from_heel=True)
    grf, contact = grf_per_side(tr, jc, cutoff=12.0)
    for s in ("left", "right"):
        t = s[0]
        kw = dict(knee=jc[f"knee_{t}"], ankle=jc[f"ankle_{t}"], heel=jc[f"heel_{t}"],
                  toe=jc[f"toe_{t}"], shank=kin.frames[f"shank_{t}"],
                  foot=kin.frames[f"foot_{t}"], grf=grf[s],
                  shank_inertia=segment_inertia("shank", 60.0, "male"),
                  foot_inertia=segment_inertia("foot", 60.0, "male"), rate=tr.point_rate,
                  side=s)
        full = inverse_dynamics_knee(**kw)
        part = inverse_dynamics_knee(**kw, at=contact[s])
        c = contact[s]
        assert 0.2 < c.mean() < 0.5
        for a, b in ((full.knee_moment_external, part.knee_moment_external),
                     (full.ankle_moment, part.ankle_moment), (full.knee_force, part.knee_force)):
            assert np.array_equal(a[c], b[c])
            assert np.isnan(b[~c]).all()
