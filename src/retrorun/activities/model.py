"""Plain data for an imported activity: laps, per-sample numpy arrays, and what went wrong.

Units are SI inside: time in s since the activity start, distance in m, speed in m/s, elevation
in m, heart rate in bpm, cadence in steps/min (both feet; FIT/GPX/TCX running cadence is
strides/min and is doubled on import). Latitude/longitude stay in degrees: they are geographic
coordinates, not angles used in computation (:mod:`retrorun.activities.surface` projects them to a
local metric frame).
Missing samples are ``NaN``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

#: Names of the per-sample arrays held by :class:`Activity`, in this order.
SAMPLE_FIELDS: tuple[str, ...] = ("t", "lat", "lon", "ele", "hr", "cadence", "speed", "distance")


class ActivityError(ValueError):
    """An activity file could not be read; ``str()`` names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass
class Lap:
    """One lap as the device recorded it (or as rebuilt from a TCX/GPX file).

    Attributes
    ----------
    start_s : float
        Lap start, s after the activity start.
    duration_s : float
        Elapsed time of the lap, s.
    timer_s : float | None
        Timer (moving) time, s, when the device wrote it.
    distance_m : float | None
        Lap distance, m.
    avg_hr, max_hr : float | None
        Heart rate, bpm.
    avg_cadence_spm : float | None
        Cadence, steps/min.
    intensity : str | None
        FIT/TCX lap intensity ('active', 'rest', 'warmup', ...).
    trigger : str | None
        What ended the lap ('manual', 'distance', 'time', 'session_end', ...).
    wkt_step_index : int | None
        FIT ``lap.wkt_step_index``: the workout step the watch was on (when following a workout).
    """

    start_s: float
    duration_s: float
    timer_s: float | None = None
    distance_m: float | None = None
    avg_hr: float | None = None
    max_hr: float | None = None
    avg_cadence_spm: float | None = None
    intensity: str | None = None
    trigger: str | None = None
    wkt_step_index: int | None = None

    @property
    def end_s(self) -> float:
        """Lap end, s after the activity start."""
        return self.start_s + self.duration_s

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (numbers rounded for display)."""
        return {
            "start_s": _r(self.start_s, 1),
            "duration_s": _r(self.duration_s, 1),
            "timer_s": _r(self.timer_s, 1),
            "distance_m": _r(self.distance_m, 1),
            "avg_hr": _r(self.avg_hr, 1),
            "max_hr": _r(self.max_hr, 1),
            "avg_cadence_spm": _r(self.avg_cadence_spm, 1),
            "intensity": self.intensity,
            "trigger": self.trigger,
            "wkt_step_index": self.wkt_step_index,
        }


def _r(x: float | None, n: int) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), n)


def _empty() -> np.ndarray:
    return np.empty(0, dtype=float)


@dataclass
class Activity:
    """An imported activity.

    Attributes
    ----------
    path : str
        The file it came from.
    source_format : str
        'fit', 'gpx' or 'tcx'.
    start : datetime | None
        Start time, timezone-aware UTC; ``None`` when the file has no calendar time (device-relative
        FIT timestamps, GPX without valid times).
    sport, sub_sport : str | None
        As the device labelled it (FIT ``session.sport``/``sub_sport``, TCX ``Activity/@Sport``).
    device : str | None
        Manufacturer and product, when known.
    t, lat, lon, ele, hr, cadence, speed, distance : numpy.ndarray
        Samples (see module docstring for units); all the same length, ``NaN`` where missing.
    laps : list[Lap]
        Laps in time order.
    total_elapsed_s, total_timer_s, total_distance_m, avg_hr_device : float | None
        Totals written by the device (FIT session, TCX laps) when present.
    truncated : bool
        True when the file ended early or broke; the samples are what was read before that point.
    warnings : list[str]
        Everything noteworthy that did not stop the import (repairs, truncation, multisport choice).
    sessions : list[dict]
        FIT sessions found (sport, start, durations, distance) — more than one in a multisport file.
    developer_fields : list[str]
        Names of FIT developer fields seen (Stryd, Suunto, ...), kept for information.
    utc_offset_s : int | None
        The recording device's UTC offset, s (FIT ``activity.local_timestamp``); ``None``
        when the file does not say (GPX, TCX, many FIT files).
    """

    path: str
    source_format: str
    start: datetime | None = None
    sport: str | None = None
    sub_sport: str | None = None
    device: str | None = None
    t: np.ndarray = field(default_factory=_empty)
    lat: np.ndarray = field(default_factory=_empty)
    lon: np.ndarray = field(default_factory=_empty)
    ele: np.ndarray = field(default_factory=_empty)
    hr: np.ndarray = field(default_factory=_empty)
    cadence: np.ndarray = field(default_factory=_empty)
    speed: np.ndarray = field(default_factory=_empty)
    distance: np.ndarray = field(default_factory=_empty)
    laps: list[Lap] = field(default_factory=list)
    total_elapsed_s: float | None = None
    total_timer_s: float | None = None
    total_distance_m: float | None = None
    avg_hr_device: float | None = None
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)
    sessions: list[dict] = field(default_factory=list)
    developer_fields: list[str] = field(default_factory=list)
    utc_offset_s: int | None = None

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.t.size)

    @property
    def has_gps(self) -> bool:
        """True when at least two samples carry a position."""
        return bool(np.count_nonzero(np.isfinite(self.lat) & np.isfinite(self.lon)) >= 2)

    def select(self, mask: np.ndarray) -> dict[str, np.ndarray]:
        """The sample arrays restricted to a boolean *mask* (a plain dict of arrays)."""
        return {name: getattr(self, name)[mask] for name in SAMPLE_FIELDS}

    def window(self, t0: float, t1: float) -> dict[str, np.ndarray]:
        """The sample arrays with ``t0 <= t <= t1`` (s after the start)."""
        return self.select((self.t >= t0) & (self.t <= t1))
