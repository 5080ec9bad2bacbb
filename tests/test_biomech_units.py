"""Unit and property tests of the biomechanics building blocks on small synthetic arrays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrorun.biomech.anthropometry import DE_LEVA, segment_inertia
from retrorun.biomech.clusters import carry_landmarks, cluster_pose, to_global, to_local
from retrorun.biomech.events import (
    GaitEvents,
    SideEvents,
    crossing_index,
    match_events,
    threshold_contacts,
)
from retrorun.biomech.filters import butter_lowpass, fill_gaps
from retrorun.biomech.frames import to_lab_frame
from retrorun.biomech.jointcentres import harrington_hjc, pelvis_frame
from retrorun.biomech.markersets import PROFILES
from retrorun.biomech.spatiotemporal import spatiotemporal
from retrorun.biomech.synthetic import time_reversed
from retrorun.biomech.trial import ForcePlate, Trial


def _rot(angles: np.ndarray) -> np.ndarray:
    from scipy.spatial.transform import Rotation

    return Rotation.from_rotvec(angles).as_matrix()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=3, max_size=3),
       st.lists(st.floats(-2, 2), min_size=3, max_size=3), st.integers(3, 6))
def test_cluster_pose_recovers_rigid_motion(rv, tr, k) -> None:
    rng = np.random.default_rng(k)
    ref = rng.normal(scale=0.1, size=(k, 3))
    R = _rot(np.array(rv))[None].repeat(4, axis=0)
    t = np.array(tr)[None].repeat(4, axis=0)
    mov = ref @ R[0].T + t[0]
    mov = np.stack([mov] * 4)
    r_est, t_est = cluster_pose(ref, mov)
    assert np.allclose(r_est, R, atol=1e-8)
    assert np.allclose(t_est, t, atol=1e-8)
    assert np.allclose(np.linalg.det(r_est), 1.0)
    p = np.array([0.05, -0.02, 0.3])
    assert np.allclose(to_local(r_est, t_est, to_global(r_est, t_est, p)), p, atol=1e-9)


def test_cluster_pose_handles_missing_marker_and_too_few() -> None:
    ref = np.array([[0, 0, 0], [0.1, 0, 0], [0, 0.1, 0], [0, 0, 0.1]], float)
    mov = np.stack([ref + 1.0, ref + 2.0])
    mov[0, 3] = np.nan  # 3 visible: still solvable
    mov[1, 1:] = np.nan  # 1 visible: NaN pose
    _, t = cluster_pose(ref, mov)
    assert np.allclose(t[0], 1.0) and np.isnan(t[1]).all()


def test_carry_landmarks_follows_the_cluster() -> None:
    ref = {f"c{i}": np.array([v], float) for i, v in enumerate(
        [[0, 0, 0], [0.1, 0, 0], [0, 0.1, 0], [0, 0, 0.1]])}
    static = dict(ref, knee=np.array([[0.05, 0.05, -0.2]]))
    R = _rot(np.array([0.0, 0.0, np.pi / 2]))
    dyn = {k: v @ R.T + np.array([1.0, 2.0, 3.0]) for k, v in ref.items()}
    got = carry_landmarks(static, dyn, ["c0", "c1", "c2", "c3"], ["knee"])
    assert np.allclose(got["knee"], static["knee"] @ R.T + [1.0, 2.0, 3.0])


def test_threshold_contacts_min_times_and_edges() -> None:
    fs = 100.0
    f = np.zeros(100)
    f[0:10] = 500  # cut by the start
    f[20:45] = 500  # a real contact
    f[46:48] = 0  # (no gap here)
    f[60:62] = 500  # too short (20 ms < 50 ms)
    f[80:100] = 500  # cut by the end
    on, off = threshold_contacts(f, fs, threshold=20, min_contact=0.05)
    assert on.tolist() == [-1, 20, 80] and off.tolist() == [10, 45, 100]
    g = np.zeros(100)
    g[20:40] = 500
    g[41:60] = 500  # 10 ms dip bridged (min flight 20 ms)
    on, off = threshold_contacts(g, fs, min_flight=0.02)
    assert on.tolist() == [20] and off.tolist() == [60]


@settings(max_examples=30, deadline=None)
@given(st.floats(0.1, 0.9), st.floats(0.1, 0.9))
def test_crossing_is_time_reversal_symmetric(a, b) -> None:
    x = np.zeros(50)
    x[10] = a * 100
    x[11:30] = 100
    x[30] = b * 100
    on, off = threshold_contacts(x, 100, threshold=50, min_contact=0.01)
    on_f, off_f = crossing_index(x, on, off, 50)
    xr = x[::-1]
    onr, offr = threshold_contacts(xr, 100, threshold=50, min_contact=0.01)
    onr_f, offr_f = crossing_index(xr, onr, offr, 50)
    assert on_f[0] == pytest.approx(49 - offr_f[0], abs=1e-9)
    assert off_f[0] == pytest.approx(49 - onr_f[0], abs=1e-9)


def test_match_events() -> None:
    err = match_events(np.array([1.0, 2.0, 3.0]), np.array([1.01, 1.98, 5.0]))
    assert np.allclose(err, [0.01, -0.02])


def _running_events(n: int = 10, step: float = 0.35, contact: float = 0.24) -> GaitEvents:
    fs_l = np.arange(n) * 2 * step
    fs_r = fs_l + step
    return GaitEvents(SideEvents(fs_l, fs_l + contact), SideEvents(fs_r, fs_r + contact),
                      "force")


def test_spatiotemporal_on_ideal_running() -> None:
    st_ = spatiotemporal(_running_events(), mode="treadmill", speed=3.5)
    assert st_["cadence_steps_per_min"] == pytest.approx(60 / 0.35, abs=0.01)
    assert st_["contact_time_s"]["left"] == pytest.approx(0.24)
    assert st_["flight_time_s"]["mean"] == pytest.approx(0.11)
    assert st_["stride_time_s"]["mean"] == pytest.approx(0.70)
    assert st_["duty_factor"]["right"] == pytest.approx(0.24 / 0.70, rel=1e-3)
    assert st_["step_length_m"]["mean"] == pytest.approx(3.5 * 0.35)


def test_step_length_overground() -> None:
    ev = _running_events(n=4)
    t = np.linspace(0, 3, 301)
    x = 3.0 * t  # both feet land where the body is: 3 m/s × step time
    out = spatiotemporal(ev, mode="overground", travel_sign=1, foot_x={"left": x, "right": x},
                         time=t)
    assert out["step_length_m"]["mean"] == pytest.approx(1.05, abs=0.01)


def test_de_leva_table() -> None:
    for sex, tab in DE_LEVA.items():
        total = sum(s.mass_fraction * (2 if s.bilateral else 1) for s in tab.values())
        assert total == pytest.approx(1.0, abs=2e-4), sex
        assert all(0 < s.com_fraction < 1 for s in tab.values())
    assert DE_LEVA["male"]["thigh"].mass_fraction == 0.1416
    inertia = segment_inertia(70.0, 0.4222, "thigh")
    assert inertia[0] == pytest.approx(70 * 0.1416 * (0.329 * 0.4222) ** 2)


def test_harrington_geometry() -> None:
    n = 3
    lasi = np.tile([0.0, 0.12, 1.0], (n, 1))
    rasi = np.tile([0.0, -0.12, 1.0], (n, 1))
    lpsi = np.tile([-0.16, 0.05, 1.0], (n, 1))
    rpsi = np.tile([-0.16, -0.05, 1.0], (n, 1))
    _, ax = pelvis_frame(lasi, rasi, lpsi, rpsi)
    assert np.allclose(ax[0], np.eye(3))
    hl, hr = harrington_hjc(lasi, rasi, lpsi, rpsi)
    # PW 240 mm, PD 160 mm: x = -0.24*160-9.9, y(sup) = -0.30*240-10.9, z(lat) = 0.33*240+7.3
    assert np.allclose(hl[0], [-0.0483, 0.0865, 1 - 0.0829], atol=1e-4)
    assert np.allclose(hr[0], [-0.0483, -0.0865, 1 - 0.0829], atol=1e-4)


def test_filters() -> None:
    fs = 200.0
    t = np.arange(400) / fs
    slow = np.sin(2 * np.pi * 2 * t)
    y = butter_lowpass(slow + 0.5 * np.sin(2 * np.pi * 60 * t), fs, 10.0)
    assert np.max(np.abs(y[50:-50] - slow[50:-50])) < 0.02  # zero lag, 60 Hz removed
    x = slow.copy()
    x[100:105] = np.nan
    filled, mask = fill_gaps(x)
    assert mask.sum() == 5 and np.isfinite(filled).all()
    assert np.isnan(butter_lowpass(x, fs, 10.0)[100:105]).all()


def _toy_trial(rot: np.ndarray) -> Trial:
    """Two standing 'legs' under a pelvis, axes given by rot (lab→file)."""
    n = 20
    lab = {"LASI": [0.1, 0.12, 1.0], "RASI": [0.1, -0.12, 1.0], "LPSI": [-0.05, 0.05, 1.05],
           "RPSI": [-0.05, -0.05, 1.05], "LHEE": [-0.05, 0.1, 0.05], "RHEE": [-0.05, -0.1, 0.05],
           "LTOE": [0.15, 0.1, 0.03], "RTOE": [0.15, -0.1, 0.03]}
    markers = {k: np.tile(np.array(v) @ rot.T, (n, 1)) for k, v in lab.items()}
    plate = ForcePlate(force=np.tile(np.array([0, 0, -700.0]) @ rot.T, (n, 1)),
                       cop=np.tile(np.array([0.05, 0.1, 0]) @ rot.T, (n, 1)),
                       free_moment=np.zeros((n, 3)))
    return Trial(markers=markers, point_rate=100.0, plates=[plate], force_rate=100.0)


@settings(max_examples=20, deadline=None)
@given(st.floats(-np.pi, np.pi), st.sampled_from(["z", "y"]))
def test_lab_frame_is_independent_of_file_axes(yaw, up) -> None:
    rot = _rot(np.array([0, 0, yaw]))
    if up == "y":  # Y-up file: lab Z → file Y
        rot = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], float).T @ rot
    tr = to_lab_frame(_toy_trial(rot), PROFILES["pig_cgm"])
    assert np.allclose(tr.markers["LASI"][0], [0.1, 0.12, 1.0], atol=1e-9)
    assert np.allclose(tr.markers["RTOE"][0], [0.15, -0.1, 0.03], atol=1e-9)
    # plate reported the force on the plate (downwards): flipped to act on the body
    assert np.allclose(tr.plates[0].force[0], [0, 0, 700.0], atol=1e-9)


def test_time_reversal_twice_is_identity() -> None:
    tr = _toy_trial(np.eye(3))
    tr.markers["LHEE"] = tr.markers["LHEE"] + np.arange(20)[:, None] * 0.01
    rr = time_reversed(time_reversed(tr))
    assert rr.synthetic
    assert np.allclose(rr.markers["LHEE"], tr.markers["LHEE"])
    assert np.allclose(rr.force_time, tr.force_time)
    assert np.allclose(time_reversed(tr).markers["LHEE"][0], tr.markers["LHEE"][-1])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.booleans())
def test_quaternion_rotation_equals_svd_rotation(seed, planar) -> None:
    from retrorun.biomech.clusters import _rotation_from_covariance, _svd_rotation

    rng = np.random.default_rng(seed)
    ref = rng.normal(scale=0.1, size=(4, 3))
    if planar:
        ref[:, 2] = 0.0  # coplanar cluster: det H ≈ 0 (noise flips its sign)
    R = _rot(rng.normal(size=(50, 3)))
    mov = np.einsum("nij,kj->nki", R, ref) + rng.normal(scale=1e-4, size=(50, 4, 3))
    a = ref - ref.mean(axis=0)
    b = mov - mov.mean(axis=1, keepdims=True)
    h = np.matmul(np.broadcast_to(a, b.shape).transpose(0, 2, 1), b)
    got, ref_r = _rotation_from_covariance(h), _svd_rotation(h)
    assert np.allclose(got, ref_r, atol=1e-8)
    assert np.allclose(np.linalg.det(got), 1.0)


def test_json_safe() -> None:
    from retrorun.biomech.analysis import _json_safe

    out = _json_safe({"a": np.float64("nan"), "b": [np.int64(3), np.inf], "c": np.arange(2)})
    assert out == {"a": None, "b": [3, None], "c": [0, 1]}


def _fp_params(typ: int, nch: int, origin=(0.0, 0.0, -20.0)) -> dict:
    # plate 400 × 600 mm centred at (1000, 500, 0) with plate axes = lab axes:
    # corner 1 (+x, +y), then clockwise seen from above (C3D convention)
    corners = np.array([[1200, 800, 0], [800, 800, 0], [800, 200, 0], [1200, 200, 0]],
                       float).T[:, :, None]
    return {"FORCE_PLATFORM": {
        "USED": {"value": [1]}, "TYPE": {"value": [typ]},
        "CORNERS": {"value": corners}, "ORIGIN": {"value": np.array(origin)[:, None]},
        "CHANNEL": {"value": np.arange(1, nch + 1)[:, None]},
        "CAL_MATRIX": {"value": np.zeros((0,))}}}


def test_plate_type2_cop_and_free_moment() -> None:
    from retrorun.biomech.io_c3d import plates_from_analogs

    fx, fy, fz = 10.0, -20.0, 800.0
    cx, cy = 50.0, -30.0  # COP in plate coordinates, mm, on the surface
    tz = 1500.0  # free moment, N·mm
    # moments about the surface centre (ORIGIN = 0): r = (cx, cy, 0) from centre to COP
    mx = cy * fz
    my = -cx * fz
    mz = cx * fy - cy * fx + tz
    an = np.array([[fx], [fy], [fz], [mx], [my], [mz]]) * np.ones((1, 5))
    (p,) = plates_from_analogs(_fp_params(2, 6, origin=(0.0, 0.0, 0.0)), an)
    assert np.allclose(p["force"][0], [fx, fy, fz])
    assert np.allclose(p["cop"][0], [1000 + cx, 500 + cy, 0.0])
    assert np.allclose(p["tz"][0], [0.0, 0.0, tz])
    # a transducer offset is applied as in ezc3d: M_centre = M + F × ORIGIN (ORIGIN z ≤ 0)
    (q,) = plates_from_analogs(_fp_params(2, 6, origin=(0.0, 0.0, 20.0)), an)
    m = np.array([mx, my, mz]) + np.cross([fx, fy, fz], [0.0, 0.0, -20.0])
    assert np.allclose(q["cop"][0], [1000 - m[1] / fz, 500 + m[0] / fz, 0.0])


def test_plate_type1_reports_cop_directly() -> None:
    from retrorun.biomech.io_c3d import plates_from_analogs

    an = np.array([[5.0], [0.0], [700.0], [12.0], [-40.0], [300.0]])
    (p,) = plates_from_analogs(_fp_params(1, 6), an)
    assert np.allclose(p["force"][0], [5.0, 0.0, 700.0])
    assert np.allclose(p["cop"][0], [1012.0, 460.0, 0.0])
    assert np.allclose(p["tz"][0], [0.0, 0.0, 300.0])
    with pytest.raises(ValueError, match="type 5"):
        plates_from_analogs(_fp_params(5, 6), an)


@pytest.mark.parametrize("shape", [(300,), (300, 3), (12,), (4500, 7)])
@pytest.mark.parametrize(("fs", "cutoff", "order"), [
    (150.0, 10.0, 4), (150.0, 12.0, 4), (300.0, 12.0, 4), (150.0, 20.0, 4), (100.0, 6.0, 2),
    (2000.0, 15.0, 4), (150.0, 74.0, 4), (150.0, 1.0, 3), (200.0, 8.0, 6)])
def test_butter_matches_scipy_sosfiltfilt(shape, fs, cutoff, order) -> None:
    """butter_lowpass (cached design and initial conditions, columns as rows) is scipy's
    butter + sosfiltfilt (odd padding, steady-state initial conditions)."""
    from scipy.signal import butter, sosfiltfilt

    x = 100.0 + np.random.default_rng(0).normal(size=shape).cumsum(axis=0)
    sos = butter(order, min(cutoff / (fs / 2), 0.99), output="sos")
    padlen = min(3 * (2 * len(sos) + 1), shape[0] - 1)
    ref = sosfiltfilt(sos, x, axis=0, padlen=padlen)
    got = butter_lowpass(x, fs, cutoff, order=order)
    assert np.abs(got - ref).max() <= 1e-11 * np.ptp(x)


def test_butter_keeps_nan_and_bridges_gaps() -> None:
    x = np.sin(np.linspace(0, 6, 400))[:, None] * np.ones((1, 2))
    x[100:110, 0] = np.nan
    y = butter_lowpass(x, 100.0, 6.0)
    assert np.isnan(y[100:110, 0]).all() and np.isfinite(y[:, 1]).all()
    assert np.abs(y[np.isfinite(y)] - x[np.isfinite(y)]).max() < 0.01


def test_cluster_rotation_equals_svd_on_real_near_planar_clusters(real_data) -> None:
    """The RBDS001 thigh/shank clusters are near planar (σ₃/σ₁ ≈ 10⁻⁴) and noise flips
    det H < 0 in up to 70 % of the frames, where the SVD solution needs its reflection
    correction. The quaternion solution must equal it to 1e-9 (float noise is ~1e-14)."""
    from retrorun.biomech.clusters import _rotation_from_covariance, _svd_rotation
    from retrorun.biomech.io import load_trial

    d = real_data / "rbds_fukuchi2017"
    t = load_trial(d / "RBDS001runT35.c3d", static=d / "RBDS001static.c3d")
    ms = t.markerset
    n_refl = 0
    for name in ("LTHIGH", "RTHIGH", "LSHANK", "RSHANK"):
        labs = [c for c in ms.clusters[name] if c in t.markers and c in t.static.markers]
        ref = np.stack([np.nanmean(t.static.markers[c], axis=0) for c in labs])
        mov = np.stack([t.markers[c] for c in labs], axis=1)
        a = ref - ref.mean(axis=0)
        b = mov - mov.mean(axis=1, keepdims=True)
        h = np.matmul(np.broadcast_to(a, b.shape).transpose(0, 2, 1), b)
        h = h[np.isfinite(h).all(axis=(1, 2))]
        n_refl += int((np.linalg.det(h) < 0).sum())
        got, ref_r = _rotation_from_covariance(h), _svd_rotation(h)
        assert np.abs(got - ref_r).max() < 1e-9, name
        assert np.allclose(np.linalg.det(got), 1.0, atol=1e-12)
    assert n_refl > 1000  # the near-planar (det H < 0) branch is really exercised


def test_cluster_rotation_degenerate_clusters() -> None:
    """Noise-free coplanar clusters (det H ≈ 0): the rotation equals the SVD reference.
    Near-collinear clusters (σ₂/σ₁ ≈ 1e-16): the rotation about the line is undetermined,
    so any proper rotation with the least-squares residual of the SVD solution is right."""
    from retrorun.biomech.clusters import _rotation_from_covariance, _svd_rotation

    rng = np.random.default_rng(3)
    planar = np.c_[rng.normal(scale=0.1, size=(4, 2)), np.zeros(4)]
    line = np.outer(np.linspace(-0.1, 0.1, 4), [1.0, 0.0, 0.0]) + rng.normal(
        scale=1e-9, size=(4, 3))
    for ref, same in ((planar, True), (line, False)):
        R = _rot(rng.normal(size=(20, 3)))
        mov = np.einsum("nij,kj->nki", R, ref)
        a = ref - ref.mean(axis=0)
        b = mov - mov.mean(axis=1, keepdims=True)
        h = np.matmul(np.broadcast_to(a, b.shape).transpose(0, 2, 1), b)
        got, svd = _rotation_from_covariance(h), _svd_rotation(h)
        assert np.allclose(np.linalg.det(got), 1.0)
        assert np.allclose(np.matmul(got, got.transpose(0, 2, 1)), np.eye(3), atol=1e-12)
        if same:
            assert np.allclose(got, svd, atol=1e-9)
        res_got = np.linalg.norm(b - np.einsum("nij,kj->nki", got, a), axis=(1, 2))
        res_svd = np.linalg.norm(b - np.einsum("nij,kj->nki", svd, a), axis=(1, 2))
        assert np.allclose(res_got, res_svd, atol=1e-9)


@pytest.mark.parametrize("angle_deg", [0.0, 90.0, 150.0, 179.0, 179.999, 180.0])
def test_cluster_rotation_near_half_turn(angle_deg) -> None:
    """Rotations near 180° (quaternion q₀ ≈ 0: the first adjugate column vanishes, another
    column is used) and the identity equal the SVD reference; missing frames give NaN."""
    from retrorun.biomech.clusters import _rotation_from_covariance, _svd_rotation

    rng = np.random.default_rng(int(angle_deg * 1000))
    ref = rng.normal(scale=0.1, size=(4, 3))
    axes = rng.normal(size=(30, 3))
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    R = _rot(axes * np.radians(angle_deg))
    mov = np.einsum("nij,kj->nki", R, ref) + rng.normal(scale=1e-5, size=(30, 4, 3))
    a = ref - ref.mean(axis=0)
    b = mov - mov.mean(axis=1, keepdims=True)
    h = np.matmul(np.broadcast_to(a, b.shape).transpose(0, 2, 1), b)
    h[3] = np.nan
    got, svd = _rotation_from_covariance(h), _svd_rotation(np.nan_to_num(h))
    assert np.isnan(got[3]).all()
    keep = np.arange(30) != 3
    assert np.abs(got[keep] - svd[keep]).max() < 1e-9
    assert np.abs(got[keep] - R[keep]).max() < 1e-3


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 0.6))
def test_nan_mean_sd_and_cycle_metrics_equal_numpy_nan_functions(seed, frac) -> None:
    """The fast NaN statistics equal numpy's nan-functions, whole NaN cycles included,
    for single curves (C, n) and stacks (C, n, k)."""
    import warnings

    from retrorun.biomech.cycles import cycle_metrics, nan_mean_sd

    rng = np.random.default_rng(seed)
    c = rng.normal(size=(7, 11, 3))
    c[rng.random(c.shape) < frac] = np.nan
    c[2, :, 1] = np.nan
    m, sd = nan_mean_sd(c, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.allclose(m, np.nanmean(c, axis=0), equal_nan=True, atol=1e-12)
        assert np.allclose(sd, np.nanstd(c, axis=0), equal_nan=True, atol=1e-12)
        for x in (c, c[:, :, 0]):
            met = cycle_metrics(x)
            assert np.array_equal(met["peak"], np.nanmax(x, axis=1), equal_nan=True)
            assert np.array_equal(met["min"], np.nanmin(x, axis=1), equal_nan=True)
            allnan = np.isnan(x).all(axis=1)
            arg = np.argmax(np.where(np.isnan(x), -np.inf, x), axis=1) * 10.0
            assert np.array_equal(met["peak_time_pct"][~allnan], arg[~allnan])
            assert np.isnan(met["peak_time_pct"][allnan]).all()


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 100_000), st.integers(1, 400), st.integers(1, 40),
       st.floats(0.0, 2.0), st.sampled_from(["noise", "plateaus", "sine", "levels"]))
def test_find_peaks_equals_scipy(seed, n, distance, prominence, kind) -> None:
    """events.find_peaks selects exactly scipy.signal.find_peaks(distance, prominence),
    flat tops and ties included."""
    from scipy.signal import find_peaks as scipy_find_peaks

    from retrorun.biomech.events import find_peaks

    rng = np.random.default_rng(seed)
    x = {"noise": lambda: rng.normal(size=n),
         "plateaus": lambda: np.round(rng.normal(size=n) * 2),
         "sine": lambda: np.sin(np.arange(n) / rng.uniform(2, 20)) + 0.1 * rng.normal(size=n),
         "levels": lambda: rng.integers(0, 3, size=n).astype(float)}[kind]()
    ref, _ = scipy_find_peaks(x, distance=distance, prominence=prominence)
    assert np.array_equal(find_peaks(x, distance, prominence), ref)


def test_butter_design_equals_scipy() -> None:
    """Our Butterworth sections give scipy.signal.butter's transfer function and
    sosfilt_zi's steady state (a step input stays at its level from the first sample)."""
    from scipy.signal import butter, sosfilt, sosfreqz

    from retrorun.biomech.filters import _sos, _sosfilt

    for order in (1, 2, 3, 4, 6):
        for wn in (0.01, 0.08, 0.16, 0.5, 0.99):
            sos, zi = _sos(order, wn)
            ref = butter(order, wn, output="sos")
            _, h = sosfreqz(sos, worN=256)
            _, h_ref = sosfreqz(ref, worN=256)
            assert np.abs(h - h_ref).max() < 1e-9, (order, wn)
            step = np.full((2, 50), 3.0)
            z0 = np.repeat(zi[:, None, :] * 3.0, 2, axis=1)  # (sections, rows, 2)
            y = _sosfilt(sos, step, z0)
            assert np.allclose(y, 3.0, atol=1e-9), (order, wn)
            assert np.allclose(y, sosfilt(sos, step, axis=-1, zi=z0)[0], atol=1e-12)


def test_sosfilt_fallback_equals_kernel(monkeypatch) -> None:
    """Without the compiled kernel (another scipy layout) the public sosfilt is used, with
    the same result."""
    from retrorun.biomech import _scipy_kernels

    x = np.random.default_rng(2).normal(size=(600, 3)).cumsum(axis=0)
    fast = butter_lowpass(x, 150.0, 10.0)
    monkeypatch.setattr(_scipy_kernels, "sosfilt_kernel", lambda: None)
    assert np.array_equal(butter_lowpass(x, 150.0, 10.0), fast)


def test_find_peaks_fallback_equals_kernels(monkeypatch) -> None:
    from retrorun.biomech import _scipy_kernels
    from retrorun.biomech.events import find_peaks

    x = np.sin(np.arange(900) / 15.0) + 0.05 * np.random.default_rng(4).normal(size=900)
    fast = find_peaks(x, 60, 0.5)
    monkeypatch.setattr(_scipy_kernels, "peak_kernels", lambda: None)
    assert np.array_equal(find_peaks(x, 60, 0.5), fast) and fast.size == 10
