"""Synthetic activities for tests (labelled synthetic: no licensed real 400 m-track recording)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from retrorun.activities._arrays import EARTH_RADIUS_M
from retrorun.activities.model import Activity, Lap

LAT0, LON0 = 52.5, 13.4
STRAIGHT, RADIUS = 84.39, 36.80


def stadium_xy(s: np.ndarray, straight: float = STRAIGHT, r: float = RADIUS) -> np.ndarray:
    """Point at path length *s* (m) along a stadium, starting at the start of the home straight."""
    a = straight / 2
    per = 2 * straight + 2 * np.pi * r
    s = np.mod(s, per)
    x = np.empty_like(s)
    y = np.empty_like(s)
    b1 = straight
    b2 = b1 + np.pi * r
    b3 = b2 + straight
    m = s < b1
    x[m], y[m] = -a + s[m], -r
    m = (s >= b1) & (s < b2)
    th = (s[m] - b1) / r - np.pi / 2
    x[m], y[m] = a + r * np.cos(th), r * np.sin(th)
    m = (s >= b2) & (s < b3)
    x[m], y[m] = a - (s[m] - b2), r
    m = s >= b3
    th = (s[m] - b3) / r + np.pi / 2
    x[m], y[m] = -a + r * np.cos(th), r * np.sin(th)
    return np.column_stack((x, y))


def xy_to_latlon(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lat = LAT0 + np.degrees(xy[:, 1] / EARTH_RADIUS_M)
    lon = LON0 + np.degrees(xy[:, 0] / (EARTH_RADIUS_M * np.cos(np.radians(LAT0))))
    return lat, lon


def road_xy(length: float, speed: float, rng: np.random.Generator) -> np.ndarray:
    """A road approach: straight legs with right-angle and oblique corners, 1 Hz."""
    n = int(length / speed)
    heading = np.zeros(n)
    corners = np.sort(rng.choice(np.arange(20, n - 20), size=5, replace=False))
    turns = rng.choice([-np.pi / 2, np.pi / 2, np.pi / 4, -np.pi / 3], size=5)
    for c, tr in zip(corners, turns, strict=True):
        heading[c:] += tr
    step = np.column_stack((np.cos(heading), np.sin(heading))) * speed
    return np.cumsum(step, axis=0)


def track_session(
    laps: int = 5, noise: float = 3.0, approach_m: float = 1800.0, seed: int = 1
) -> Activity:
    """Road approach then *laps* laps of a 400 m track (GPS-like: +5 m outside lane 1, noise)."""
    rng = np.random.default_rng(seed)
    speed = 3.0
    road = road_xy(approach_m, speed, rng)
    s = np.arange(0.0, laps * 400.0, speed)
    track = stadium_xy(s, r=RADIUS + 5.0) + np.array([400.0, 300.0])
    road = road - road[-1] + track[0] - np.array([speed, 0])
    xy = np.vstack((road, track)) + rng.normal(0, noise, size=(road.shape[0] + track.shape[0], 2))
    lat, lon = xy_to_latlon(xy)
    n = lat.size
    t = np.arange(n, dtype=float)
    return Activity(
        path="synthetic-track.fit",
        source_format="fit",
        start=datetime(2026, 12, 1, 7, tzinfo=UTC),
        t=t,
        lat=lat,
        lon=lon,
        ele=np.full(n, 35.0) + rng.normal(0, 0.3, n),
        hr=np.full(n, 130.0),
        cadence=np.full(n, 170.0),
        speed=np.full(n, speed),
        distance=np.arange(n) * speed,
        laps=[Lap(0.0, float(road.shape[0])), Lap(float(road.shape[0]), float(track.shape[0]))],
        sub_sport="generic",
        sport="running",
    )


def activity_from_laps(
    laps: list[tuple[float, float]],
    *,
    start: datetime | None = None,
    hr: float = 120.0,
    ele_slope: float = 0.0,
    with_step_index: list[int] | None = None,
    seed: int = 0,
) -> Activity:
    """An activity of consecutive laps given as (duration s, speed m/s), 1 Hz, straight flat road.

    ``ele_slope`` is the grade (rise/run) of the road; ``with_step_index`` sets FIT
    ``wkt_step_index`` on the laps.
    """
    rng = np.random.default_rng(seed)
    ts, vs, out = [], [], []
    t0 = 0.0
    for k, (dur, v) in enumerate(laps):
        tt = np.arange(t0, t0 + dur, 1.0)
        ts.append(tt)
        vs.append(np.full(tt.size, v))
        out.append(
            Lap(
                start_s=t0,
                duration_s=float(dur),
                timer_s=float(dur),
                distance_m=float(dur * v),
                wkt_step_index=None if with_step_index is None else with_step_index[k],
            )
        )
        t0 += dur
    t = np.concatenate(ts)
    v = np.concatenate(vs)
    d = np.concatenate(([0.0], np.cumsum(v[:-1])))
    xy = np.column_stack((d, np.zeros_like(d))) + rng.normal(0, 1.0, (d.size, 2))
    lat, lon = xy_to_latlon(xy)
    return Activity(
        path="synthetic-laps.fit",
        source_format="fit",
        start=start or datetime(2026, 12, 1, 7, tzinfo=UTC),
        t=t,
        lat=lat,
        lon=lon,
        ele=30.0 + ele_slope * d,
        hr=np.full(t.size, hr),
        cadence=np.full(t.size, 160.0),
        speed=v,
        distance=d,
        laps=out,
        sport="running",
        sub_sport="generic",
        total_elapsed_s=float(t0),
        total_distance_m=float(d[-1]),
    )
