"""Lower-limb kinematic model: segment frames and joint angles for both sides at once.

Input is plain data: a ``markers`` dict name → (N, 3) array (metres, one lab frame) and a
``centres`` dict of joint centres named like :func:`retrorun.biomech.jointcentres.joint_centres`
returns them (``"hip_l"``, ``"knee_l"``, ``"ankle_l"``, ``..._r``). A marker-name map
(:data:`MARKER_ROLES`) says which marker plays which anatomical role in each marker set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from retrorun.biomech.angles import joint_angles
from retrorun.biomech.segments import (
    Frames,
    foot_frame,
    pelvis_frame,
    shank_frame,
    thigh_frame,
)

__all__ = ["MARKER_ROLES", "LowerLimbKinematics", "guess_marker_roles", "lower_limb_kinematics"]

#: role → marker name per marker set; ``{s}`` is the side prefix of that set.
MARKER_ROLES: dict[str, dict[str, str]] = {
    # Plug-in Gait / CGM (Vicon), e.g. ktk_walk/walk.c3d
    "cgm": {
        "lasi": "LASI", "rasi": "RASI", "lpsi": "LPSI", "rpsi": "RPSI",
        "knee_lat": "{S}KNE", "ankle_lat": "{S}ANK", "toe": "{S}TOE", "heel": "{S}HEE",
    },
    # OpenCap augmented markers (walk.trc)
    "opencap": {
        "lasi": "L.ASIS_study", "rasi": "r.ASIS_study", "lpsi": "L.PSIS_study",
        "rpsi": "r.PSIS_study", "knee_lat": "{s}_knee_study", "ankle_lat": "{s}_ankle_study",
        "toe": "{s}_toe_study", "heel": "{s}_calc_study",
    },
    # Qualisys full-body running set (pyorerun Running_0002.c3d)
    "qualisys_running": {
        "lasi": "LASIS", "rasi": "RASIS", "lpsi": "LBackAsis", "rpsi": "RBackAsis",
        "knee_lat": "{S}KneeLat", "ankle_lat": "{S}AnkleLat", "toe": "{S}PHAL2",
        "heel": "{S}Heel",
    },
    # Fukuchi 2017 RBDS (CAST clusters; knee/ankle landmarks only in the static trial)
    "rbds": {
        "lasi": "L.ASIS", "rasi": "R.ASIS", "lpsi": "L.PSIS", "rpsi": "R.PSIS",
        "knee_lat": "{S}.Knee", "ankle_lat": "{S}.Ankle", "toe": "{S}.MT2",
        "heel": "{S}.Heel.Top",
    },
    # Hamner & Delp 2013 (markers embedded in the IK .mot; no knee/ankle landmarks)
    "hamner": {
        "lasi": "LASI", "rasi": "RASI", "lpsi": "LPSI", "rpsi": "RPSI",
        "knee_lat": "", "ankle_lat": "", "toe": "{S}TOE", "heel": "{S}CAL",
    },
}
_SIDE_PREFIX = {"left": ("L", "l"), "right": ("R", "r")}
_SIDE_OPPOSITE = {"l": "L", "r": "r"}


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


def _rot_y(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _rot_z(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _name(template: str, side: str) -> str:
    S, s = _SIDE_PREFIX[side]
    name = template.format(S=S, s=s)
    # OpenCap spells the left side with a capital L and the right with a small r
    if "{s}" in template and side == "left":
        name = template.format(S=S, s="L")
    return name


def guess_marker_roles(names: set[str] | list[str]) -> str | None:
    """Name of the :data:`MARKER_ROLES` set whose pelvis markers are all present."""
    have = set(names)
    for key, roles in MARKER_ROLES.items():
        if all(roles[r] in have for r in ("lasi", "rasi", "lpsi", "rpsi")):
            if key == "cgm" and "LKNE" not in have and "LCAL" in have:
                continue
            return key
    if {"LASI", "RASI", "LPSI", "RPSI"} <= have:
        return "hamner"
    return None


def _get(markers: dict, centres: dict, key: str) -> np.ndarray | None:
    if key in centres:
        return np.asarray(centres[key], float)
    if key and key in markers:
        return np.asarray(markers[key], float)
    return None


def lower_limb_kinematics(
    markers: dict[str, np.ndarray],
    centres: dict[str, np.ndarray],
    roles: str | dict[str, str] = "cgm",
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
    roles : str or dict
        Key of :data:`MARKER_ROLES` or a role → marker-name dict with ``{S}``/``{s}``
        side placeholders.
    ankle_convention : {"isb", "pig"}
    foot_from_heel : bool
        Foot long axis heel→toe instead of ankle joint centre→toe (Plug-in Gait).
    tibial_torsion : dict, optional
        ``{"left": rad, "right": rad}`` (Plug-in Gait ``TibialTorsion``): the knee then uses
        the "untorsioned" tibia (malleolar shank frame rotated back about its long axis),
        so tibial torsion is not counted as knee rotation. Without it, knee rotation
        includes the subject's (constant) tibial torsion.
    foot_offsets : dict, optional
        ``{"left": (static_plantarflexion, static_rotation_offset)}`` in rad (Plug-in Gait
        ``StaticPlantFlex``/``StaticRotOff`` from a static trial).

    Segments whose inputs are missing are skipped and listed in ``missing``.
    """
    rmap = MARKER_ROLES[roles] if isinstance(roles, str) else roles
    out = LowerLimbKinematics()
    pel = [_get(markers, centres, rmap[k]) for k in ("lasi", "rasi", "lpsi", "rpsi")]
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
        klat = _get(markers, centres, f"knee_lat_{t}")
        if klat is None:
            klat = _get(markers, centres, _name(rmap["knee_lat"], side))
        alat = _get(markers, centres, f"ankle_lat_{t}")
        if alat is None:
            alat = _get(markers, centres, _name(rmap["ankle_lat"], side))
        toe = _get(markers, centres, _name(rmap["toe"], side))
        heel = _get(markers, centres, _name(rmap["heel"], side))
        thigh = shank = None
        if hjc is not None and kjc is not None and klat is not None:
            thigh = thigh_frame(hjc, kjc, klat, side)
            out.frames[f"thigh_{t}"] = thigh
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
                    shank = Frames(ank_shank.R @ _rot_y(-sgn * tibial_torsion[side]), ajc)
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
        if thigh is not None and shank is not None:
            out.angles[f"knee_{t}"] = joint_angles(thigh, shank, "knee", side)
        if ank_shank is None or toe is None:
            out.missing.append(f"foot_{t}")
            continue
        foot = foot_frame(ajc, toe, ank_shank, heel if foot_from_heel else None)
        if foot_offsets and side in foot_offsets:
            plantar, rot = foot_offsets[side]
            foot = Frames(foot.R @ _rot_y(sgn * rot) @ _rot_z(plantar), foot.origin)
        out.frames[f"foot_{t}"] = foot
        out.angles[f"ankle_{t}"] = joint_angles(
            ank_shank, foot, "ankle", side, convention=ankle_convention
        )
    return out
