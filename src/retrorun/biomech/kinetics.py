"""Knee–GRF alignment and knee moments.

Two estimates of the knee's frontal-plane loading during stance:

1. **Lever arm / quasi-static KAM** — the ground-reaction force (GRF) line of action through
   the centre of pressure (COP) and its perpendicular distance to the knee joint centre
   (KJC) in the **frontal plane of the shank** (the plane normal to the shank's anterior
   axis). The external knee adduction moment (KAM) is the moment of the GRF (plus the free
   moment) about the KJC, projected on the shank's anterior axis.
2. **Bottom-up Newton–Euler inverse dynamics** (foot → shank) with de Leva (1996) inertia:
   the net internal knee moment acting on the shank, expressed in the shank frame.

They differ only by the weight and inertia (linear and angular acceleration) of the foot and
shank; :func:`compare_knee_moment_estimates` quantifies that difference.

Sign conventions (the same on both sides; ISB segment axes X anterior, Y up, Z right):
external moments, **flexion +, adduction (varus) +, internal rotation +**; a positive lever
arm means the GRF passes **medial** to the knee (it produces an external adduction moment).
Units: SI inside (m, N, N·m); ``%BW·Ht`` = 100·M / (m·g·height).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrorun.biomech.segments import Frames, cross_rows

__all__ = [
    "G",
    "GroundReaction",
    "SegmentInertia",
    "angular_kinematics",
    "compare_knee_moment_estimates",
    "external_knee_moment_lever",
    "inverse_dynamics_knee",
    "knee_lever_arm",
    "lowpass",
    "segment_inertia",
]

#: standard gravity, m/s^2
G = 9.80665


@dataclass(frozen=True)
class GroundReaction:
    """GRF acting on one foot, on the marker time base.

    force : (N, 3) N, acting on the body; cop : (N, 3) m (NaN when unloaded);
    free_moment : (N, 3) N·m about the COP (vertical component only is physical).
    """

    force: np.ndarray
    cop: np.ndarray
    free_moment: np.ndarray


@dataclass(frozen=True)
class SegmentInertia:
    """Body-segment parameters of one segment.

    mass : kg; com_ratio : COM position from the proximal (shank: knee; foot: heel) end as
    a fraction of segment length; radii : radii of gyration (fraction of length) about the
    segment's (X anterior, Y superior, Z right) axes.
    """

    mass: float
    com_ratio: float
    radii: tuple[float, float, float]


def segment_inertia(segment: str, body_mass: float, sex: str = "male") -> SegmentInertia:
    """De Leva (1996) parameters of ``"shank"`` or ``"foot"`` mapped to ISB segment axes.

    Uses :data:`retrorun.biomech.anthropometry.DE_LEVA`. For the shank (long axis Y) the
    transverse radius is about X, longitudinal about Y, sagittal about Z; for the foot
    (long axis X) longitudinal is about X, transverse about Y, sagittal about Z.
    """
    from retrorun.biomech.anthropometry import DE_LEVA

    row = DE_LEVA[sex][segment]
    sag, trans, lon = row.r_sagittal, row.r_transverse, row.r_longitudinal
    radii = (lon, trans, sag) if segment == "foot" else (trans, lon, sag)
    return SegmentInertia(row.mass_fraction * body_mass, row.com_fraction, radii)


def lowpass(x: np.ndarray, rate: float, cutoff: float, order: int = 4) -> np.ndarray:
    """Zero-lag Butterworth low-pass along axis 0 (``retrorun.biomech.filters``), NaN kept."""
    from retrorun.biomech.filters import butter_lowpass

    return butter_lowpass(x, rate, cutoff, order=order)


def _side_sign(side: str) -> float:
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    return 1.0 if side == "right" else -1.0


_cross = cross_rows  # row-wise (N, 3) cross products


def _to_local(R: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``R[n]ᵀ v[n]`` per frame (einsum: about twice as fast as a stacked ``matmul``)."""
    return np.einsum("nji,nj->ni", R, v)


