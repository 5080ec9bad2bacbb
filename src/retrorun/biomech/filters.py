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
def _sos(order: int, wn: float) -> tuple[np.ndarray, np.ndarray]:
    """Second-order sections and their steady-state initial conditions (cached)."""
    from scipy.signal import butter, sosfilt_zi

    sos = butter(order, wn, output="sos")
    return sos, sosfilt_zi(sos)


def _sosfiltfilt(sos: np.ndarray, zi: np.ndarray, x: np.ndarray, padlen: int) -> np.ndarray:
    """Forward-backward filtering along axis 0 with odd extension — the algorithm of
    ``scipy.signal.sosfiltfilt`` with the initial conditions cached per filter.

    The columns are filtered as rows of a (k, N) array along its last axis, the layout
    ``sosfilt`` works in (no transposing copies inside scipy); the arithmetic per column
    is the same, so the result is identical."""
    from scipy.signal import sosfilt

    n = x.shape[0]
    xt = x.reshape(n, -1).T  # (k, N) view
    if padlen > 0:
        ext = np.concatenate([2 * xt[:, :1] - xt[:, padlen:0:-1], xt,
                              2 * xt[:, -1:] - xt[:, -2:-padlen - 2:-1]], axis=1)
    else:
        ext = xt
    z = zi[:, None, :]  # (sections, 1, 2)
    y, _ = sosfilt(sos, ext, axis=-1, zi=z * ext[:, 0][None, :, None])
    y, _ = sosfilt(sos, y[:, ::-1], axis=-1, zi=z * y[:, -1][None, :, None])
    y = y[:, ::-1]
    if padlen > 0:
        y = y[:, padlen:y.shape[1] - padlen]
    return y.T.reshape(x.shape)


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
    x = np.asarray(x, dtype=float)
    n = x.shape[axis]
    wn = min(cutoff / (fs / 2.0), 0.99)
    sos, zi = _sos(int(order), float(wn))
    filled, mask = fill_gaps(x, axis=axis)
    padlen = min(3 * (2 * len(sos) + 1), n - 1)
    if n < 4:
        return x.copy()
    xm = np.moveaxis(filled, axis, 0)
    if not np.isfinite(xm).all():  # all-NaN columns (and inf) as np.nan_to_num
        xm = np.nan_to_num(xm)
    y = np.moveaxis(_sosfiltfilt(sos, zi, xm, padlen), 0, axis)
    if keep_nan:
        y[mask] = np.nan
    return y


def derivative(x: np.ndarray, fs: float, *, order: int = 1, axis: int = 0) -> np.ndarray:
    """Central-difference derivative (``numpy.gradient``) of *order* 1 or 2, units/sⁿ."""
    y = np.asarray(x, dtype=float)
    for _ in range(order):
        y = np.gradient(y, 1.0 / fs, axis=axis)
    return y
