"""Lower-limb kinematic model: segment frames and joint angles for both sides at once.

Input is plain data: a ``markers`` dict name → (N, 3) array (metres, one lab frame) and a
``centres`` dict of joint centres named like :func:`retrorun.biomech.jointcentres.joint_centres`
returns them (``"hip_l"``, ``"knee_l"``, ``"ankle_l"``, ``..._r``). A
:class:`retrorun.biomech.markersets.MarkerSet` says which marker plays which anatomical role
(roles ``LASI RASI LPSI RPSI`` and per side ``SKNE`` lateral epicondyle, ``SANK`` lateral
malleolus, ``STOE`` toe/forefoot, ``SHEE`` heel).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from retrorun.biomech.angles import joint_angles
from retrorun.biomech.markersets import PROFILES, MarkerSet
from retrorun.biomech.segments import (
    Frames,
    foot_frame,
    frame_from_axes,
    pelvis_frame,
    shank_frame,
    thigh_frame,
)

__all__ = ["LowerLimbKinematics", "lower_limb_kinematics"]

@dataclass
class LowerLimbKinematics:
    """Segment frames and joint angles (radians) of both legs.

    ``frames`` keys: ``"pelvis"``, ``"thigh_l"``, ``"shank_l"``, ``"foot_l"`` (and ``_r``);
    ``"shank_l"`` is the shank as seen by the knee (untorsioned when a tibial torsion is
    given), ``"shank_ankle_l"`` the malleolar shank used for the ankle;
    ``angles`` keys: ``"hip_l"``, ``"knee_l"``, ``"ankle_l"`` (and ``_r``), each (N, 3):
    (flexion, adduction, rotation) as documented in :mod:`retrorun.biomech.angles`.
    """

    frames: dict[str, Frames] = field(default_factory=dict)
    angles: dict[str, np.ndarray] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def _rmul(R: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``R[n] @ M`` for every frame as one (3N × 3) BLAS product (a stacked ``matmul`` of
    3×3 matrices is several times slower)."""
    R = np.ascontiguousarray(R)
    return (R.reshape(-1, 3) @ M).reshape(R.shape)


