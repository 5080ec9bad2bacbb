"""Shared loader of ktk_walk/walk.c3d (Vicon Plug-in Gait outputs) for the mechanics tests."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np


@lru_cache(maxsize=2)
def load_walk(path: Path) -> dict:
    """Markers (m), model outputs (deg, N·mm), PROCESSING values, GRF per plate at 100 Hz."""
    import ezc3d

    c = ezc3d.c3d(str(path), extract_forceplat_data=True)
    labels = c["parameters"]["POINT"]["LABELS"]["value"]
    pts = c["data"]["points"][:3]
    raw = {n: pts[:, i, :].T.astype(float) for i, n in enumerate(labels)}
    model_outputs = {n for n in labels if n[1:] and n[0] in "LR" and n[1].isupper() and
                     any(k in n for k in ("Angle", "Moment", "Force", "Power", "GRF"))}
    markers = {n: v / 1000.0 for n, v in raw.items() if n not in model_outputs}
    proc = {k: float(v["value"][0]) for k, v in c["parameters"]["PROCESSING"].items()
            if k != "__METADATA__"}
    n = pts.shape[2]
    plates = []
    for p in c["data"]["platform"]:
        f = p["force"].T.reshape(n, -1, 3).mean(axis=1)
        cop = p["center_of_pressure"].T.reshape(n, -1, 3).mean(axis=1) / 1000.0
        tz = p["Tz"].T.reshape(n, -1, 3).mean(axis=1) / 1000.0
        plates.append({"force": f, "cop": cop, "tz": tz})
    return {"markers": markers, "outputs": {k: raw[k] for k in model_outputs},
            "processing": proc, "plates": plates, "rate": 100.0}


def rms(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ok = ~(np.isnan(a).any(-1) | np.isnan(b).any(-1))
    return np.sqrt(np.mean((a[ok] - b[ok]) ** 2, axis=0))
