"""Read FIT activity files with fitdecode into an :class:`~retrorun.activities.model.Activity`.

One pass over the fitdecode iterator: record fields go straight into column lists (converted to
numpy once at the end), laps/sessions/file_id are kept as small dicts. Handles chained FIT files
(several headers: fitdecode reads through them), compressed-timestamp headers, device-relative
timestamps (no calendar date), developer fields, and truncated/corrupt files (keeps what was read
and sets ``truncated``).
"""

from __future__ import annotations

import io
import warnings as _warnings
from datetime import UTC, datetime

import fitdecode
import numpy as np

from retrorun.activities._arrays import float_array, time_array
from retrorun.activities.model import SAMPLE_FIELDS, Activity, ActivityError, Lap

#: record field → column index
_REC = {
    "timestamp": 0,
    "position_lat": 1,
    "position_long": 2,
    "enhanced_altitude": 3,
    "altitude": 4,
    "heart_rate": 5,
    "cadence": 6,
    "fractional_cadence": 7,
    "enhanced_speed": 8,
    "speed": 9,
    "distance": 10,
}
_NREC = len(_REC)
#: semicircles → degrees
_SEMI = 180.0 / 2**31
#: sports whose FIT ``cadence`` is strides/min (one foot) — doubled to steps/min
_STRIDE_SPORTS = {None, "running", "walking", "hiking", "generic", "training", "transition"}
_FRAME_DATA = fitdecode.FIT_FRAME_DATA
_FRAME_HEADER = fitdecode.FIT_FRAME_HEADER


def _num(x: object) -> float | None:
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        v = float(x)
        return v if np.isfinite(v) else None
    return None


def _ts(x: object) -> float | None:
    """Datetime → POSIX s; int → device-relative s."""
    if isinstance(x, datetime):
        try:
            return x.timestamp()
        except (OverflowError, ValueError, OSError):
            return None
    return _num(x)


def read_fit(path: str, data: bytes) -> Activity:
    """Decode the FIT bytes *data* (read from *path*) into an :class:`Activity`.

    Raises
    ------
    ActivityError
        When nothing usable could be read (not a FIT file, broken header, no record/lap/session).
    """
    rows: list[list] = []
    laps: list[dict] = []
    sessions: list[dict] = []
    file_id: dict = {}
    activity_msg: dict = {}
    dev_names: list[str] = []
    n_headers = 0
    error: str | None = None
    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always")
        try:
            with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.WARN) as fr:
                for f in fr:
                    ft = f.frame_type
                    if ft == _FRAME_DATA:
                        name = f.name
                        if name == "record":
                            row = [None] * _NREC
                            for fld in f.fields:
                                i = _REC.get(fld.name)
                                if i is not None:
                                    row[i] = fld.value
                            rows.append(row)
                        elif name == "lap":
                            laps.append({fld.name: fld.value for fld in f.fields})
                        elif name == "session":
                            sessions.append({fld.name: fld.value for fld in f.fields})
                        elif name == "activity" and not activity_msg:
                            activity_msg = {fld.name: fld.value for fld in f.fields}
                        elif name == "file_id" and not file_id:
                            file_id = {fld.name: fld.value for fld in f.fields}
                        elif name == "field_description":
                            for fld in f.fields:
                                if fld.name == "field_name" and isinstance(fld.value, str):
                                    dev_names.append(fld.value)
                    elif ft == _FRAME_HEADER:
                        n_headers += 1
        except Exception as exc:  # fitdecode raises FitError subclasses, but hostile bytes
            # can trip anything inside the decoder (struct/Index/Unicode errors): "broken file".
            error = f"{type(exc).__name__}: {exc}"
    warns = [f"FIT: {w.message}" for w in caught]
    if n_headers == 0:
        raise ActivityError(path, f"not a readable FIT file ({error or 'no FIT header'})")
    if not rows and not sessions and not laps:
        raise ActivityError(
            path,
            f"FIT file holds no activity data (no record, lap or session message){_why(error)}",
        )
    act = Activity(path=str(path), source_format="fit")
    act.warnings.extend(warns)
    if n_headers > 1:
        act.warnings.append(f"chained FIT file: {n_headers} FIT headers read in sequence")
    if dev_names:
        act.developer_fields = sorted(set(dev_names))
    if error is not None:
        act.truncated = True
        act.warnings.append(
            f"file is truncated or corrupt ({error}); kept the {len(rows)} records, "
            f"{len(laps)} laps and {len(sessions)} sessions read before the error"
        )
    _fill(act, rows, laps, sessions, file_id)
    act.utc_offset_s = utc_offset(activity_msg)
    return act