def _to_global(R: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``R[n] v[n]`` per frame."""
    return np.einsum("nij,nj->ni", R, v)


def external_knee_moment_lever(
    knee: np.ndarray, grf: GroundReaction, shank: Frames, side: str
) -> np.ndarray:
    """Moment of the GRF about the knee joint centre (quasi-static estimate).

    Returns (N, 3) external moments in N·m, clinical signs: (flexion +, adduction +,
    internal rotation +), about the shank's (Z, X, Y) axes. NaN outside stance.
    """
    s = _side_sign(side)
    M = _cross(grf.cop - knee, grf.force) + grf.free_moment
    loc = _to_local(shank.R, M)  # (X anterior, Y up, Z right)
    # external flexion: GRF posterior to the knee -> moment about +Z is negative
    return np.stack([-loc[:, 2], s * loc[:, 0], s * loc[:, 1]], axis=-1)


def knee_lever_arm(knee: np.ndarray, grf: GroundReaction, shank: Frames, side: str) -> np.ndarray:
    """Signed frontal-plane lever arm of the GRF about the knee joint centre, m.

    The GRF line (through the COP) and the KJC are projected on the shank's frontal plane
    (normal = shank anterior axis X); the lever arm is the perpendicular distance from the
    KJC to the projected line, positive when the line passes medial to the knee.
    """
    s = _side_sign(side)
    r = _to_local(shank.R, grf.cop - knee)
    f = _to_local(shank.R, grf.force)
    # in-plane components (Y, Z); moment about X = r_y f_z - r_z f_y
    mx = r[:, 1] * f[:, 2] - r[:, 2] * f[:, 1]
    fyz = np.hypot(f[:, 1], f[:, 2])
    with np.errstate(invalid="ignore", divide="ignore"):
        return s * mx / fyz


def angular_kinematics(frames: Frames, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Angular velocity and acceleration (lab frame, rad/s and rad/s²) from frame derivatives.

    ``ω̃ = Ṙ Rᵀ`` with ``Ṙ`` by central differences; ``α = dω/dt``.
    """
    dt = 1.0 / rate
    R = frames.R
    Rd = np.gradient(R, dt, axis=0)

    def w_ij(i: int, j: int) -> np.ndarray:  # (Ṙ Rᵀ)[i, j]: row i of Ṙ · row j of R
        return Rd[:, i, 0] * R[:, j, 0] + Rd[:, i, 1] * R[:, j, 1] + Rd[:, i, 2] * R[:, j, 2]

    # only the three skew components of W = Ṙ Rᵀ are needed
    w = 0.5 * np.stack([w_ij(2, 1) - w_ij(1, 2), w_ij(0, 2) - w_ij(2, 0),
                        w_ij(1, 0) - w_ij(0, 1)], axis=-1)
    return w, np.gradient(w, dt, axis=0)


def _segment_dynamics(
    frames: Frames, com: np.ndarray, inertia: SegmentInertia, length: float, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """(m·a, dH/dt about the COM) of a rigid segment in the lab frame."""
    dt = 1.0 / rate
    acc = np.gradient(np.gradient(com, dt, axis=0), dt, axis=0)
    w, a = angular_kinematics(frames, rate)
    I_loc = inertia.mass * (np.asarray(inertia.radii) * length) ** 2
    R = frames.R
    i_loc = np.asarray(I_loc, float)
    # I_g v = R (I_loc ⊙ Rᵀ v): the principal inertia stays diagonal in the segment frame
    Iw = _to_global(R, i_loc * _to_local(R, w))
    dH = _to_global(R, i_loc * _to_local(R, a)) + _cross(w, Iw)
    return inertia.mass * acc, dH


@dataclass(frozen=True)
class InverseDynamicsResult:
    """Net joint loads from bottom-up Newton–Euler (foot → shank), lab frame, SI.

    ``knee_moment`` / ``ankle_moment``: internal moment exerted on the distal segment by
    the proximal one, N·m (lab). ``knee_moment_external``: (flexion, adduction, internal
    rotation) external moments in the shank frame, clinical signs as the lever estimate.
    """

    knee_force: np.ndarray
    knee_moment: np.ndarray
    ankle_force: np.ndarray
    ankle_moment: np.ndarray
    knee_moment_external: np.ndarray


def inverse_dynamics_knee(
    *,
    knee: np.ndarray,
    ankle: np.ndarray,
    heel: np.ndarray,
    toe: np.ndarray,
    shank: Frames,
    foot: Frames,
    grf: GroundReaction,
    shank_inertia: SegmentInertia,
    foot_inertia: SegmentInertia,
    rate: float,
    side: str,
    gravity: np.ndarray | tuple[float, float, float] = (0.0, 0.0, -G),
    at: np.ndarray | None = None,
) -> InverseDynamicsResult:
    """Bottom-up Newton–Euler inverse dynamics for the foot and shank.

    Positions must already be low-pass filtered (and the GRF with the same cut-off).
    Foot COM lies on heel→toe at ``foot_inertia.com_ratio``; shank COM on knee→ankle at
    ``shank_inertia.com_ratio`` (de Leva: from the proximal end). Outside stance pass a zero
    force (and any finite COP) to get the swing-phase moments.

    *at* (bool, N): compute only these frames (e.g. stance), NaN elsewhere. The work is
    done on the frames of *at* padded by 3 frames on each side — enough neighbours for
    the central differences of the accelerations — so the values at *at* are the same as
    those of the whole-trial computation (segment lengths are whole-trial medians).
    """
    lengths = (float(np.nanmedian(np.linalg.norm(toe - heel, axis=1))),
               float(np.nanmedian(np.linalg.norm(knee - ankle, axis=1))))
    if at is not None:
        at = np.asarray(at, bool)
        n = at.size
        sel = _padded_frames(at, 3)
        sub = _inverse_dynamics(
            knee[sel], ankle[sel], heel[sel], toe[sel],
            Frames(shank.R[sel], shank.origin[sel]), Frames(foot.R[sel], foot.origin[sel]),
            GroundReaction(grf.force[sel], grf.cop[sel], grf.free_moment[sel]),
            shank_inertia, foot_inertia, rate, side, gravity, lengths)
        keep = at[sel]

        def back(x: np.ndarray) -> np.ndarray:
            out = np.full((n, 3), np.nan)
            out[sel[keep]] = x[keep]
            return out

        return InverseDynamicsResult(*(back(x) for x in (
            sub.knee_force, sub.knee_moment, sub.ankle_force, sub.ankle_moment,
            sub.knee_moment_external)))
    return _inverse_dynamics(knee, ankle, heel, toe, shank, foot, grf, shank_inertia,
                             foot_inertia, rate, side, gravity, lengths)


def _padded_frames(mask: np.ndarray, pad: int) -> np.ndarray:
    """Sorted indices of the True frames of *mask* and *pad* frames around each run."""
    d = np.zeros(mask.size + 1, int)
    idx = np.flatnonzero(mask)
    np.add.at(d, np.clip(idx - pad, 0, mask.size), 1)
    np.add.at(d, np.clip(idx + pad + 1, 0, mask.size), -1)
    return np.flatnonzero(np.cumsum(d)[:-1] > 0)


def _inverse_dynamics(knee: np.ndarray, ankle: np.ndarray, heel: np.ndarray, toe: np.ndarray,
                      shank: Frames, foot: Frames, grf: GroundReaction,
                      shank_inertia: SegmentInertia, foot_inertia: SegmentInertia,
                      rate: float, side: str, gravity, lengths: tuple[float, float]
                      ) -> InverseDynamicsResult:
    """:func:`inverse_dynamics_knee` on the given frames; *lengths* = (foot heel→toe,
    shank knee→ankle), m."""
    s = _side_sign(side)
    g = np.asarray(gravity, float)
    F_grf = np.nan_to_num(grf.force)
    cop = np.where(np.isnan(grf.cop), ankle, grf.cop)
    T = np.nan_to_num(grf.free_moment)
    # foot
    L_f, L_s = lengths
    c_f = heel + foot_inertia.com_ratio * (toe - heel)
    ma_f, dH_f = _segment_dynamics(foot, c_f, foot_inertia, L_f, rate)
    F_a = ma_f - foot_inertia.mass * g - F_grf  # on foot by shank
    M_a = dH_f - T - _cross(cop - c_f, F_grf) - _cross(ankle - c_f, F_a)
    # shank
    c_s = knee + shank_inertia.com_ratio * (ankle - knee)
    ma_s, dH_s = _segment_dynamics(shank, c_s, shank_inertia, L_s, rate)
    F_k = ma_s - shank_inertia.mass * g + F_a  # on shank by thigh
    M_k = dH_s + M_a - _cross(ankle - c_s, -F_a) - _cross(knee - c_s, F_k)
    loc = _to_local(shank.R, -M_k)  # external = -internal
    ext = np.stack([-loc[:, 2], s * loc[:, 0], s * loc[:, 1]], axis=-1)
    return InverseDynamicsResult(F_k, M_k, F_a, M_a, ext)


def compare_knee_moment_estimates(
    lever: np.ndarray, inverse: np.ndarray, stance: np.ndarray
) -> dict[str, float]:
    """Agreement of the lever-arm KAM and the inverse-dynamics frontal moment in stance.

    Parameters
    ----------
    lever, inverse : (N,) arrays, N·m (or normalised, same units)
    stance : (N,) bool mask

    Returns
    -------
    dict with ``rms_diff``, ``mean_diff`` (inverse − lever), ``peak_lever``, ``peak_inverse``
    (max over stance), ``rms_diff_pct_peak`` (100·rms / |peak lever|) and Pearson ``r``.
    """
    m = stance & ~np.isnan(lever) & ~np.isnan(inverse)
    if m.sum() < 3:
        return {"n": int(m.sum())}
    d = inverse[m] - lever[m]
    peak = float(np.max(np.abs(lever[m])))
    return {
        "n": int(m.sum()),
        "rms_diff": float(np.sqrt(np.mean(d**2))),
        "mean_diff": float(np.mean(d)),
        "peak_lever": float(np.max(lever[m])),
        "peak_inverse": float(np.max(inverse[m])),
        "rms_diff_pct_peak": float(100.0 * np.sqrt(np.mean(d**2)) / peak) if peak > 0 else np.nan,
        "r": float(np.corrcoef(lever[m], inverse[m])[0, 1]),
    }
