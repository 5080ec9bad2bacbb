"""Segment coordinate frames (ISB, Wu et al. 2002) from marker and joint-centre arrays.

Every frame is returned as a :class:`Frames` pair ``(R, origin)``: ``R`` has shape
``(N, 3, 3)`` and its **columns** are the segment axes expressed in the lab frame,
``origin`` has shape ``(N, 3)`` (metres). Axis convention, identical for left and right:

* ``X`` anterior,
* ``Y`` superior / proximal (along the long axis of a limb segment),
* ``Z`` to the subject's **right** (``Z = X × Y``).

Using the same right-pointing ``Z`` on both sides keeps the flexion axis identical on the
left and right; :mod:`retrorun.biomech.angles` flips the ab/adduction and rotation signs
of the left side so clinical meanings match. All functions are vectorised with numpy
(no per-frame Python loops); frames where an input is missing (NaN) come out NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Frames",
    "cross_rows",
    "foot_frame",
    "frame_from_axes",
    "local_to_global",
    "pelvis_frame",
    "shank_frame",
    "thigh_frame",
]


@dataclass(frozen=True)
class Frames:
    """Time series of segment frames.

    Attributes
    ----------
    R : (N, 3, 3) array
        Rotation matrices; column ``k`` is segment axis ``k`` (X anterior, Y superior,
        Z right) in lab coordinates.
    origin : (N, 3) array
        Segment origin in the lab frame, metres.
    """

    R: np.ndarray
    origin: np.ndarray

    def __len__(self) -> int:
        return self.R.shape[0]


def cross_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross products of (N, 3) arrays: ``np.cross``'s arithmetic without its
    per-call axis handling (hot in the segment model and inverse dynamics)."""
    a0, a1, a2 = a[:, 0], a[:, 1], a[:, 2]
    b0, b1, b2 = b[:, 0], b[:, 1], b[:, 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / n


def frame_from_axes(primary: np.ndarray, helper: np.ndarray, order: str) -> np.ndarray:
    """Orthonormal frames from a primary axis and a helper vector in the same plane.

    Parameters
    ----------
    primary : (N, 3) array
        Direction kept exactly (normalised).
    helper : (N, 3) array
        Direction that fixes the plane; it is orthogonalised.
    order : str
        Two letters ``"<primary><helper>"`` among ``X``, ``Y``, ``Z``, e.g. ``"YZ"``
        means the primary vector is the Y axis and the helper is (roughly) the Z axis.

    Returns
    -------
    (N, 3, 3) array
        Right-handed rotation matrices with the axes as columns.
    """
    p = _unit(np.asarray(primary, float))
    h = _unit(np.asarray(helper, float))
    axes: dict[str, np.ndarray] = {order[0]: p}
    # third axis from the cyclic order X->Y->Z->X
    names = "XYZ"
    i, j = names.index(order[0]), names.index(order[1])
    k = 3 - i - j
    third = _unit(cross_rows(p, h)) if (j - i) % 3 == 1 else _unit(cross_rows(h, p))
    axes[names[k]] = third
    # helper axis recomputed orthogonal: axis_j = axis_k x axis_i when cyclic (i, j, k)
    if (j - i) % 3 == 1:
        axes[order[1]] = cross_rows(third, p)
    else:
        axes[order[1]] = cross_rows(p, third)
    return np.stack([axes["X"], axes["Y"], axes["Z"]], axis=-1)


def _side_sign(side: str) -> float:
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    return 1.0 if side == "right" else -1.0


def pelvis_frame(
    lasis: np.ndarray,
    rasis: np.ndarray,
    lpsis: np.ndarray,
    rpsis: np.ndarray,
    origin: np.ndarray | None = None,
) -> Frames:
    """Pelvis frame (ISB): Z from left to right ASIS, X anterior in the ASIS/PSIS plane.

    The origin is the mid-ASIS point unless *origin* (e.g. the mid-hip-joint-centre point
    used by Plug-in Gait) is given.
    """
    mid_asis = 0.5 * (lasis + rasis)
    mid_psis = 0.5 * (lpsis + rpsis)
    R = frame_from_axes(rasis - lasis, mid_asis - mid_psis, "ZX")
    return Frames(R, mid_asis if origin is None else np.asarray(origin, float))


def thigh_frame(hjc: np.ndarray, kjc: np.ndarray, lateral: np.ndarray, side: str) -> Frames:
    """Thigh (femur) frame: Y from knee to hip joint centre, Z in the plane of the lateral
    knee marker (or epicondyle) — the Plug-in Gait / CGM femur definition, ISB axes.

    Parameters
    ----------
    hjc, kjc : (N, 3) arrays
        Hip and knee joint centres, m.
    lateral : (N, 3) array
        A point lateral to the knee joint centre on the flexion axis (lateral femoral
        epicondyle or the CGM ``KNE`` marker).
    side : {"left", "right"}
    """
    s = _side_sign(side)
    R = frame_from_axes(hjc - kjc, s * (lateral - kjc), "YZ")
    return Frames(R, np.asarray(kjc, float))


def shank_frame(
    kjc: np.ndarray, ajc: np.ndarray, lateral: np.ndarray, side: str, *, origin: str = "ankle"
) -> Frames:
    """Shank (tibia) frame: Y from ankle to knee joint centre, Z towards a lateral point.

    *lateral* is the lateral malleolus (``ANK`` marker: the "torsioned" tibia of CGM,
    used for the ankle) or a point on the knee flexion axis (the "untorsioned" tibia used
    for the knee in CGM). The origin is the ankle joint centre (``origin="ankle"``) or
    the knee joint centre (``origin="knee"``).
    """
    s = _side_sign(side)
    ref = ajc if origin == "ankle" else kjc
    R = frame_from_axes(kjc - ajc, s * (lateral - ref), "YZ")
    return Frames(R, np.asarray(ref, float))


def foot_frame(
    ajc: np.ndarray, toe: np.ndarray, shank: Frames, heel: np.ndarray | None = None
) -> Frames:
    """Foot frame: X from the heel (or the ankle joint centre) to the toe marker, Z from the
    shank's medio-lateral axis (Plug-in Gait "uncorrected" foot, ISB axis names).

    With *heel* given the long axis runs heel→toe (ISB/CGM2 "flat foot" style); otherwise
    ankle joint centre → toe as in Plug-in Gait.
    """
    back = ajc if heel is None else heel
    R = frame_from_axes(toe - back, shank.R[:, :, 2], "XZ")
    return Frames(R, np.asarray(ajc, float))


def local_to_global(frames: Frames, local: np.ndarray) -> np.ndarray:
    """Express a point given in segment coordinates (3,) or (N, 3) in the lab frame."""
    local = np.asarray(local, float)
    if local.ndim == 1:
        return frames.origin + frames.R @ local
    local = np.broadcast_to(np.asarray(local, float), frames.origin.shape)
    return frames.origin + np.matmul(frames.R, local[:, :, None])[:, :, 0]