def utc_offset(activity_msg: dict) -> int | None:
    """The watch's UTC offset, s, from the FIT ``activity`` message: ``local_timestamp``
    minus ``timestamp`` (both written by the device at the end of the activity), rounded
    to 15 minutes; ``None`` when either is missing or not a calendar time, or the offset
    is beyond ±14 h."""
    ts, local = activity_msg.get("timestamp"), activity_msg.get("local_timestamp")
    if not isinstance(ts, datetime) or not isinstance(local, datetime):
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    if local.tzinfo is None:
        local = local.replace(tzinfo=UTC)
    off = round((local - ts).total_seconds() / 900.0) * 900
    return int(off) if abs(off) <= 14 * 3600 else None


def _why(error: str | None) -> str:
    return f"; decoding stopped with {error}" if error else ""


def _fill(act: Activity, rows: list[list], laps: list[dict], sessions: list[dict], file_id: dict):
    cols = list(zip(*rows, strict=True)) if rows else [()] * _NREC
    t_abs, relative = time_array(cols[0])
    # --- choose the session to summarise (multisport / chained files hold several)
    sess_info = []
    for s in sessions:
        sess_info.append(
            {
                "sport": _str(s.get("sport")),
                "sub_sport": _str(s.get("sub_sport")),
                "start": _ts(s.get("start_time")),
                "total_elapsed_s": _num(s.get("total_elapsed_time")),
                "total_timer_s": _num(s.get("total_timer_time")),
                "total_distance_m": _num(s.get("total_distance")),
                "avg_hr": _num(s.get("avg_heart_rate")),
            }
        )
    chosen = _choose_session(sess_info)
    if chosen is not None and len(sess_info) > 1:
        s = sess_info[chosen]
        sports = ", ".join(str(x["sport"]) for x in sess_info)
        dist = s["total_distance_m"]
        act.warnings.append(
            f"multisport file with {len(sess_info)} sessions ({sports}); summarised session "
            f"{chosen + 1} ({s['sport']}"
            + (f", {dist / 1000:.2f} km" if dist is not None else "")
            + ")"
        )
    act.sessions = [
        {k: v for k, v in s.items() if k != "start"} | {"start": _iso(s["start"], relative)}
        for s in sess_info
    ]
    lo, hi = -np.inf, np.inf
    if chosen is not None:
        s = sess_info[chosen]
        act.sport, act.sub_sport = s["sport"], s["sub_sport"]
        if not act.truncated:
            act.total_elapsed_s = s["total_elapsed_s"]
            act.total_timer_s = s["total_timer_s"]
            act.total_distance_m = s["total_distance_m"]
            act.avg_hr_device = s["avg_hr"]
        elif s["total_elapsed_s"] is not None:
            act.warnings.append(
                "the session message claims "
                f"{s['total_elapsed_s']:.0f} s"
                + (
                    f" and {s['total_distance_m']:.0f} m"
                    if s["total_distance_m"] is not None
                    else ""
                )
                + "; the summary uses only the samples that were readable"
            )
        if len(sess_info) > 1 and s["start"] is not None:
            lo = s["start"]
            hi = lo + (s["total_elapsed_s"] or np.inf)
    # --- samples
    keep = (t_abs >= lo) & (t_abs <= hi) if np.isfinite(lo) else np.ones(t_abs.size, dtype=bool)
    t_abs = t_abs[keep]
    finite_t = t_abs[np.isfinite(t_abs)]
    start_abs = sess_info[chosen]["start"] if chosen is not None else None
    if start_abs is None:
        start_abs = float(finite_t[0]) if finite_t.size else 0.0
    if chosen is not None and sessions[chosen].get("start_time") is not None:
        relative = not isinstance(sessions[chosen].get("start_time"), datetime)
    if relative:
        act.start = None
        act.warnings.append(
            "device-relative FIT timestamps (the watch had no calendar time): start date unknown"
        )
    else:
        try:
            act.start = datetime.fromtimestamp(start_abs, tz=UTC)
        except (OverflowError, ValueError, OSError):
            act.start = None
    act.t = t_abs - start_abs

    def col(i: int) -> np.ndarray:
        return float_array(cols[i])[keep] if rows else np.empty(0)

    act.lat = col(1) * _SEMI
    act.lon = col(2) * _SEMI
    bad = (np.abs(act.lat) > 90) | (np.abs(act.lon) > 180)
    act.lat[bad] = np.nan
    act.lon[bad] = np.nan
    ele = col(3)
    alt = col(4)
    act.ele = np.where(np.isfinite(ele), ele, alt)
    act.hr = col(5)
    act.hr[(act.hr <= 0) | (act.hr > 255)] = np.nan
    cad = col(6)
    frac = col(7)
    cad = cad + np.where(np.isfinite(frac), frac, 0.0)
    cad[cad <= 0] = np.nan
    factor = 2.0 if act.sport in _STRIDE_SPORTS else 1.0
    act.cadence = cad * factor
    spd = col(8)
    act.speed = np.where(np.isfinite(spd), spd, col(9))
    act.distance = col(10)
    if len(sess_info) > 1 and rows:
        # multisport: the record distance runs on from the first leg; rebase it to this session
        d0 = np.nanmin(act.distance) if np.isfinite(act.distance).any() else 0.0
        act.distance = act.distance - d0
    limit = 2 * 86400.0
    if chosen is not None and sess_info[chosen]["total_elapsed_s"] is not None:
        limit = sess_info[chosen]["total_elapsed_s"] + 60.0
    _sanitise(act, limit)
    # --- device
    manu = _str(file_id.get("manufacturer"))
    prod = file_id.get("product_name") or file_id.get("garmin_product") or file_id.get("product")
    act.device = " ".join(str(x) for x in (manu, prod) if x is not None) or None
    # --- laps of the chosen session
    for lp in laps:
        ls = _ts(lp.get("start_time"))
        el = _num(lp.get("total_elapsed_time"))
        if ls is None or el is None:
            continue
        if np.isfinite(lo) and not (lo - 1 <= ls <= hi):
            continue
        c = _num(lp.get("avg_running_cadence"))
        if c is None:
            c = _num(lp.get("avg_cadence"))
        if c is not None:
            c = (c + (_num(lp.get("avg_fractional_cadence")) or 0.0)) * factor
        act.laps.append(
            Lap(
                start_s=ls - start_abs,
                duration_s=el,
                timer_s=_num(lp.get("total_timer_time")),
                distance_m=_num(lp.get("total_distance")),
                avg_hr=_num(lp.get("avg_heart_rate")),
                max_hr=_num(lp.get("max_heart_rate")),
                avg_cadence_spm=c,
                intensity=_str(lp.get("intensity")),
                trigger=_str(lp.get("lap_trigger")),
                wkt_step_index=_int(lp.get("wkt_step_index")),
            )
        )
    act.laps.sort(key=lambda x: x.start_s)


