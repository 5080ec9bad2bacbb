"""Per-stance / per-stride segmentation, time normalisation (101 points) and cycle metrics.

A *stance* runs from a foot strike to the next toe-off of the same foot; a *stride* from a
foot strike to the next foot strike of the same foot. Times are in seconds on the trial's
time base. Time normalisation is vectorised: one ``np.interp``-style gather for all cycles.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Cycle",
    "cycle_metrics",
    "nan_mean_sd",
    "stances",
    "strides",
    "time_normalize",
]


@dataclass(frozen=True)
class Cycle:
    """One stance or stride: ``start``/``end`` in s, ``kind`` "stance"/"stride", side."""

    start: float
    end: float
    kind: str
    side: str

    @property
    def duration(self) -> float:
        return self.end - self.start


def stances(
    foot_strike: np.ndarray, toe_off: np.ndarray, side: str, *, max_duration: float = 2.0
) -> list[Cycle]:
    """Pair each foot strike with the first later toe-off (before the next strike)."""
    fs = np.sort(np.asarray(foot_strike, float))
    to = np.sort(np.asarray(toe_off, float))
    out = []
    for i, s in enumerate(fs):
        nxt = fs[i + 1] if i + 1 < len(fs) else np.inf
        j = np.searchsorted(to, s, side="right")
        if j < len(to) and to[j] < nxt and to[j] - s <= max_duration:
            out.append(Cycle(float(s), float(to[j]), "stance", side))
    return out


def strides(foot_strike: np.ndarray, side: str, *, max_duration: float = 3.0) -> list[Cycle]:
    """Consecutive foot strikes of one foot (gaps longer than *max_duration* are skipped)."""
    fs = np.sort(np.asarray(foot_strike, float))
    return [
        Cycle(float(a), float(b), "stride", side)
        for a, b in itertools.pairwise(fs)
        if 0 < b - a <= max_duration
    ]


def time_normalize(
    x: np.ndarray, time: np.ndarray, cycles: list[Cycle], n: int = 101
) -> np.ndarray:
    """Resample *x* within each cycle to *n* points (linear interpolation).

    Parameters
    ----------
    x : (N,) or (N, k) array on the time base *time* (s, increasing, uniform or not).
    cycles : list of Cycle
    n : points per cycle (101 → 0, 1, ..., 100 % of the cycle)

    Returns
    -------
    (C, n) or (C, n, k) array; NaN where a cycle leaves the recorded time range.
    """
    x = np.asarray(x, float)
    time = np.asarray(time, float)
    if not cycles:
        return np.empty((0, n, *x.shape[1:]))
    starts = np.array([c.start for c in cycles])
    ends = np.array([c.end for c in cycles])
    tq = starts[:, None] + np.linspace(0.0, 1.0, n)[None, :] * (ends - starts)[:, None]
    # fractional index on a uniform or non-uniform time base
    idx = np.interp(tq, time, np.arange(time.size), left=np.nan, right=np.nan)
    lo = np.clip(np.floor(np.nan_to_num(idx)).astype(int), 0, time.size - 1)
    hi = np.clip(lo + 1, 0, time.size - 1)
    w = np.nan_to_num(idx) - lo
    if x.ndim > 1:
        w = w[..., None]
    out = (1.0 - w) * x[lo] + w * x[hi]
    bad = np.isnan(idx)
    out[bad] = np.nan
    return out


def nan_mean_sd(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (population) standard deviation along *axis* ignoring NaN, as
    ``np.nanmean``/``np.nanstd`` (NaN where every value is NaN) in two passes, without
    their copies and warnings."""
    x = np.asarray(x, float)
    nan = np.isnan(x)
    if not nan.any():
        return x.mean(axis=axis), x.std(axis=axis)
    cnt = (~nan).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(nan, 0.0, x).sum(axis=axis) / cnt
        d = np.where(nan, 0.0, x - np.expand_dims(m, axis))
        return m, np.sqrt((d * d).sum(axis=axis) / cnt)


def cycle_metrics(curves: np.ndarray) -> dict[str, np.ndarray]:
    """Per-cycle scalars of time-normalised curves ``(C, n)``.

    Returns ``peak`` (max), ``min``, ``range`` (max − min), ``at_strike`` (first point),
    ``peak_time_pct`` (0–100, position of the max), each shape (C,) — or (C, k) for a
    (C, n, k) stack of k curves. NaN-safe: an all-NaN cycle gives NaN.
    """
    c = np.asarray(curves, float)
    n = c.shape[1]
    # the cycle's points last and contiguous: every reduction below runs along rows
    ct = np.ascontiguousarray(np.moveaxis(c, 1, -1))
    nan = np.isnan(ct)
    # fmax/fmin skip NaN (an all-NaN cycle gives NaN) without nanmax's copies and warnings
    peak = np.fmax.reduce(ct, axis=-1)
    low = np.fmin.reduce(ct, axis=-1)
    if nan.any():
        arg = np.argmax(np.where(nan, -np.inf, ct), axis=-1).astype(float)
        arg[nan.all(axis=-1)] = np.nan
    else:
        arg = np.argmax(ct, axis=-1).astype(float)
    return {
        "peak": peak,
        "min": low,
        "range": peak - low,
        "at_strike": c[:, 0],
        "peak_time_pct": 100.0 * arg / max(n - 1, 1),
    }
