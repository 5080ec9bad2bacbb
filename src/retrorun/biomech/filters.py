"""Zero-lag Butterworth filtering and differentiation.

The filter is ``scipy.signal.sosfiltfilt`` with a ``scipy.signal.butter`` design — odd
padding, steady-state initial conditions — computed with numpy alone (each pass an FFT
convolution with the filter's impulse response; equal to scipy's to ~1e-13 of the signal
range, tested). Importing ``scipy.signal`` costs about 1 s (it pulls in ``scipy.stats``),
several times the whole analysis of a 30 s trial, so the analysis does not import it.
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
def _butter_impulse(order: int, wn: float) -> np.ndarray:
    """Impulse response of the digital Butterworth low-pass ``scipy.signal.butter(order,
    wn)`` (*wn* as a fraction of Nyquist), truncated where the slowest pole has decayed
    below 1e-18 (cached).

    Design as scipy: analog prototype poles, pre-warped cut-off, bilinear transform (all
    zeros at z = −1, unit gain at DC). The response is the inverse FFT of the frequency
    response on a grid several times longer than the decay, so aliasing is below double
    precision.
    """
    fs2 = 4.0  # 2·fs with fs = 2 (wn is a fraction of Nyquist), as scipy
    warped = fs2 * np.tan(np.pi * wn / 2.0)
    m = np.arange(-order + 1, order, 2)
    p_a = -warped * np.exp(1j * np.pi * m / (2 * order))  # scaled analog poles
    p = (fs2 + p_a) / (fs2 - p_a)  # digital poles
    gain = warped ** order / np.real(np.prod(fs2 - p_a))
    r = float(np.abs(p).max())
    decay = int(np.ceil(np.log(1e-18) / np.log(r))) + 16 if r > 0 else 16
    nfft = 1 << max(10, int(np.ceil(np.log2(8 * decay))))
    zinv = np.exp(-2j * np.pi * np.arange(nfft // 2 + 1) / nfft)  # z⁻¹ on the grid
    freq = gain * np.prod((1.0 + zinv[:, None]) / (1.0 - p[None, :] * zinv[:, None]), axis=1)
    # |p|^decay < 1e-18: beyond `decay` samples the response is below double precision
    return np.fft.irfft(freq, nfft)[:max(decay, 3)].copy()


def _fast_len(n: int) -> int:
    """Smallest 2·3·5-smooth integer ≥ *n* (fast FFT length)."""
    best = 1 << int(np.ceil(np.log2(max(n, 1))))
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            q = p35
            while q < n:
                q *= 2
            best = min(best, q)
            p35 *= 3
        p5 *= 5
    return best


def _causal_steady(h: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Causal filtering of the rows of *x* (k, M) with impulse response *h*, started in
    the steady state of the first sample (as ``sosfilt`` with ``zi = sosfilt_zi · x[0]``:
    the input continued by x[0] into the past), by FFT convolution."""
    m, L = x.shape[1], h.size
    nfft = _fast_len(m + L - 1)
    y = np.fft.irfft(np.fft.rfft(x, nfft, axis=1) * np.fft.rfft(h, nfft), nfft, axis=1)[:, :m]
    s = np.cumsum(h)
    missing = s[-1] - (s[:m] if m <= L else np.concatenate([s, np.full(m - L, s[-1])]))
    return y + x[:, :1] * missing[None, :]


def _filtfilt(h: np.ndarray, x: np.ndarray, padlen: int) -> np.ndarray:
    """Forward-backward filtering along axis 0 with odd extension and steady-state
    initial conditions: the algorithm of ``scipy.signal.sosfiltfilt`` (equal to it to
    ~1e-13 of the signal range, tested), with each pass an FFT convolution."""
    n = x.shape[0]
    xt = x.reshape(n, -1).T  # (k, N) view
    if padlen > 0:
        ext = np.concatenate([2 * xt[:, :1] - xt[:, padlen:0:-1], xt,
                              2 * xt[:, -1:] - xt[:, -2:-padlen - 2:-1]], axis=1)
    else:
        ext = np.ascontiguousarray(xt)
    y = _causal_steady(h, ext)
    y = _causal_steady(h, y[:, ::-1])[:, ::-1]
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
    h = _butter_impulse(int(order), float(wn))
    filled, mask = fill_gaps(x, axis=axis)
    # scipy's default for sosfiltfilt: 3 × (2 × sections + 1)
    padlen = min(3 * (2 * ((int(order) + 1) // 2) + 1), n - 1)
    if n < 4:
        return x.copy()
    xm = np.moveaxis(filled, axis, 0)
    if not np.isfinite(xm).all():  # all-NaN columns (and inf) as np.nan_to_num
        xm = np.nan_to_num(xm)
    y = np.moveaxis(_filtfilt(h, xm, padlen), 0, axis)
    if keep_nan:
        y[mask] = np.nan
    return y


def derivative(x: np.ndarray, fs: float, *, order: int = 1, axis: int = 0) -> np.ndarray:
    """Central-difference derivative (``numpy.gradient``) of *order* 1 or 2, units/sⁿ."""
    y = np.asarray(x, dtype=float)
    for _ in range(order):
        y = np.gradient(y, 1.0 / fs, axis=axis)
    return y
