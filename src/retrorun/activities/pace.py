"""Pace and heart rate against a session's ceilings.

GPS speed spikes and optical-HR dropouts make a single maximum meaningless, so the checks report the
fraction of moving time above the speed ceiling (speed over 15 s windows, from the device distance
when the file has one, else the GPS path) and the fraction of time with heart rate above the HR
ceiling. Both series are put on a 1 s grid first (time-weighted; gaps > 10 s are not filled).
"""

from __future__ import annotations

import numpy as np

#: speed window, s (design rule after the research notes: smooths GPS jitter, still catches surges)
SPEED_WINDOW_S = 15.0
#: below this the runner is standing, m/s
MOVING_MIN_M_S = 0.3
#: do not interpolate across gaps longer than this, s
MAX_GAP_S = 10.0


def _grid(t: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(t) & np.isfinite(v)
    t, v = t[ok], v[ok]
    if t.size < 2:
        return np.empty(0), np.empty(0)
    order = np.argsort(t, kind="stable")
    t, v = t[order], v[order]
    g = np.arange(np.ceil(t[0]), np.floor(t[-1]) + 1.0)
    vals = np.interp(g, t, v)
    # blank grid points that sit in a long gap between samples
    j = np.clip(np.searchsorted(t, g), 1, t.size - 1)
    gap = (t[j] - t[j - 1]) > MAX_GAP_S
    vals[gap] = np.nan
    return g, vals


def speed_windows(t: np.ndarray, dist: np.ndarray, window_s: float = SPEED_WINDOW_S) -> np.ndarray:
    """Mean speed, m/s, over sliding *window_s* windows on a 1 s grid (NaN across gaps)."""
    g, d = _grid(t, dist)
    w = round(window_s)
    if g.size <= w:
        if g.size >= 2 and np.all(np.isfinite(d)):
            return np.array([(d[-1] - d[0]) / (g[-1] - g[0])])
        return np.empty(0)
    return (d[w:] - d[:-w]) / w


def fraction_over_speed(
    t: np.ndarray, dist: np.ndarray, ceiling_m_s: float, window_s: float = SPEED_WINDOW_S
) -> float | None:
    """Fraction of moving 15 s windows whose mean speed exceeds *ceiling_m_s* (None: no data)."""
    v = speed_windows(t, dist, window_s)
    v = v[np.isfinite(v)]
    moving = v[v > MOVING_MIN_M_S]
    if moving.size == 0:
        return None
    return float(np.count_nonzero(moving > ceiling_m_s) / moving.size)


def fraction_over_hr(t: np.ndarray, hr: np.ndarray, ceiling_bpm: float) -> float | None:
    """Fraction of time (1 s grid) with heart rate above *ceiling_bpm* (None: no HR)."""
    _g, h = _grid(t, hr)
    h = h[np.isfinite(h)]
    if h.size == 0:
        return None
    return float(np.count_nonzero(h > ceiling_bpm) / h.size)
