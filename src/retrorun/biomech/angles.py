"""Joint angles as a joint coordinate system (Grood & Suntay 1983) / Cardan Z-X-Y sequence.

The relative rotation of the distal segment in the proximal one, ``R_rel = R_prox.T @ R_dist``
(frames from :mod:`retrorun.biomech.segments`: X anterior, Y superior, Z right on both
sides), is decomposed as ``R_rel = Rz(a) · Rx(b) · Ry(c)``:

* ``a`` about the proximal segment's medio-lateral axis (e1, flexion axis),
* ``b`` about the floating axis ``e2 = e3 × e1`` (ab/adduction, varus/valgus, inversion),
* ``c`` about the distal segment's long axis (e3, internal/external or tibial rotation).

This is exactly the Grood–Suntay JCS (Wu et al. 2002 for hip and ankle). Clinical signs
(documented in ``docs/mechanics.md``), the same meaning on both sides:

=====  ======================  ============================  ==========================
joint  1st (flexion axis)      2nd (floating axis)           3rd (long axis)
=====  ======================  ============================  ==========================
hip    flexion +               adduction +                   internal rotation +
knee   flexion +               adduction (varus) +           internal (tibial) rot. +
ankle  dorsiflexion +          inversion +                   internal rotation (adduction) +
=====  ======================  ============================  ==========================

For the right side ``flex = a`` (``-a`` for the knee), ``add = b``, ``rot = c``; for the
left side the 2nd and 3rd angles change sign because Z points to the right (laterally on
the right, medially on the left). Output is in radians; convert with ``np.degrees`` at
the edge.
"""

from __future__ import annotations

import numpy as np

from retrorun.biomech.segments import Frames

__all__ = ["JOINT_SIGNS", "cardan_zxy", "cardan_zyx", "joint_angles", "relative_rotation"]

#: sign multipliers (flexion, adduction, rotation) applied to (a, b, c) for the right side;
#: the left side additionally flips adduction and rotation.
JOINT_SIGNS: dict[str, tuple[float, float, float]] = {
    "hip": (1.0, 1.0, 1.0),
    "knee": (-1.0, 1.0, 1.0),
    "ankle": (1.0, 1.0, 1.0),
}


def relative_rotation(proximal: Frames | np.ndarray, distal: Frames | np.ndarray) -> np.ndarray:
    """``R_prox.T @ R_dist`` per frame, shape (N, 3, 3)."""
    Rp = proximal.R if isinstance(proximal, Frames) else np.asarray(proximal)
    Rd = distal.R if isinstance(distal, Frames) else np.asarray(distal)
    return np.matmul(Rp.transpose(0, 2, 1), Rd)


def cardan_zxy(R: np.ndarray) -> np.ndarray:
    """Decompose rotation matrices as ``Rz(a) Rx(b) Ry(c)``.

    Parameters
    ----------
    R : (N, 3, 3) array

    Returns
    -------
    (N, 3) array
        ``(a, b, c)`` in radians, ``b`` in [-pi/2, pi/2].
    """
    R = np.asarray(R, float)
    b = np.arcsin(np.clip(R[:, 2, 1], -1.0, 1.0))
    a = np.arctan2(-R[:, 0, 1], R[:, 1, 1])
    c = np.arctan2(-R[:, 2, 0], R[:, 2, 2])
    return np.stack([a, b, c], axis=-1)


def _cardan_zxy_relative(Rp: np.ndarray, Rd: np.ndarray) -> np.ndarray:
    """:func:`cardan_zxy` of ``Rpᵀ Rd`` from the five elements it reads (each the dot
    product of a column of Rp with a column of Rd), without the full stacked product."""

    def e(i: int, j: int) -> np.ndarray:
        return Rp[:, 0, i] * Rd[:, 0, j] + Rp[:, 1, i] * Rd[:, 1, j] + Rp[:, 2, i] * Rd[:, 2, j]

    b = np.arcsin(np.clip(e(2, 1), -1.0, 1.0))
    a = np.arctan2(-e(0, 1), e(1, 1))
    c = np.arctan2(-e(2, 0), e(2, 2))
    return np.stack([a, b, c], axis=-1)


def cardan_zyx(R: np.ndarray) -> np.ndarray:
    """Decompose rotation matrices as ``Rz(a) Ry(b) Rx(c)`` (radians, shape (N, 3))."""
    R = np.asarray(R, float)
    b = -np.arcsin(np.clip(R[:, 2, 0], -1.0, 1.0))
    c = np.arctan2(R[:, 2, 1], R[:, 2, 2])
    a = np.arctan2(R[:, 1, 0], R[:, 0, 0])
    return np.stack([a, b, c], axis=-1)


def joint_angles(
    proximal: Frames, distal: Frames, joint: str, side: str, *, convention: str = "isb"
) -> np.ndarray:
    """Clinical joint angles (flexion, adduction, rotation), radians, shape (N, 3).

    Parameters
    ----------
    proximal, distal : Frames
        Segment frames (pelvis→thigh for the hip, thigh→shank for the knee,
        shank→foot for the ankle).
    joint : {"hip", "knee", "ankle"}
    side : {"left", "right"}
    convention : {"isb", "pig"}
        Only matters for the ankle. ``"isb"`` (default): Wu et al. 2002 JCS, third axis the
        foot's vertical axis (rotation), floating axis ~anterior (inversion).
        ``"pig"``: Plug-in Gait / CGM, Cardan Z-Y-X with the foot's long axis last; the
        output reproduces Vicon's ``AnkleAngles`` components and signs exactly
        (dorsiflexion, Vicon's 2nd component = rotation about the foot long axis, which is
        eversion-positive on this ISB axis set, and rotation about the floating axis).
    """
    if joint not in JOINT_SIGNS:
        raise ValueError(f"joint must be one of {sorted(JOINT_SIGNS)}, got {joint!r}")
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    if convention not in ("isb", "pig"):
        raise ValueError(f"convention must be 'isb' or 'pig', got {convention!r}")
    if joint == "ankle" and convention == "pig":
        a, b, c = cardan_zyx(relative_rotation(proximal, distal)).T
        s = 1.0 if side == "right" else -1.0
        return np.stack([a, -s * c, s * b], axis=-1)
    abc = _cardan_zxy_relative(proximal.R, distal.R) \
        if isinstance(proximal, Frames) and isinstance(distal, Frames) \
        else cardan_zxy(relative_rotation(proximal, distal))
    sign = np.array(JOINT_SIGNS[joint])
    if side == "left":
        sign = sign * np.array([1.0, -1.0, -1.0])
    return abc * sign
