"""scipy.signal's compiled kernels without importing ``scipy.signal``.

``import scipy.signal`` runs its package ``__init__``, which imports every submodule and
``scipy.stats``: about 0.9 s, six times the whole analysis of a 30 s trial, paid by every
``retrorun analyze`` call. The analysis needs two of its compiled (Cython) modules:
``_sosfilt`` (cascaded second-order-section filtering) and ``_peak_finding_utils`` (the
steps of ``find_peaks``). They depend on numpy only, so they are loaded here from their
extension files and registered under their own names — a later ``import scipy.signal``
reuses them.

Each kernel is checked on a small known case when first loaded; if this scipy lays its
files out differently or a kernel behaves otherwise, the getters return ``None`` and the
callers use scipy's public functions (same results, slower start-up).
"""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import numpy as np

__all__ = ["peak_kernels", "sosfilt_kernel"]


def _extension(name: str) -> ModuleType:
    """Module ``scipy.signal.<name>`` loaded from its extension file (no package init)."""
    full = f"scipy.signal.{name}"
    mod = sys.modules.get(full)
    if mod is not None:
        return mod
    import scipy

    folder = Path(scipy.__file__).parent / "signal"
    (path,) = [f for f in folder.iterdir()
               if f.name.startswith(f"{name}.") and f.suffix in (".so", ".pyd")]
    spec = importlib.util.spec_from_file_location(full, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sys.modules[full] = mod
    return mod


@lru_cache(maxsize=1)
def sosfilt_kernel():
    """``_sosfilt(sos, x, zi)``: filters the C-contiguous rows of *x* in place (zi: (rows,
    sections, 2), updated in place), or ``None``."""
    try:
        kernel = _extension("_sosfilt")._sosfilt
        # one section y[n] = 0.5 x[n] + 0.2 y[n−1] from rest, impulse input
        x = np.zeros((1, 4))
        x[0, 0] = 1.0
        kernel(np.array([[0.5, 0.0, 0.0, 1.0, -0.2, 0.0]]), x, np.zeros((1, 1, 2)))
        return kernel if np.allclose(x[0], [0.5, 0.1, 0.02, 0.004], rtol=0, atol=1e-15) \
            else None
    except Exception:  # another layout or behaviour: the public function
        return None


@lru_cache(maxsize=1)
def peak_kernels():
    """``(_local_maxima_1d, _select_by_peak_distance, _peak_prominences)``, or ``None``."""
    try:
        mod = _extension("_peak_finding_utils")
        k = (mod._local_maxima_1d, mod._select_by_peak_distance, mod._peak_prominences)
        x = np.array([0.0, 1.0, 0.0, 2.0, 2.0, 0.0, 3.0, 1.0, 0.0])
        peaks = k[0](x)[0]
        keep = k[1](peaks, x[peaks], 3.0)
        prom = k[2](x, peaks, -1)[0]
        ok = (peaks.tolist() == [1, 3, 6] and keep.tolist() == [False, True, True]
              and prom.tolist() == [1.0, 2.0, 3.0])
        return k if ok else None
    except Exception:
        return None
