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
    if vis.all() and ref.shape[0] >= 3:  # fast path: every marker in every frame
        mc = moving.mean(axis=1)
        rc = ref.mean(axis=0)
        # H[n] = (ref − rc)ᵀ (moving[n] − mc[n]) as one BLAS product
        h = np.tensordot(moving - mc[:, None], ref - rc, axes=([1], [0])).transpose(0, 2, 1)
        r = _rotation_from_covariance(h)
        return r, mc - (r * rc).sum(axis=2)
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


# X[i, j] lives in row 3 i + j of a (9, N) component array; the cofactor matrix
# C = det(X) X⁻ᵀ is C[k] = X[_CA[k]] X[_CB[k]] − X[_CC[k]] X[_CD[k]].
_CA = np.array([4, 5, 3, 7, 8, 6, 1, 2, 0])
_CB = np.array([8, 6, 7, 2, 0, 1, 5, 3, 4])
_CC = np.array([5, 3, 4, 8, 6, 7, 2, 0, 1])
_CD = np.array([7, 8, 6, 1, 2, 0, 4, 5, 3])


def _det9(x: np.ndarray) -> np.ndarray:
    """Determinants of the (9, N) component stack."""
    return (x[0] * (x[4] * x[8] - x[5] * x[7]) + x[1] * (x[5] * x[6] - x[3] * x[8])
            + x[2] * (x[3] * x[7] - x[4] * x[6]))


def _smallest_eigvec_sym(p: np.ndarray) -> np.ndarray:
    """Unit eigenvector (3, N) of the smallest eigenvalue of symmetric positive
    semidefinite 3×3 matrices given as a (9, N) stack, in closed form.

    The smallest root λ of the characteristic cubic is found by Newton from 0 (the
    cubic is increasing and concave on [0, λ], so the iteration converges monotonically
    and quadratically); the eigenvector is the longest cross product of two rows of
    P − λI. Accurate when the two larger eigenvalues are well above λ (near-planar
    clusters: σ₃/σ₂ ≈ 10⁻³).
    """
    c1 = p[0] + p[4] + p[8]
    c2 = (p[0] * p[4] - p[1] * p[3]) + (p[0] * p[8] - p[2] * p[6]) + (p[4] * p[8] - p[5] * p[7])
    c3 = _det9(p)
    lam = np.zeros_like(c1)
    for _ in range(6):
        f = ((lam - c1) * lam + c2) * lam - c3
        df = (3.0 * lam - 2.0 * c1) * lam + c2
        lam = lam - f / df
    m = p.copy()
    m[[0, 4, 8]] -= lam
    r0, r1, r2 = m[0:3], m[3:6], m[6:9]
    cands = np.stack([_cross3(r0, r1), _cross3(r1, r2), _cross3(r2, r0)])  # (3, 3, N)
    n2 = (cands * cands).sum(axis=1)  # (3, N)
    best = n2.argmax(axis=0)
    idx = np.arange(p.shape[1])
    u = cands[best, :, idx].T
    return u / np.sqrt(n2[best, idx])


def _cross3(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross products of (3, N) column stacks."""
    return np.stack([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                     a[0] * b[1] - a[1] * b[0]])


def _rotation_from_covariance(h: np.ndarray, iterations: int = 8) -> np.ndarray:
    """Optimal proper rotation from cross-covariances H (N, 3, 3): the same rotation as
    the SVD solution R = V diag(1, 1, sign det(VUᵀ)) Uᵀ (Söderkvist & Wedin 1993).

    Orthogonal polar factor Q of Hᵀ by scaled Newton iterations X ← ½(γX + X⁻ᵀ/γ),
    γ = |det X|^(−1/3) (Higham 1986), on a (9, N) component stack with closed-form
    cofactors: pure vectorised numpy. Where det H < 0 (near-planar clusters whose noise
    flips the smallest singular value's sign; up to 70 % of the frames of the RBDS
    thigh/shank clusters) Q is a reflection, and the rotation is Q (I − 2uuᵀ) with u the
    eigenvector of the smallest eigenvalue of Qᵀ Hᵀ (closed form,
    :func:`_smallest_eigvec_sym`). Only frames where the iteration has not converged
    (singular H, e.g. three collinear markers) go to the batched SVD
    (:func:`_svd_rotation`); missing data give NaN.
    """
    n = h.shape[0]
    x = np.ascontiguousarray(h.transpose(2, 1, 0)).reshape(9, n)  # X = Hᵀ, row 3i+j = X[i,j]
    ok = np.isfinite(x).all(axis=0)
    x[:, ~ok] = np.eye(3).reshape(9, 1)
    # the iteration runs in place in three preallocated (9, N) buffers (no temporaries)
    cof, b, c = np.empty_like(x), np.empty_like(x), np.empty_like(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(iterations):
            # cof = X[CA] X[CB] − X[CC] X[CD]
            np.multiply(np.take(x, _CA, axis=0, out=cof), np.take(x, _CB, axis=0, out=b),
                        out=cof)
            np.multiply(np.take(x, _CC, axis=0, out=b), np.take(x, _CD, axis=0, out=c),
                        out=b)
            np.subtract(cof, b, out=cof)
            det = (x[:3] * cof[:3]).sum(axis=0)
            g = np.abs(det) ** (-1.0 / 3.0)
            # X ← ½ (γ X + cof / (det γ))
            np.multiply(x, g, out=x)
            np.divide(cof, det * g, out=cof)
            np.add(x, cof, out=x)
            np.multiply(x, 0.5, out=x)
        q = x.reshape(3, 3, n)
        gram = np.einsum("ikn,jkn->ijn", q, q) - np.eye(3)[:, :, None]
        err = np.abs(gram).max(axis=(0, 1))
        det = _det9(x)
        conv = ok & (err < 1e-10) & np.isfinite(det)
        refl = conv & (det < 0)
        if refl.any():
            qr = q[:, :, refl]
            hr = h[refl].transpose(2, 1, 0)  # X = Hᵀ, (3, 3, m)
            p = np.einsum("kin,kjn->ijn", qr, hr)  # P = Qᵀ X
            p = 0.5 * (p + p.transpose(1, 0, 2))
            p9 = p.reshape(9, -1)
            u = _smallest_eigvec_sym(p9)  # (3, m)
            qu = np.einsum("ijn,jn->in", qr, u)
            q[:, :, refl] = qr - 2.0 * qu[:, None, :] * u[None, :, :]
            # near-collinear clusters (σ₂/σ₁ < 1e-6): the eigenvector is ill-conditioned,
            # leave those frames to the SVD
            c1 = p9[0] + p9[4] + p9[8]
            c2 = ((p9[0] * p9[4] - p9[1] * p9[3]) + (p9[0] * p9[8] - p9[2] * p9[6])
                  + (p9[4] * p9[8] - p9[5] * p9[7]))
            weak = ~(c2 > 1e-6 * c1 * c1) | ~np.isfinite(u).all(axis=0)
            if weak.any():
                conv[np.flatnonzero(refl)[weak]] = False
    r = np.ascontiguousarray(q.transpose(2, 0, 1))
    redo = ok & ~conv
    if redo.any():
        r[redo] = _svd_rotation(h[redo])
    r[~ok] = np.nan
    return r


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
