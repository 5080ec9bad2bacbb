"""Read GPX tracks with gpxpy, including Garmin ``gpxtpx`` heart rate/cadence extensions."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import gpxpy
import numpy as np

from retrorun.activities._arrays import float_array, haversine_cumulative, time_array
from retrorun.activities._xml import repair_xml
from retrorun.activities.model import Activity, ActivityError, Lap

#: extension tag (local name, lower case) → column
_HR_TAGS = {"hr", "heartrate"}
_CAD_TAGS = {"cad", "cadence", "runcadence"}
#: timestamps before this are placeholders (GPSBabel writes 1901-12-13 when the source had none)
_EPOCH_MIN = datetime(1980, 1, 1, tzinfo=UTC).timestamp()


#: full tag (with namespace) → 'hr' | 'cad' | None, filled as tags are met
_TAG_KIND: dict[str, str | None] = {}


def _kind(tag: str) -> str | None:
    kind = _TAG_KIND.get(tag, "?")
    if kind == "?":
        name = tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()
        kind = "hr" if name in _HR_TAGS else "cad" if name in _CAD_TAGS else None
        if len(_TAG_KIND) < 1000:  # hostile files cannot grow the cache without bound
            _TAG_KIND[tag] = kind
    return kind


def _ext(point) -> tuple[str | None, str | None]:
    hr = cad = None
    for e in point.extensions:
        for c in e.iter():
            tag = c.tag
            if not isinstance(tag, str):
                continue
            kind = _kind(tag)
            if kind == "hr":
                hr = c.text
            elif kind == "cad":
                cad = c.text
    return hr, cad


def _num(s: str | None) -> float | None:
    if s is None:
        return None
    try:
        return float(s)
    except ValueError:
        return None


def _text(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ActivityError(path, f"GPX is not valid UTF-8 text ({exc})") from None


def read_gpx(path: str, data: bytes) -> Activity:
    """Parse GPX bytes (repairing leading junk and undeclared prefixes first).

    Cadence (``gpxtpx:cad``, ``gpxdata:cadence``) is strides/min and is doubled to steps/min.
    Distance is the haversine path length (GPX carries no device distance).
    """
    fixed, notes = repair_xml(data, prefixes=False)
    try:
        g = gpxpy.parse(_text(path, fixed))
    except ActivityError:
        raise
    except Exception as exc:  # gpxpy wraps most errors in GPXXMLSyntaxException, not all
        refixed, more = repair_xml(fixed)
        if not more:
            raise ActivityError(
                path, f"GPX could not be parsed: {type(exc).__name__}: {exc}"
            ) from None
        notes += more
        try:
            g = gpxpy.parse(_text(path, refixed))
        except Exception as exc2:
            raise ActivityError(
                path, f"GPX could not be parsed even after repair: {type(exc2).__name__}: {exc2}"
            ) from None
    times: list = []
    lat: list = []
    lon: list = []
    ele: list = []
    hr: list = []
    cad: list = []
    seg_bounds: list[int] = []
    for trk in g.tracks:
        for seg in trk.segments:
            seg_bounds.append(len(times))
            for p in seg.points:
                times.append(p.time)
                lat.append(p.latitude)
                lon.append(p.longitude)
                ele.append(p.elevation)
                if p.extensions:
                    h, c = _ext(p)
                    hr.append(_num(h))
                    cad.append(_num(c))
                else:
                    hr.append(None)
                    cad.append(None)
    if not times:
        raise ActivityError(path, "GPX holds no track points")
    act = Activity(path=str(path), source_format="gpx", warnings=notes)
    t_abs, _ = time_array(times)
    t_abs[t_abs < _EPOCH_MIN] = np.nan
    valid_t = np.isfinite(t_abs)
    act.lat = float_array(lat)
    act.lon = float_array(lon)
    act.ele = float_array(ele)
    act.hr = float_array(hr)
    act.hr[(act.hr <= 0) | (act.hr > 255)] = np.nan
    act.cadence = float_array(cad) * 2.0
    act.cadence[act.cadence <= 0] = np.nan
    act.speed = np.full(len(times), np.nan)
    act.distance = haversine_cumulative(act.lat, act.lon)
    act.sport = (g.tracks[0].type or None) if g.tracks else None
    act.device = g.creator
    if np.count_nonzero(valid_t) < 2 or np.any(np.diff(t_abs[valid_t]) < 0):
        act.warnings.append(
            "no valid timestamps (missing, placeholder dates or going backwards): "
            "duration, pace and heart-rate timing are unknown"
        )
        act.t = np.full(len(times), np.nan)
    else:
        t0 = float(t_abs[valid_t][0])
        act.start = datetime.fromtimestamp(t0, tz=UTC)
        act.t = t_abs - t0
        if not valid_t.all():
            act.warnings.append(f"{int((~valid_t).sum())} track points without a valid time")
    # GPX has no laps: one lap per track segment (a single segment gives one lap)
    seg_bounds.append(len(times))
    for a, b in itertools.pairwise(seg_bounds):
        if b <= a:
            continue
        ts = act.t[a:b]
        ts = ts[np.isfinite(ts)]
        d = act.distance[a:b]
        act.laps.append(
            Lap(
                start_s=float(ts[0]) if ts.size else float("nan"),
                duration_s=float(ts[-1] - ts[0]) if ts.size else float("nan"),
                distance_m=float(d[-1] - d[0]) if d.size else None,
                trigger="segment",
            )
        )
    return act