def _rot_y(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _rot_z(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _get(markers: dict, centres: dict, ms: MarkerSet, key: str, role: str) -> np.ndarray | None:
    """Centre-dict override *key* first, then the marker-set *role*."""
    if key in centres:
        return np.asarray(centres[key], float)
    v = ms.get(markers, role)
    return None if v is None else np.asarray(v, float)


def lower_limb_kinematics(
    markers: dict[str, np.ndarray],
    centres: dict[str, np.ndarray],
    markerset: str | MarkerSet = "pig_cgm",
    *,
    ankle_convention: str = "isb",
    foot_from_heel: bool = False,
    tibial_torsion: dict[str, float] | None = None,
    foot_offsets: dict[str, tuple[float, float]] | None = None,
) -> LowerLimbKinematics:
    """Frames and angles of pelvis, thighs, shanks and feet.

    Parameters
    ----------
    markers : dict of (N, 3) arrays, metres, lab frame.
    centres : dict of (N, 3) arrays
        ``hip_l``, ``knee_l``, ``ankle_l`` (and ``_r``). Optional lateral landmark
        overrides ``knee_lat_l``/``ankle_lat_l`` (e.g. static landmarks tracked by clusters).
    markerset : str or MarkerSet
        Profile name in :data:`retrorun.biomech.markersets.PROFILES` or a resolved set.
    ankle_convention : {"isb", "pig"}
    foot_from_heel : bool
        Foot long axis heel→toe (a foot flat on the ground reads ~0° dorsiflexion) instead
        of ankle joint centre→toe (Plug-in Gait, which then needs a static offset).
        With a 5th-metatarsal marker (role ``SMT5``) the foot's medio-lateral axis comes
        from the forefoot and ankle inversion is measured; otherwise it is ``NaN`` (ISB).
    tibial_torsion : dict, optional
        ``{"left": rad, "right": rad}`` (Plug-in Gait ``TibialTorsion``): the knee then uses
        the "untorsioned" tibia (malleolar shank frame rotated back about its long axis),
        so tibial torsion is not counted as knee rotation. Without it, knee rotation
        includes the subject's (constant) tibial torsion.
    foot_offsets : dict, optional
        ``{"left": (static_plantarflexion, static_rotation_offset)}`` in rad (Plug-in Gait
        ``StaticPlantFlex``/``StaticRotOff`` from a static trial).

    Segments whose inputs are missing are skipped and listed in ``missing``. Without a
    lateral knee landmark the thigh's medio-lateral axis is taken from the pelvis
    (``knee_lateral_l`` in ``missing``): hip rotation and knee ab/adduction/rotation are then
    NaN; without a lateral malleolus, knee rotation and ankle inversion/rotation are NaN.
    """
    ms = PROFILES[markerset] if isinstance(markerset, str) else markerset
    out = LowerLimbKinematics()
    pel = [_get(markers, centres, ms, "", k) for k in ("LASI", "RASI", "LPSI", "RPSI")]
    if any(p is None for p in pel):
        out.missing.append("pelvis")
        pelvis = None
    else:
        hips = [centres.get("hip_l"), centres.get("hip_r")]
        origin = 0.5 * (hips[0] + hips[1]) if all(h is not None for h in hips) else None
        pelvis = pelvis_frame(*pel, origin=origin)
        out.frames["pelvis"] = pelvis
    for side in ("left", "right"):
        t = side[0]
        hjc, kjc, ajc = (centres.get(f"{j}_{t}") for j in ("hip", "knee", "ankle"))
        S = t.upper()
        klat = _get(markers, centres, ms, f"knee_lat_{t}", S + "KNE")
        alat = _get(markers, centres, ms, f"ankle_lat_{t}", S + "ANK")
        toe = _get(markers, centres, ms, f"toe_{t}", S + "TOE")
        heel = _get(markers, centres, ms, f"heel_{t}", S + "HEE")
        thigh = shank = None
        thigh_fallback = False
        sgn_ = 1.0 if side == "right" else -1.0
        if klat is not None and kjc is not None and pelvis is not None:
            # the lateral knee landmark must be lateral of the knee joint centre; if not
            # (e.g. a poor functional centre) it cannot orient the femur
            lat = np.einsum("ni,ni->n", sgn_ * (klat - kjc), pelvis.R[:, :, 2])
            if not np.nanmedian(lat) > 0:
                klat = None
                out.missing.append(f"knee_centre_lateral_{t}")
        if hjc is not None and kjc is not None and klat is not None:
            thigh = thigh_frame(hjc, kjc, klat, side)
            out.frames[f"thigh_{t}"] = thigh
        elif hjc is not None and kjc is not None and pelvis is not None:
            # no lateral knee landmark: medio-lateral direction borrowed from the pelvis;
            # flexion/adduction stay valid, axial rotations are not measured (set NaN)
            thigh = Frames(frame_from_axes(hjc - kjc, pelvis.R[:, :, 2], "YZ"),
                           np.asarray(kjc, float))
            out.frames[f"thigh_{t}"] = thigh
            thigh_fallback = True
            out.missing.append(f"knee_lateral_{t}")
        else:
            out.missing.append(f"thigh_{t}")
        sgn = 1.0 if side == "right" else -1.0
        ank_shank = None
        if kjc is not None and ajc is not None and thigh is not None:
            if alat is not None:
                # anatomical (ISB-like) shank: lateral malleolus fixes the frontal plane;
                # Plug-in Gait's "torsioned tibia", used for the ankle
                ank_shank = shank_frame(kjc, ajc, alat, side)
                shank = ank_shank
                if tibial_torsion and side in tibial_torsion:
                    # Plug-in Gait knee: untorsioned tibia = torsioned one rotated back
                    shank = Frames(_rmul(ank_shank.R, _rot_y(-sgn * tibial_torsion[side])), ajc)
            else:
                # no malleolus: lateral direction from the femoral flexion axis
                shank = shank_frame(kjc, ajc, kjc + sgn * thigh.R[:, :, 2], side, origin="knee")
                shank = Frames(shank.R, np.asarray(ajc, float))
                ank_shank = shank
            out.frames[f"shank_{t}"] = shank
            out.frames[f"shank_ankle_{t}"] = ank_shank
        else:
            out.missing.append(f"shank_{t}")
        if pelvis is not None and thigh is not None:
            out.angles[f"hip_{t}"] = joint_angles(pelvis, thigh, "hip", side)
            if thigh_fallback:
                out.angles[f"hip_{t}"][:, 2] = np.nan
        if thigh is not None and shank is not None:
            out.angles[f"knee_{t}"] = joint_angles(thigh, shank, "knee", side)
            if alat is None:  # shank's lateral axis copied from the femur: no rotation DOF
                out.angles[f"knee_{t}"][:, 2] = np.nan
            if thigh_fallback:
                out.angles[f"knee_{t}"][:, 1:] = np.nan
        if ank_shank is None or toe is None:
            out.missing.append(f"foot_{t}")
            continue
        mt5 = _get(markers, centres, ms, f"mt5_{t}", S + "MT5")
        back = heel if (foot_from_heel and heel is not None) else None
        # np.allclose(mt5 - toe, 0) without its generic machinery
        has_mt5 = mt5 is not None and bool((np.abs(np.nan_to_num(mt5 - toe)) > 1e-8).any())
        if has_mt5:
            # the 5th metatarsal must lie lateral of the toe point (same side as the shank's
            # lateral axis); otherwise the labels are probably swapped: do not trust it
            lat = np.einsum("ni,ni->n", sgn * (mt5 - toe), ank_shank.R[:, :, 2])
            if not np.nanmedian(lat) > 0:
                has_mt5 = False
                out.missing.append(f"foot_mt5_medial_{t}")
        if has_mt5:
            # 3-marker foot: the forefoot's lateral direction (5th metatarsal head relative
            # to the toe / mid-metatarsal point) gives the foot an inversion DOF
            X = toe - (ajc if back is None else back)
            foot = Frames(frame_from_axes(X, sgn * (mt5 - toe), "XZ"), np.asarray(ajc, float))
        else:
            foot = foot_frame(ajc, toe, ank_shank, back)
        if foot_offsets and side in foot_offsets:
            plantar, rot = foot_offsets[side]
            foot = Frames(_rmul(foot.R, _rot_y(sgn * rot) @ _rot_z(plantar)), foot.origin)
        out.frames[f"foot_{t}"] = foot
        out.angles[f"ankle_{t}"] = joint_angles(
            ank_shank, foot, "ankle", side, convention=ankle_convention
        )
        if alat is None:
            out.angles[f"ankle_{t}"][:, 1:] = np.nan
        elif not has_mt5 and ankle_convention == "isb":
            # 2-marker foot: inversion is zero by construction, not measured
            out.angles[f"ankle_{t}"][:, 1] = np.nan
    return out
