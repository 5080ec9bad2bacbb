"""Rigid marker clusters: least-squares pose (Söderkvist & Wedin 1993) and carrying
static-trial landmarks into a dynamic trial (CAST, Cappozzo et al. 1995)."""

from __future__ import annotations

import numpy as np

__all__ = ["carry_landmarks", "cluster_pose", "to_global", "to_local"]


def cluster_pose(reference: np.ndarray, moving: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pose of a rigid cluster in every frame by SVD (Söderkvist & Wedin 1993).

    Parameters
    ----------
    reference : (k, 3) cluster in its reference (local) configuration, m.
    moving : (N, k, 3) the same markers in each frame, m (NaN allowed).

    Returns
    -------
    R : (N, 3, 3) rotations and t : (N, 3) translations with
        ``moving[i] ≈ reference @ R[i].T + t[i]``; NaN in frames with fewer than 3
        visible markers (frames with a missing marker use the visible ones).
    """
    moving = np.asarray(moving, dtype=float)
    ref = np.asarray(reference, dtype=float)
    vis = np.isfinite(moving).all(axis=2) & np.isfinite(ref).all(axis=1)[None, :]  # (N, k)
    w = vis.astype(float)
    nvis = w.sum(axis=1)
    wsum = np.maximum(nvis, 1.0)[:, None]
    mov0 = np.nan_to_num(moving)
    ref0 = np.nan_to_num(ref)
    mc = (w[:, :, None] * mov0).sum(axis=1) / wsum
    rc = (w[:, :, None] * ref0[None]).sum(axis=1) / wsum
    a = (ref0[None] - rc[:, None]) * w[:, :, None]
    b = (mov0 - mc[:, None]) * w[:, :, None]
    h = np.matmul(a.transpose(0, 2, 1), b)  # (N, 3, 3) cross-covariance
    r = _rotation_from_covariance(h)
    t = mc - np.matmul(r, rc[:, :, None])[:, :, 0]
    bad = nvis < 3
    r[bad] = np.nan
    t[bad] = np.nan
    return r, t


def _svd_rotation(h: np.ndarray) -> np.ndarray:
    """R = V diag(1, 1, d) Uᵀ from H = U S Vᵀ (Söderkvist & Wedin 1993), batched."""
    u, _, vt = np.linalg.svd(h)
    v = vt.transpose(0, 2, 1)
    d = np.sign(np.linalg.det(np.matmul(v, u.transpose(0, 2, 1))))
    d[d == 0] = 1.0
    v[:, :, 2] *= d[:, None]
    return np.matmul(v, u.transpose(0, 2, 1))


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product of (N, 3) arrays (faster than ``np.cross`` on strided views)."""
    a0, a1, a2 = a[:, 0], a[:, 1], a[:, 2]
    b0, b1, b2 = b[:, 0], b[:, 1], b[:, 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=1)


def _rotation_from_covariance(h: np.ndarray, iterations: int = 8) -> np.ndarray:
    """Orthogonal polar factor of Hᵀ — the same rotation as the SVD solution.

    Scaled Newton iterations X ← ½(γX + X⁻ᵀ/γ) with a closed-form 3×3 inverse: pure
    vectorised numpy, about twice as fast as a batched SVD on long trials. Frames where
    the result is not a proper rotation (near-planar clusters with det H ≤ 0, degenerate
    or missing data) are solved by :func:`_svd_rotation`, which handles reflections.
    """
    x = h.transpose(0, 2, 1).copy()
    ok = np.isfinite(x).all(axis=(1, 2))
    x[~ok] = np.eye(3)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(iterations):
            r0, r1, r2 = x[:, 0], x[:, 1], x[:, 2]
            cof = np.stack([_cross(r1, r2), _cross(r2, r0), _cross(r0, r1)], axis=1)
            det = np.einsum("ni,ni->n", r0, cof[:, 0])
            g = np.abs(det) ** (-1.0 / 3.0)
            x = 0.5 * (g[:, None, None] * x + cof / (det * g)[:, None, None])
        err = np.abs(np.matmul(x, x.transpose(0, 2, 1)) - np.eye(3)).max(axis=(1, 2))
        r0, r1, r2 = x[:, 0], x[:, 1], x[:, 2]
        det = np.einsum("ni,ni->n", r0, _cross(r1, r2))
    redo = ok & ~((err < 1e-10) & (det > 0))
    if redo.any():
        x[redo] = _svd_rotation(h[redo])
    x[~ok] = np.nan
    return x


def to_global(r: np.ndarray, t: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Global trajectory (N, 3) of a point fixed at *local* (3,) in the cluster frame."""
    return r @ np.asarray(local, dtype=float) + t


def to_local(r: np.ndarray, t: np.ndarray, glob: np.ndarray) -> np.ndarray:
    """Local coordinates (N, 3) of global points (N, 3)."""
    return np.matmul(r.transpose(0, 2, 1), (glob - t)[:, :, None])[:, :, 0]


def carry_landmarks(static: dict[str, np.ndarray], dynamic: dict[str, np.ndarray],
                    cluster: list[str], landmarks: list[str]) -> dict[str, np.ndarray]:
    """Reconstruct static-trial landmarks in a dynamic trial by cluster tracking.

    Parameters
    ----------
    static, dynamic : marker dicts (name → (N, 3) m) of the static and dynamic trials.
    cluster : labels of the rigid cluster (≥ 3 present in both trials).
    landmarks : static labels to carry.

    Returns
    -------
    dict landmark → (N_dynamic, 3) m. Empty when the cluster is not usable.
    """
    labs = [c for c in cluster if c in static and c in dynamic]
    if len(labs) < 3:
        return {}
    ref = np.stack([np.nanmean(static[c], axis=0) for c in labs])  # (k, 3) static mean
    mov = np.stack([dynamic[c] for c in labs], axis=1)  # (N, k, 3)
    r, t = cluster_pose(ref, mov)
    # the static frame itself is the local frame: R = I, t = 0 there
    return {lm: to_global(r, t, np.nanmean(static[lm], axis=0))
            for lm in landmarks if lm in static and np.isfinite(static[lm]).any()}
