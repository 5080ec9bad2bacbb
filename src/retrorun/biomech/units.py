"""Length-unit handling for marker files."""

from __future__ import annotations

import numpy as np

__all__ = ["LENGTH_SCALE", "length_scale"]

#: Factor from a file length unit to metres.
LENGTH_SCALE = {"m": 1.0, "meters": 1.0, "metres": 1.0, "mm": 1e-3, "millimeters": 1e-3,
                "cm": 1e-2, "centimeters": 1e-2, "dm": 0.1, "in": 0.0254, "inch": 0.0254}


def length_scale(unit: str | None, data: np.ndarray | None = None) -> tuple[float, str]:
    """Return (factor to metres, unit used).

    When *unit* is empty or unknown the unit is inferred from the data: a human body spans
    about 1-2 m, so a median absolute coordinate above 20 means millimetres.
    """
    u = (unit or "").strip().lower()
    if u in LENGTH_SCALE:
        return LENGTH_SCALE[u], u
    if data is not None and np.isfinite(data).any():
        med = float(np.nanmedian(np.abs(data)))
        if med > 20.0:
            return 1e-3, "mm (inferred)"
        return 1.0, "m (inferred)"
    return 1.0, "m (assumed)"
