"""Left/right symmetry indices.

``SI = 100 · (R − L) / (0.5 · (R + L))`` (Robinson et al. 1987): 0 = symmetric, positive =
right larger. Signed metrics (e.g. a knee adduction angle crossing zero) can make the
denominator tiny and the index meaningless; when ``|0.5·(R+L)|`` is below *floor* the index
is NaN and the raw difference ``R − L`` is what to read. For angles and moments that
cross zero use the absolute difference (:func:`asymmetry_table` reports both).
"""

from __future__ import annotations

import numpy as np

__all__ = ["asymmetry_table", "symmetry_index"]


def symmetry_index(left: np.ndarray | float, right: np.ndarray | float, *, floor: float = 1e-6
                   ) -> np.ndarray:
    """Symmetry index in %, NaN where ``|mean(L, R)| < floor`` (same units as the data)."""
    L = np.asarray(left, float)
    R = np.asarray(right, float)
    den = 0.5 * (R + L)
    with np.errstate(invalid="ignore", divide="ignore"):
        si = 100.0 * (R - L) / den
    return np.where(np.abs(den) < floor, np.nan, si)


def asymmetry_table(
    metrics: dict[str, dict[str, list[float] | np.ndarray]],
    *,
    floors: dict[str, float] | None = None,
    default_floor: float = 1e-6,
) -> dict[str, dict[str, float | None]]:
    """Symmetry of per-stride metrics.

    Parameters
    ----------
    metrics : ``{metric: {"left": [...], "right": [...]}}`` per-stride values.
    floors : per-metric denominator floors (same units as the metric), e.g. 2° for angles
        that cross zero.

    Returns
    -------
    ``{metric: {"left_mean", "right_mean", "difference" (R − L), "symmetry_index_pct",
    "n_left", "n_right"}}`` with ``None`` for undefined values (JSON friendly).
    """
    out: dict[str, dict[str, float | None]] = {}
    for name, lr in metrics.items():
        L = np.asarray(lr.get("left", []), float)
        R = np.asarray(lr.get("right", []), float)
        L, R = L[~np.isnan(L)], R[~np.isnan(R)]
        lm = float(np.mean(L)) if L.size else np.nan
        rm = float(np.mean(R)) if R.size else np.nan
        floor = (floors or {}).get(name, default_floor)
        si = float(symmetry_index(lm, rm, floor=floor))

        def _j(v: float) -> float | None:
            return None if not np.isfinite(v) else float(v)

        out[name] = {
            "left_mean": _j(lm),
            "right_mean": _j(rm),
            "difference": _j(rm - lm),
            "symmetry_index_pct": _j(si),
            "n_left": int(L.size),
            "n_right": int(R.size),
        }
    return out
