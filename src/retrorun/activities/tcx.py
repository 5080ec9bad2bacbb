"""Read TCX activities with tcxreader (laps, HR, cadence, ``RunCadence``/``Speed`` extensions)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import numpy as np
from tcxreader.tcxreader import TCXReader

from retrorun.activities._arrays import float_array, time_array
from retrorun.activities._xml import repair_xml
from retrorun.activities.model import Activity, ActivityError, Lap


def read_tcx(path: str, data: bytes) -> Activity:
    """Parse TCX bytes (whitespace before ``<?xml`` and undeclared prefixes are repaired first).

    tcxreader is called with ``only_gps=False`` so treadmill/foot-pod points are kept. TCX times are
    UTC (``Z``); tcxreader returns them naive and they are read as UTC. ``Cadence``/``RunCadence``
    are strides/min and are doubled to steps/min.
    """
    fixed, notes = repair_xml(data, prefixes=False)
    try:
        ex = TCXReader().read(io.BytesIO(fixed), only_gps=False)
    except Exception as exc:  # ElementTree ParseError, ValueError on bad times, ...
        refixed, more = repair_xml(fixed)
        if not more:
            raise ActivityError(
                path, f"TCX could not be parsed: {type(exc).__name__}: {exc}"
            ) from None
        notes += more
        try:
            ex = TCXReader().read(io.BytesIO(refixed), only_gps=False)
        except Exception as exc2:
            raise ActivityError(
                path, f"TCX could not be parsed even after repair: {type(exc2).__name__}: {exc2}"
            ) from None
    tps = ex.trackpoints or []
    if not tps:
        raise ActivityError(
            path,
            "TCX holds no track points (tcxreader reads <Activity> laps only; "
            "<MultiSportSession> files are not supported)",
        )
    act = Activity(path=str(path), source_format="tcx", warnings=notes)
    n = len(tps)
    times = [p.time for p in tps]
    try:  # tcxreader gives naive UTC datetimes: numpy converts them in C
        t_abs = np.array(times, dtype="datetime64[us]").astype(np.int64) / 1e6
    except (TypeError, ValueError):
        t_abs, _ = time_array(times)
    if not np.isfinite(t_abs).any():
        raise ActivityError(path, "TCX track points carry no valid time")
    act.lat = float_array([p.latitude for p in tps])
    act.lon = float_array([p.longitude for p in tps])
    act.ele = float_array([p.elevation for p in tps])
    act.hr = float_array([p.hr_value for p in tps])
    act.hr[(act.hr <= 0) | (act.hr > 255)] = np.nan
    cad = float_array([p.cadence for p in tps])
    run_cad = float_array([(p.tpx_ext or {}).get("RunCadence") for p in tps])
    cad = np.where(np.isfinite(run_cad), run_cad, cad) * 2.0
    cad[cad <= 0] = np.nan
    act.cadence = cad
    act.speed = float_array([(p.tpx_ext or {}).get("Speed") for p in tps])
    act.distance = float_array([p.distance for p in tps])
    t0_abs = float(np.nanmin(t_abs))
    start = ex.laps[0].start_time if ex.laps else None
    if isinstance(start, datetime):
        t0_abs = min(t0_abs, start.replace(tzinfo=start.tzinfo or UTC).timestamp())
    act.start = datetime.fromtimestamp(t0_abs, tz=UTC)
    act.t = t_abs - t0_abs
    act.sport = ex.activity_type
    author = getattr(ex, "author", None)
    act.device = getattr(author, "name", None) if author is not None else None
    for lp in ex.laps:
        st = lp.start_time
        if not isinstance(st, datetime):
            continue
        ls = st.replace(tzinfo=st.tzinfo or UTC).timestamp() - t0_abs
        dur = _f(lp.duration)
        if dur is None:
            continue
        lt = [p.time for p in lp.trackpoints if isinstance(p.time, datetime)]
        elapsed = (lt[-1].replace(tzinfo=UTC).timestamp() - t0_abs - ls) if lt else dur
        cad_avg = _f(lp.cadence_avg)
        act.laps.append(
            Lap(
                start_s=ls,
                duration_s=max(dur, elapsed),
                timer_s=dur,
                distance_m=_f(lp.distance),
                avg_hr=_f(lp.hr_avg),
                max_hr=_f(lp.hr_max),
                avg_cadence_spm=cad_avg * 2.0 if cad_avg is not None else None,
            )
        )
    timer = [lp.timer_s for lp in act.laps if lp.timer_s is not None]
    dists = [lp.distance_m for lp in act.laps if lp.distance_m is not None]
    act.total_timer_s = float(sum(timer)) if timer else None
    act.total_distance_m = float(sum(dists)) if dists and sum(dists) > 0 else None
    if n and act.laps:
        act.total_elapsed_s = max(float(np.nanmax(act.t)), act.laps[-1].end_s)
    return act


def _f(x: object) -> float | None:
    if isinstance(x, (int, float)) and not isinstance(x, bool) and np.isfinite(x):
        return float(x)
    return None