def _sanitise(act: Activity, limit_s: float) -> None:
    """Drop samples with impossible times (corrupt last record, clock jumps); sort by time."""
    t = act.t
    ok = np.isfinite(t) & (t >= -1.0) & (t <= limit_s)
    n_bad = int(t.size - np.count_nonzero(ok))
    if n_bad:
        act.warnings.append(f"dropped {n_bad} samples with impossible timestamps")
    order = np.flatnonzero(ok)
    if order.size > 1 and np.any(np.diff(t[order]) < 0):
        order = order[np.argsort(t[order], kind="stable")]
    if n_bad or order.size != t.size or np.any(order != np.arange(t.size)):
        for name in SAMPLE_FIELDS:
            setattr(act, name, getattr(act, name)[order])


def _choose_session(sess: list[dict]) -> int | None:
    if not sess:
        return None
    runs = [i for i, s in enumerate(sess) if s["sport"] in ("running", "walking")]
    pool = runs or list(range(len(sess)))
    return max(pool, key=lambda i: sess[i]["total_elapsed_s"] or 0.0)


def _int(x: object) -> int | None:
    return int(x) if isinstance(x, int) and not isinstance(x, bool) else None


def _str(x: object) -> str | None:
    if x is None:
        return None
    return x if isinstance(x, str) else str(x)


def _iso(ts: float | None, relative: bool) -> str | None:
    if ts is None or relative:
        return None
    try:
        return datetime.fromtimestamp(ts, tz=UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return None
