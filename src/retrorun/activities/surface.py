"""Is the surface flat, and is it a 400 m track?

Flatness (design rules, see ``docs/watch-and-calendar.md``; thresholds checked on the real files in
``shared/data/real/activities``):

* ascent with a 3 m hysteresis (GPS/barometric elevation noise of a few metres is not climbing);
* ascent per km of path: ``<= 5 m/km`` counts as flat (a flat marathon: 2.3 m/km; a hilly road run:
  33 m/km; a mountain hike: > 150 m/km);
* elevation range over 400 m windows of path: the 95th percentile must stay ``<= 8 m`` (2 % grade).

Track detection:

* the watch's own label (FIT ``sub_sport == 'track'``) wins when present;
* otherwise a numpy-only stadium fitter over 800 m windows of the GPS path: rotate by PCA,
  grid-search the bend radius ``r`` and half-straight ``a`` of a stadium curve, flag the window when
  the RMS distance to the curve is < 6 m, the long axis 140–200 m, the short axis 60–100 m, the
  perimeter 360–460 m and the points go all the way round (8 of 8 octants). World Athletics lane 1:
  straights 84.39 m, bends r = 36.80 m, 400.0 m; GPS traces of real track runs sit 5–10 m outside
  lane 1 and read ≈ 10 % long, hence the wide perimeter band.
* lap-length check: single-lap GPS distances on a track read 0–15 % over 400 m.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from retrorun.activities._arrays import local_xy

#: hysteresis for ascent, m (design rule: GPS/baro noise is a few metres)
ASCENT_HYSTERESIS_M = 3.0
#: flat if ascent per km of path is at most this, m/km (design rule)
FLAT_ASCENT_PER_KM = 5.0
#: flat if the 95th percentile of elevation range over 400 m of path is at most this, m (2 % grade)
FLAT_WINDOW_RANGE_M = 8.0
FLAT_WINDOW_M = 400.0

#: World Athletics lane-1 geometry, m
TRACK_STRAIGHT_M = 84.39
TRACK_BEND_RADIUS_M = 36.80
TRACK_WINDOW_M = 800.0
TRACK_STEP_M = 200.0
TRACK_MAX_RMS_M = 6.0
TRACK_LONG_AXIS_M = (140.0, 200.0)
TRACK_SHORT_AXIS_M = (60.0, 100.0)
TRACK_PERIMETER_M = (360.0, 460.0)
#: moving-average length for the detector's path distance, samples
SMOOTH_SAMPLES = 5


def ascent_descent(ele: np.ndarray, hysteresis: float = ASCENT_HYSTERESIS_M) -> tuple[float, float]:
    """Total ascent and descent, m, counting a change only once it exceeds *hysteresis* m.

    The samples are first reduced to their turning points (vectorised); the hysteresis walk then
    runs over the turning points only.
    """
    e = ele[np.isfinite(ele)]
    if e.size < 2:
        return 0.0, 0.0
    d = np.diff(e)
    keep = np.flatnonzero(d != 0)
    if keep.size == 0:
        return 0.0, 0.0
    e = np.concatenate((e[:1], e[1:][keep]))
    s = np.sign(np.diff(e))
    turn = np.flatnonzero(s[1:] != s[:-1]) + 1
    ext = np.concatenate((e[:1], e[turn], e[-1:]))
    up = down = 0.0
    ref = ext[0]
    direction = 0
    for v in ext[1:]:
        if direction >= 0 and v > ref:
            if direction == 0 and v - ref < hysteresis:
                continue
            if direction == 0:
                direction = 1
            up += v - ref
            ref = v
        elif direction <= 0 and v < ref:
            if direction == 0 and ref - v < hysteresis:
                continue
            if direction == 0:
                direction = -1
            down += ref - v
            ref = v
        elif direction == 1 and ref - v >= hysteresis:
            direction = -1
            down += ref - v
            ref = v
        elif direction == -1 and v - ref >= hysteresis:
            direction = 1
            up += v - ref
            ref = v
    return float(up), float(down)


def window_ranges(dist: np.ndarray, ele: np.ndarray, window_m: float = FLAT_WINDOW_M) -> np.ndarray:
    """Elevation range (max − min), m, over windows of *window_m* of path, stepping window_m / 4."""
    ok = np.isfinite(dist) & np.isfinite(ele)
    d, e = dist[ok], ele[ok]
    if e.size < 2:
        return np.empty(0)
    span = d[-1] - d[0]
    if span <= window_m:
        return np.array([e.max() - e.min()])
    step = window_m / 4
    edges = d[0] + np.arange(0.0, span, step)
    idx = np.searchsorted(d, edges)
    idx = np.unique(np.clip(idx, 0, e.size - 1))
    bmax = np.maximum.reduceat(e, idx)
    bmin = np.minimum.reduceat(e, idx)
    if bmax.size < 4:
        return np.array([e.max() - e.min()])
    from numpy.lib.stride_tricks import sliding_window_view

    return sliding_window_view(bmax, 4).max(axis=1) - sliding_window_view(bmin, 4).min(axis=1)


@dataclass
class Flatness:
    """Elevation profile figures and the verdict (``flat`` is ``None`` without elevation)."""

    elevation_range_m: float | None
    ascent_m: float | None
    descent_m: float | None
    ascent_per_km: float | None
    window_range_p95_m: float | None
    elevation_std_m: float | None
    flat: bool | None

    def to_dict(self) -> dict:
        return {
            k: (round(float(v), 2) if isinstance(v, (float, np.floating)) else v)
            for k, v in self.__dict__.items()
        }


def flatness(dist: np.ndarray, ele: np.ndarray) -> Flatness:
    """Flatness of a stretch of path (*dist* cumulative path m, *ele* elevation m)."""
    e = ele[np.isfinite(ele)]
    if e.size < 2:
        return Flatness(None, None, None, None, None, None, None)
    up, down = ascent_descent(ele)
    dd = dist[np.isfinite(dist)]
    path_km = (dd.max() - dd.min()) / 1000.0 if dd.size >= 2 else 0.0
    # per-km figures are noise on short stretches: below one window only the range counts
    per_km = up / path_km if path_km * 1000.0 >= FLAT_WINDOW_M else None
    wr = window_ranges(dist, ele)
    p95 = float(np.percentile(wr, 95)) if wr.size else None
    flat_checks = []
    if per_km is not None:
        flat_checks.append(per_km <= FLAT_ASCENT_PER_KM)
    if p95 is not None:
        flat_checks.append(p95 <= FLAT_WINDOW_RANGE_M)
    return Flatness(
        elevation_range_m=float(e.max() - e.min()),
        ascent_m=up,
        descent_m=down,
        ascent_per_km=per_km,
        window_range_p95_m=p95,
        elevation_std_m=float(e.std()),
        flat=all(flat_checks) if flat_checks else None,
    )


@dataclass
class StadiumFit:
    """Best stadium curve through one window of path (metres)."""

    rms_m: float
    long_axis_m: float
    short_axis_m: float
    perimeter_m: float
    radius_m: float
    octants: int

    @property
    def is_track(self) -> bool:
        return bool(
            self.rms_m < TRACK_MAX_RMS_M
            and TRACK_LONG_AXIS_M[0] <= self.long_axis_m <= TRACK_LONG_AXIS_M[1]
            and TRACK_SHORT_AXIS_M[0] <= self.short_axis_m <= TRACK_SHORT_AXIS_M[1]
            and TRACK_PERIMETER_M[0] <= self.perimeter_m <= TRACK_PERIMETER_M[1]
            and self.octants == 8
        )


_R_SCALE = np.linspace(0.8, 1.2, 9)
_A_SHIFT = np.linspace(-8.0, 8.0, 9)


def fit_stadium(xy: np.ndarray, quick: bool = False) -> StadiumFit | None:
    """Fit a stadium (two straights joined by semicircles) to points *xy* (n, 2) in metres.

    With ``quick=True`` windows whose 1–99 % extents are far from a track's return ``None``
    without the grid search (the detector's fast path)."""
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    if xy.shape[0] < 20:
        return None
    c = xy - xy.mean(axis=0)
    cov = c.T @ c / c.shape[0]
    _w, v = np.linalg.eigh(cov)
    rot = c @ v[:, ::-1]  # column 0 = major axis
    x, y = rot[:, 0], rot[:, 1]
    (x1, x99), (y1, y99) = np.percentile(rot, [1, 99], axis=0).T
    x = x - 0.5 * (x1 + x99)
    y = y - 0.5 * (y1 + y99)
    half_l = 0.5 * (x99 - x1)
    half_w = 0.5 * (y99 - y1)
    if half_w < 5.0:
        return None
    if quick and not (
        0.5 * TRACK_LONG_AXIS_M[0] - 20 <= half_l <= 0.5 * TRACK_LONG_AXIS_M[1] + 20
        and 0.5 * TRACK_SHORT_AXIS_M[0] - 15 <= half_w <= 0.5 * TRACK_SHORT_AXIS_M[1] + 15
    ):
        return None  # extents nowhere near a track: skip the grid search
    r = (half_w * _R_SCALE)[:, None]
    a = np.clip(half_l - r + _A_SHIFT[None, :], 0.0, None)  # (9, 9)
    r = np.broadcast_to(r, a.shape).reshape(-1, 1)
    a = a.reshape(-1, 1)
    ax = np.abs(x)[None, :]
    ay = np.abs(y)[None, :]
    dx = np.maximum(ax - a, 0.0)
    dist = np.abs(np.hypot(dx, ay) - r)
    rms = np.sqrt(np.mean(dist**2, axis=1))
    k = int(np.argmin(rms))
    rk, ak = float(r[k, 0]), float(a[k, 0])
    ang = np.arctan2(y, x)
    octants = np.count_nonzero(
        np.bincount(((ang + np.pi) // (np.pi / 4)).astype(int) % 8, minlength=8)
    )
    return StadiumFit(
        rms_m=float(rms[k]),
        long_axis_m=2 * (ak + rk),
        short_axis_m=2 * rk,
        perimeter_m=2 * np.pi * rk + 4 * ak,
        radius_m=rk,
        octants=int(octants),
    )


@dataclass
class TrackDetection:
    """Result of :func:`detect_track` (distances in m of path)."""

    on_track: bool | None
    source: str  # 'sub_sport', 'gps', 'none'
    track_distance_m: float = 0.0
    path_distance_m: float = 0.0
    windows: list[tuple[float, float]] = field(default_factory=list)  # (start m, end m) of path
    best: StadiumFit | None = None

    @property
    def fraction(self) -> float:
        return self.track_distance_m / self.path_distance_m if self.path_distance_m > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "on_track": self.on_track,
            "source": self.source,
            "track_distance_m": round(self.track_distance_m, 1),
            "track_fraction": round(self.fraction, 3),
            "best_fit_rms_m": round(self.best.rms_m, 2) if self.best else None,
            "best_fit_perimeter_m": round(self.best.perimeter_m, 1) if self.best else None,
        }


def smoothed_path(xy: np.ndarray, k: int = SMOOTH_SAMPLES) -> np.ndarray:
    """Cumulative path length, m, of *xy* after a centred *k*-sample moving average.

    White GPS jitter inflates the raw path length (3 m noise at 3 m per sample roughly doubles it);
    the window lengths of the track detector are measured on the smoothed path.
    """
    if xy.shape[0] > k:
        ker = np.ones(k) / k
        pad = k // 2
        xp = np.pad(xy, ((pad, pad), (0, 0)), mode="edge")
        xy = np.column_stack(
            (np.convolve(xp[:, 0], ker, "valid"), np.convolve(xp[:, 1], ker, "valid"))
        )
    seg = np.hypot(*np.diff(xy, axis=0).T)
    return np.concatenate(([0.0], np.cumsum(seg)))


def detect_track(lat: np.ndarray, lon: np.ndarray, sub_sport: str | None = None) -> TrackDetection:
    """Decide whether a GPS path (degrees) was run on a 400 m track.

    ``on_track`` is True when the watch said ``sub_sport == 'track'`` or at least one 800 m window
    fits a stadium; False when there is a GPS path and none fits (or the watch said treadmill);
    ``None`` when there is no usable GPS path.
    """
    if sub_sport == "track":
        return TrackDetection(True, "sub_sport")
    ok = np.isfinite(lat) & np.isfinite(lon)
    if np.count_nonzero(ok) < 20:
        if sub_sport in ("treadmill", "indoor_running"):
            return TrackDetection(False, "sub_sport")
        return TrackDetection(None, "none")
    la, lo = lat[ok], lon[ok]
    xy = local_xy(la, lo)
    d = smoothed_path(xy)
    total = float(d[-1])
    det = TrackDetection(False, "gps", path_distance_m=total)
    starts = np.arange(0.0, max(total - TRACK_WINDOW_M, 0.0) + 1e-9, TRACK_STEP_M)
    i0 = np.searchsorted(d, starts)
    i1 = np.searchsorted(d, starts + TRACK_WINDOW_M)
    flagged: list[tuple[float, float]] = []
    for s, a, b in zip(starts, i0, i1, strict=True):
        if b - a < 20:
            continue
        fit = fit_stadium(xy[a:b], quick=True)
        if fit is None:
            continue
        if det.best is None or (not fit.is_track, fit.rms_m) < (
            not det.best.is_track,
            det.best.rms_m,
        ):
            det.best = fit
        if fit.is_track:
            flagged.append((float(s), float(min(s + TRACK_WINDOW_M, total))))
    if flagged:
        # union of flagged intervals
        merged: list[list[float]] = []
        for s, e in flagged:
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        det.windows = [(s, e) for s, e in merged]
        det.track_distance_m = float(sum(e - s for s, e in merged))
        det.on_track = True
    return det


def track_lap_ratio(lap_distances_m: list[float | None]) -> float | None:
    """Median ratio of lap distance to 400 m over laps of 350–500 m (one track lap each).

    On a track GPS laps read long: expect 1.0–1.15 (≈ 1.10 in the research notes). ``None`` when no
    lap is one track lap long (auto-laps of 1 km or 1 mile say nothing about a track).
    """
    d = np.asarray(
        [x for x in lap_distances_m if x is not None and 350.0 <= x <= 500.0], dtype=float
    )
    if d.size == 0:
        return None
    return float(np.median(d / 400.0))
