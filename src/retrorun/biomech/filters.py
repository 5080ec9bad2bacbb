"""Zero-lag Butterworth filtering and differentiation (scipy ``sosfiltfilt``)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["butter_lowpass", "derivative", "fill_gaps"]


def fill_gaps(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Linearly interpolate NaN along *axis*; return (filled, nan_mask).

    Columns that are all NaN stay NaN. Leading/trailing NaN take the nearest value.
    """
    x = np.asarray(x, dtype=float)
    mask = np.isnan(x)
    if not mask.any():
        return x, mask
    xm = np.moveaxis(x, axis, 0)
    flat = xm.reshape(xm.shape[0], -1).copy()
    idx = np.arange(flat.shape[0])
    for j in np.flatnonzero(np.isnan(flat).any(axis=0)):  # loop over columns, not frames
        ok = ~np.isnan(flat[:, j])
        if ok.any():
            flat[:, j] = np.interp(idx, idx[ok], flat[ok, j])
    out = np.moveaxis(flat.reshape(xm.shape), 0, axis)
    return out, mask


@lru_cache(maxsize=64)
def _sos(order: int, wn: float) -> np.ndarray:
    from scipy.signal import butter

    return butter(order, wn, output="sos")


def butter_lowpass(x: np.ndarray, fs: float, cutoff: float, *, order: int = 4, axis: int = 0,
                   keep_nan: bool = True) -> np.ndarray:
    """Zero-lag low-pass Butterworth filter (forward-backward, effective order 2×*order*).

    Parameters
    ----------
    x : array, any units; filtered along *axis* (time).
    fs : sampling rate, Hz.
    cutoff : cut-off frequency, Hz (clipped below Nyquist).
    order : filter order of the single pass.
    keep_nan : put NaN back where the input had NaN (gaps are interpolated for filtering).
    """
    from scipy.signal import sosfiltfilt

    x = np.asarray(x, dtype=float)
    n = x.shape[axis]
    wn = min(cutoff / (fs / 2.0), 0.99)
    sos = _sos(int(order), float(wn))
    filled, mask = fill_gaps(x, axis=axis)
    padlen = min(3 * (2 * len(sos) + 1), n - 1)
    if n < 4:
        return x.copy()
    y = sosfiltfilt(sos, np.nan_to_num(filled), axis=axis, padlen=padlen)
    if keep_nan:
        y[mask] = np.nan
    return y


def derivative(x: np.ndarray, fs: float, *, order: int = 1, axis: int = 0) -> np.ndarray:
    """Central-difference derivative (``numpy.gradient``) of *order* 1 or 2, units/sⁿ."""
    y = np.asarray(x, dtype=float)
    for _ in range(order):
        y = np.gradient(y, 1.0 / fs, axis=axis)
    return y
