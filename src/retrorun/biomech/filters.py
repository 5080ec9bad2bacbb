"""Zero-lag Butterworth filtering and differentiation.

``scipy.signal.sosfiltfilt`` with a ``scipy.signal.butter`` design: the design and the
initial conditions are computed here in numpy (cached), the filtering runs in scipy's
compiled kernel, loaded without importing ``scipy.signal`` (~0.9 s; see
:mod:`retrorun.biomech._scipy_kernels`).
"""

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
    """Second-order sections of the digital Butterworth low-pass ``scipy.signal.butter(
    order, wn)`` (*wn* as a fraction of Nyquist) and their steady-state initial
    conditions per unit input (``sosfilt_zi``), cached.

    Same design as scipy — analog prototype poles, pre-warped cut-off, bilinear transform
    (all zeros at z = −1, unit gain at DC) — in numpy, one section per conjugate pole
    pair (equal to scipy's filter to 1e-11 of the signal range, tested).
    """
    fs2 = 4.0  # 2·fs with fs = 2: wn is a fraction of Nyquist
    warped = fs2 * np.tan(np.pi * wn / 2.0)
    m = np.arange(-order + 1, order, 2)
    p_a = -warped * np.exp(1j * np.pi * m / (2 * order))  # scaled analog poles
    p = (fs2 + p_a) / (fs2 - p_a)  # digital poles
    gain = warped ** order / np.real(np.prod(fs2 - p_a))
    rows = [[1.0, 2.0, 1.0, 1.0, -2.0 * q.real, abs(q) ** 2] for q in p if q.imag > 1e-14]
    if order % 2:
        q = p[np.argmin(np.abs(p.imag))].real
        rows.append([1.0, 1.0, 0.0, 1.0, -q, 0.0])
    sos = np.array(rows)
    sos[0, :3] *= gain
    # steady state of each section for a unit step (scipy.signal.lfilter_zi/sosfilt_zi:
    # transposed direct form II, (I − Aᵀ) z = b[1:] − a[1:] b₀), scaled by the DC gain of
    # the sections before it
    zi = np.empty((len(sos), 2))
    scale = 1.0
    for i, (b0, b1, b2, _, a1, a2) in enumerate(sos):
        zi[i] = scale * np.linalg.solve([[1.0 + a1, -1.0], [a2, 1.0]],
                                        [b1 - a1 * b0, b2 - a2 * b0])
        scale *= (b0 + b1 + b2) / (1.0 + a1 + a2)
    return sos, zi


def _sosfilt(sos: np.ndarray, x: np.ndarray, zi: np.ndarray) -> np.ndarray:
    """``scipy.signal.sosfilt(sos, x, axis=-1, zi=zi)[0]`` for a 2-D *x* (rows)."""
    from retrorun.biomech._scipy_kernels import sosfilt_kernel

    kernel = sosfilt_kernel()
    if kernel is None:
        from scipy.signal import sosfilt

        return sosfilt(sos, x, axis=-1, zi=zi)[0]
    y = np.array(x, dtype=float, order="C")  # filtered in place
    z = np.broadcast_to(zi, (len(sos), y.shape[0], 2))  # (sections, rows, 2)
    kernel(sos, y, np.array(np.moveaxis(z, 0, 1), order="C"))  # kernel: (rows, sections, 2)
    return y


def _sosfiltfilt(sos: np.ndarray, zi: np.ndarray, x: np.ndarray, padlen: int) -> np.ndarray:
    """Forward-backward filtering along axis 0 with odd extension and steady-state
    initial conditions — the algorithm of ``scipy.signal.sosfiltfilt`` with the
    initial conditions cached per filter.

    The columns are filtered as rows of a (k, N) array along its last axis, the layout
    the compiled filter works in; the arithmetic per column is scipy's."""
    n = x.shape[0]
    xt = x.reshape(n, -1).T  # (k, N) view
    if padlen > 0:
        ext = np.concatenate([2 * xt[:, :1] - xt[:, padlen:0:-1], xt,
                              2 * xt[:, -1:] - xt[:, -2:-padlen - 2:-1]], axis=1)
    else:
        ext = xt
    z = zi[:, None, :]  # (sections, 1, 2)
    y = _sosfilt(sos, ext, z * ext[:, 0][None, :, None])
    y = _sosfilt(sos, y[:, ::-1], z * y[:, -1][None, :, None])
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
