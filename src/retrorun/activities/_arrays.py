"""Small numpy helpers shared by the readers and checks (no file I/O)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

#: Mean Earth radius, m (IUGG).
EARTH_RADIUS_M = 6_371_008.8


def float_array(values: Sequence[object]) -> np.ndarray:
    """Convert a column of decoded values to float64, ``NaN`` for anything that is not a number.

    The fast path is one ``np.asarray`` call; a corrupt file can put tuples or strings where numbers
    belong, and then each value is converted on its own.
    """
    try:
        arr = np.asarray(values, dtype=float)
        if arr.ndim == 1 and arr.size == len(values):
            return arr
    except (TypeError, ValueError, OverflowError):
        pass
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            try:
                out[i] = float(v)
            except OverflowError:
                pass
    return out


def time_array(values: Sequence[object]) -> tuple[np.ndarray, bool]:
    """Timestamps (aware/naive-UTC datetimes or device-relative integer seconds) as float s.

    Returns
    -------
    seconds : numpy.ndarray
        POSIX seconds for datetimes, the raw count for integers, ``NaN`` otherwise.
    relative : bool
        True when no value was a calendar datetime (FIT device-relative timestamps).
    """
    out = np.full(len(values), np.nan)
    any_dt = False
    for i, v in enumerate(values):
        if isinstance(v, datetime):
            any_dt = True
            try:
                out[i] = v.timestamp() if v.tzinfo else v.replace(tzinfo=UTC).timestamp()
            except (OverflowError, ValueError, OSError):
                pass
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            out[i] = float(v)
    return out, not any_dt


def haversine_cumulative(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Cumulative great-circle path length, m; gaps (NaN positions) add nothing.

    Parameters
    ----------
    lat_deg, lon_deg : numpy.ndarray
        Positions in degrees.
    """
    n = lat_deg.size
    if n == 0:
        return np.empty(0)
    ok = np.isfinite(lat_deg) & np.isfinite(lon_deg)
    idx = np.flatnonzero(ok)
    out = np.full(n, np.nan)
    if idx.size == 0:
        return out
    la = np.radians(lat_deg[idx])
    lo = np.radians(lon_deg[idx])
    dla = np.diff(la)
    dlo = np.diff(lo)
    a = np.sin(dla / 2) ** 2 + np.cos(la[:-1]) * np.cos(la[1:]) * np.sin(dlo / 2) ** 2
    seg = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    cum = np.concatenate(([0.0], np.cumsum(seg)))
    out[idx] = cum
    # carry the last known distance over gaps so the column stays monotone
    filled = np.maximum.accumulate(np.where(np.isfinite(out), out, -np.inf))
    filled[filled == -np.inf] = 0.0
    return filled


def local_xy(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Equirectangular projection to metres about the mean position, shape (n, 2) [east, north].

    Good to well under 0.1 % over a few km, which is all the track and flatness checks need.
    """
    lat0 = np.nanmean(lat_deg)
    lon0 = np.nanmean(lon_deg)
    x = np.radians(lon_deg - lon0) * EARTH_RADIUS_M * np.cos(np.radians(lat0))
    y = np.radians(lat_deg - lat0) * EARTH_RADIUS_M
    return np.column_stack((x, y))


def nan_stat(fn, arr: np.ndarray) -> float | None:
    """``fn`` (e.g. ``np.mean``) over the finite values of *arr*, ``None`` when there are none."""
    a = arr[np.isfinite(arr)]
    return float(fn(a)) if a.size else None
