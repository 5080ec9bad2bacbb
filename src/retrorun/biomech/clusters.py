"""Rigid marker clusters: least-squares pose (Söderkvist & Wedin 1993) and carrying
static-trial landmarks into a dynamic trial (CAST, Cappozzo et al. 1995)."""

from __future__ import annotations

import numpy as np

__all__ = ["carry_landmarks", "cluster_pose", "to_global", "to_local"]


def cluster_pose(reference: np.ndarray, moving: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares pose of a rigid cluster in every frame (Söderkvist & Wedin 1993;
    rotation by quaternions, :func:`_quaternion_rotation`).

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
    k = ref.shape[0]
    if k >= 3 and np.isfinite(ref).all() and np.isfinite(moving).all():
        # fast path, every marker in every frame: markers first, (k, N, 3), so that the
        # centroid is a sum of k arrays and H[n] = Σᵢ aᵢ bᵢ[n]ᵀ one BLAS product
        mk = np.ascontiguousarray(moving.transpose(1, 0, 2))
        mc = mk.sum(axis=0) / k
        rc = ref.mean(axis=0)
        h = np.tensordot(ref - rc, mk - mc, axes=([0], [0]))  # (3, N, 3): H[x, n, y]
        r9 = _quaternion_rotation(h.transpose(0, 2, 1))  # (3, 3, N)
        t = mc - np.stack([r9[i, 0] * rc[0] + r9[i, 1] * rc[1] + r9[i, 2] * rc[2]
                           for i in range(3)], axis=1)
        return np.ascontiguousarray(r9.transpose(2, 0, 1)), t
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


def _adj_column(a: list[list[np.ndarray]], j: int) -> np.ndarray:
    """Column *j* of the adjugate of symmetric 4×4 matrices ``a[r][c]`` (arrays (N,)),
    from the 3×3 minors of the other three rows (Laplace expansion over 2×2 minors)."""
    r0, r1, r2 = (r for r in range(4) if r != j)
    m = {(c0, c1): a[r1][c0] * a[r2][c1] - a[r1][c1] * a[r2][c0]
         for c0 in range(4) for c1 in range(c0 + 1, 4)}
    out = []
    for k in range(4):
        c0, c1, c2 = (c for c in range(4) if c != k)
        d = a[r0][c0] * m[c1, c2] - a[r0][c1] * m[c0, c2] + a[r0][c2] * m[c0, c1]
        out.append(d if (j + k) % 2 == 0 else -d)
    return np.stack(out)


def _rotation_from_covariance(h: np.ndarray) -> np.ndarray:
    """Rotations (N, 3, 3) from cross-covariances H (N, 3, 3); see
    :func:`_quaternion_rotation`."""
    h = np.asarray(h, float)
    return np.ascontiguousarray(_quaternion_rotation(h.transpose(1, 2, 0)).transpose(2, 0, 1))


def _quaternion_rotation(s: np.ndarray) -> np.ndarray:
    """Optimal proper rotation from cross-covariances H = Σ aᵢ bᵢᵀ, given and returned
    component-first: ``s[x, y]`` is H[x, y] over frames (3, 3, N); the same
    rotation as the SVD solution R = V diag(1, 1, sign det(VUᵀ)) Uᵀ (Söderkvist & Wedin
    1993), by the quaternion method (Horn 1987) solved in closed form per frame.

    The largest eigenvalue λ of Horn's symmetric 4×4 matrix K (built from H) is the
    largest root of its characteristic quartic λ⁴ + c₂λ² + c₁λ + c₀ (c₂ = −2‖H‖²,
    c₁ = −8 det H, c₀ = det K; the "QCP" form of Theobald 2005), found by Newton from the
    upper bound √3‖H‖ (monotone: the quartic is increasing and convex above its largest
    root); the unit quaternion is a column of adj(K − λI) (column 0, or the longest
    column for turns beyond 120°, where q₀ < 1/2). A quaternion is always a proper rotation, so
    near-planar clusters — where noise makes det H < 0 in up to 70 % of the frames of the
    RBDS thigh/shank clusters — need no reflection guard. Pure vectorised numpy on (N,)
    arrays. Frames whose top eigenvalue is not isolated (near-collinear clusters: the
    rotation about the line is undetermined) go to the batched SVD
    (:func:`_svd_rotation`); missing data give NaN.
    """
    s = np.array(s, dtype=float, order="C")  # own copy: bad frames are overwritten
    n = s.shape[2]
    ok = np.isfinite(s).all(axis=(0, 1))
    if not ok.all():
        s[:, :, ~ok] = np.eye(3)[:, :, None]
    (sxx, sxy, sxz), (syx, syy, syz), (szx, szy, szz) = s
    k = [[sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
         [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
         [szx - sxz, sxy + syx, syy - sxx - szz, syz + szy],
         [sxy - syx, szx + sxz, syz + szy, szz - sxx - syy]]
    ss = (s * s).sum(axis=(0, 1))
    c2 = -2.0 * ss
    c1 = -8.0 * (sxx * (syy * szz - syz * szy) - sxy * (syx * szz - syz * szx)
                 + sxz * (syx * szy - syy * szx))

    def mn(r: int, a: int, b: int) -> np.ndarray:  # 2×2 minor of rows r, r+1
        return k[r][a] * k[r + 1][b] - k[r][b] * k[r + 1][a]

    c0 = (mn(0, 0, 1) * mn(2, 2, 3) - mn(0, 0, 2) * mn(2, 1, 3) + mn(0, 0, 3) * mn(2, 1, 2)
          + mn(0, 1, 2) * mn(2, 0, 3) - mn(0, 1, 3) * mn(2, 0, 2) + mn(0, 2, 3) * mn(2, 0, 1))
    lam = np.sqrt(3.0 * ss)
    scale3 = lam ** 3
    with np.errstate(divide="ignore", invalid="ignore"):
        for it in range(60):
            l2 = lam * lam
            df = (4.0 * l2 + 2.0 * c2) * lam + c1
            step = ((l2 + c2) * l2 + c1 * lam + c0) / df
            lam = lam - step
            if it >= 3 and not (np.abs(step) > 1e-13 * lam)[np.abs(df) > 1e-6 * scale3].any():
                break
        # df = K's characteristic polynomial's slope at λ = product of the eigen-gaps
        l2 = lam * lam
        df = (4.0 * l2 + 2.0 * c2) * lam + c1
        a = [[k[i][j] - lam if i == j else k[i][j] for j in range(4)] for i in range(4)]
        q = _adj_column(a, 0)  # = ±df · q₀ · q for the unit quaternion q
        far = np.abs(q[0]) < 0.25 * np.abs(df)  # q[0] = df·q₀²: |q₀| < 1/2, turn ≥ 120°
        if far.any():
            sub = [[x[far] for x in row] for row in a]
            cols = np.stack([_adj_column(sub, j) for j in range(4)])  # (4, 4, m)
            best = (cols * cols).sum(axis=1).argmax(axis=0)
            q[:, far] = cols[best, :, np.arange(best.size)].T
        w, x, y, z = q / np.sqrt((q * q).sum(axis=0))
    r = np.empty((3, 3, n))
    r[0, 0] = w * w + x * x - y * y - z * z
    r[0, 1] = 2.0 * (x * y - w * z)
    r[0, 2] = 2.0 * (x * z + w * y)
    r[1, 0] = 2.0 * (x * y + w * z)
    r[1, 1] = w * w - x * x + y * y - z * z
    r[1, 2] = 2.0 * (y * z - w * x)
    r[2, 0] = 2.0 * (x * z - w * y)
    r[2, 1] = 2.0 * (y * z + w * x)
    r[2, 2] = w * w - x * x - y * y + z * z
    # near-collinear clusters (top eigenvalue not isolated) → SVD
    redo = ok & ~(np.abs(df) > 1e-6 * scale3) & (ss > 0)
    redo |= ok & ~np.isfinite(r).all(axis=(0, 1))
    if redo.any():
        r[:, :, redo] = _svd_rotation(s[:, :, redo].transpose(2, 0, 1)).transpose(1, 2, 0)
    r[:, :, ~ok] = np.nan
    return r


def to_global(r: np.ndarray, t: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Global trajectory (N, 3) of a point fixed at *local* (3,) in the cluster frame."""
    r = np.ascontiguousarray(r)
    return (r.reshape(-1, 3) @ np.asarray(local, dtype=float)).reshape(-1, 3) + t


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
