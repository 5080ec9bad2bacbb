"""The activity summary printed by ``retrorun activity FILE --json`` (plain dict, JSON-ready)."""

from __future__ import annotations

import numpy as np

from retrorun.activities._arrays import haversine_cumulative, nan_stat
from retrorun.activities.model import Activity
from retrorun.activities.surface import detect_track, flatness, track_lap_ratio


def path_distance(act: Activity) -> np.ndarray:
    """Cumulative distance per sample, m: the device distance when present, else the GPS path."""
    d = act.distance
    if d.size and np.count_nonzero(np.isfinite(d)) >= 2:
        # fill gaps (some files alternate position-only and distance-only records)
        ok = np.isfinite(d)
        if ok.all():
            return d
        idx = np.flatnonzero(ok)
        return np.interp(np.arange(d.size), idx, d[idx])
    return haversine_cumulative(act.lat, act.lon)


def _r(x: float | None, n: int = 1) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), n)


def summarise(act: Activity) -> dict:
    """Summary of an activity.

    Keys: ``file``, ``format``, ``start`` (ISO 8601 UTC or None), ``duration_s`` (elapsed),
    ``timer_s``, ``distance_m``, ``laps`` (list of lap dicts), ``avg_hr``, ``max_hr`` (bpm, mean of
    the samples), ``avg_cadence_spm`` (steps/min, mean of non-zero samples), ``elevation_range_m``,
    ``ascent_m``, ``ascent_per_km``, ``flat``, ``on_track`` (True/False/None), ``track``,
    ``track_lap_ratio``, ``sport``, ``sub_sport``, ``device``, ``n_samples``, ``truncated``,
    ``warnings``.
    """
    t = act.t[np.isfinite(act.t)]
    duration = act.total_elapsed_s
    if duration is None and t.size >= 2:
        duration = float(t.max() - t.min())
    dist = path_distance(act)
    distance = act.total_distance_m
    if distance is None:
        fd = dist[np.isfinite(dist)]
        distance = float(fd.max() - min(fd.min(), 0.0)) if fd.size else None
    flat = flatness(dist, act.ele)
    track = detect_track(act.lat, act.lon, act.sub_sport)
    return {
        "file": act.path,
        "format": act.source_format,
        "start": act.start.isoformat() if act.start is not None else None,
        "utc_offset_min": None if act.utc_offset_s is None else act.utc_offset_s // 60,
        "duration_s": _r(duration),
        "timer_s": _r(act.total_timer_s),
        "distance_m": _r(distance),
        "laps": [lap.to_dict() for lap in act.laps],
        "avg_hr": _r(nan_stat(np.mean, act.hr)),
        "max_hr": _r(nan_stat(np.max, act.hr)),
        "avg_cadence_spm": _r(nan_stat(np.mean, act.cadence)),
        "elevation_range_m": _r(flat.elevation_range_m),
        "ascent_m": _r(flat.ascent_m),
        "ascent_per_km": _r(flat.ascent_per_km, 2),
        "flat": flat.flat,
        "on_track": track.on_track,
        "track": track.to_dict(),
        "track_lap_ratio": _r(track_lap_ratio([lap.distance_m for lap in act.laps]), 3),
        "sport": act.sport,
        "sub_sport": act.sub_sport,
        "device": act.device,
        "n_samples": act.n_samples,
        "truncated": act.truncated,
        "warnings": list(act.warnings),
    }
