"""Turn an imported activity into the log fields of a planned session (pure functions).

``log_fields_from_activity(activity, planned_session, backward_laps=None)`` finds the backward laps
and checks them:

1. laps carrying FIT ``wkt_step_index`` (the watch followed our exported workout) map straight onto
   the workout steps;
2. otherwise the lap sequence is compared with the laps the exported workout produces (one lap per
   executed step, :func:`retrorun.export.fit_workout.expected_laps`): same order, time steps within
   ``max(5 s, 15 %)``, distance steps within ``max(15 m, 20 %)`` (GPS), extra laps allowed only at
   the end (auto-laps in the open main run);
3. otherwise the runner names the laps (``backward_laps``, 1-based); without them the backward
   minutes stay unknown and a warning says how to mark them.

Checks over the backward laps: flat surface (:mod:`.surface`), a 400 m track when the block asks for
one, pace above the ceiling in more than 20 % of moving 15 s windows, heart rate above the ceiling
for more than 20 % of the time (design rules: allow GPS spikes and brief surges; on a track with
GPS distance the speed ceiling gets a 10 % allowance because GPS laps on a track read ≈ 10 % long),
truncated file, and a date that differs from the planned one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retrorun.activities.model import Activity
from retrorun.activities.pace import fraction_over_hr, fraction_over_speed
from retrorun.activities.summary import path_distance
from retrorun.activities.surface import detect_track, flatness

#: warn when more than this fraction of moving time is above the speed ceiling (design rule)
PACE_OVER_WARN = 0.20
#: warn when heart rate is above the ceiling for more than this fraction of time (design rule)
HR_OVER_WARN = 0.20
#: on a track GPS distance reads ≈ 10 % long (watch-and-calendar research §7)
TRACK_GPS_ALLOWANCE = 1.10
#: lap-to-step tolerances (design rule; watches end time steps to the second, GPS distance wobbles)
TIME_TOL_S, TIME_TOL_FRAC = 5.0, 0.15
DIST_TOL_M, DIST_TOL_FRAC = 15.0, 0.20


def _lap_time(lap) -> float:
    return lap.timer_s if lap.timer_s is not None else lap.duration_s


def _lap_fits(lap, exp) -> bool:
    if exp.duration_s is not None:
        return abs(_lap_time(lap) - exp.duration_s) <= max(
            TIME_TOL_S, TIME_TOL_FRAC * exp.duration_s
        )
    if exp.distance_m is not None:
        if lap.distance_m is None:
            return True  # no lap distance recorded: cannot contradict
        return abs(lap.distance_m - exp.distance_m) <= max(
            DIST_TOL_M, DIST_TOL_FRAC * exp.distance_m
        )
    return True  # open step


def identify_backward_laps(
    activity: Activity, planned_session: dict[str, Any]
) -> tuple[list[int] | None, list[int], str | None]:
    """Backward laps (0-based) from the workout structure.

    Returns
    -------
    backward : list[int] | None
        Indices of the backward laps, ``None`` when the laps do not follow the workout.
    work : list[int]
        The backward laps that are work repeats (not recoveries).
    how : str | None
        'wkt_step_index' or 'workout_steps'.
    """
    from retrorun.export.fit_workout import expected_laps, session_steps

    steps = session_steps(planned_session)
    expected = expected_laps(steps)
    laps = activity.laps
    if not expected or not laps:
        return None, [], None
    by_index = {s.index: s for s in steps}
    if all(lap.wkt_step_index is not None for lap in laps):
        back, work = [], []
        for i, lap in enumerate(laps):
            st = by_index.get(lap.wkt_step_index)
            if st is None:
                break
            if st.backward:
                back.append(i)
                if st.intensity not in ("rest", "recovery"):
                    work.append(i)
        else:
            return back, work, "wkt_step_index"
    n_back_exp = max((k for k, e in enumerate(expected) if e.backward), default=-1) + 1
    if len(laps) < n_back_exp:
        return None, [], None
    # the open main run (last expected lap) may be split into any number of auto-laps
    compare = min(len(laps), len(expected))
    last_open = expected[-1].duration_s is None and expected[-1].distance_m is None
    if len(laps) > len(expected) and not last_open:
        return None, [], None
    for k in range(compare):
        if (
            k == len(expected) - 1
            and expected[k].duration_s is None
            and expected[k].distance_m is None
        ):
            break
        if not _lap_fits(laps[k], expected[k]):
            return None, [], None
    back = [k for k in range(compare) if expected[k].backward]
    work = [k for k in back if expected[k].work]
    return back, work, "workout_steps"


def _block_ceilings(planned_session: dict[str, Any]) -> tuple[float | None, float | None, str]:
    from retrorun.export.plan_dict import is_backward

    speeds, hrs, surface = [], [], "any"
    blocks = planned_session.get("blocks") or []
    for b in blocks:
        if b.get("kind") == "backward_warmup":
            surface = b.get("surface") or surface
        for s in b.get("steps", []):
            if is_backward(s):
                if s.get("pace_ceiling_m_s"):
                    speeds.append(float(s["pace_ceiling_m_s"]))
                if s.get("hr_ceiling_bpm"):
                    hrs.append(float(s["hr_ceiling_bpm"]))
    if planned_session.get("hr_ceiling_bpm"):
        hrs.append(float(planned_session["hr_ceiling_bpm"]))
    return (max(speeds) if speeds else None, min(hrs) if hrs else None, surface)


def backward_block_checks(
    activity: Activity,
    backward_laps: list[int],
    *,
    speed_ceiling_m_s: float | None = None,
    hr_ceiling_bpm: float | None = None,
    surface: str | None = None,
    work_laps: list[int] | None = None,
) -> dict[str, Any]:
    """Minutes, reps, surface and ceiling checks over the given laps (1-based lap numbers).

    Raises
    ------
    ValueError
        When a lap number does not exist in the activity.
    """
    n = len(activity.laps)
    bad = [k for k in backward_laps if not 1 <= k <= n]
    if bad:
        raise ValueError(f"lap(s) {bad} do not exist: the activity has {n} laps")
    idx = sorted(set(k - 1 for k in backward_laps))
    laps = [activity.laps[k] for k in idx]
    minutes = sum(_lap_time(lap) for lap in laps) / 60.0
    dist = path_distance(activity)
    mask = np.zeros(activity.t.size, dtype=bool)
    for lap in laps:
        mask |= (activity.t >= lap.start_s) & (activity.t <= lap.end_s)
    warnings: list[str] = []
    # surface: flatness over the backward laps only
    flat = flatness(dist[mask], activity.ele[mask]) if mask.any() else None
    if flat is not None and flat.flat is False:
        warnings.append(
            "backward laps not on flat ground: "
            f"elevation range {flat.elevation_range_m:.1f} m, ascent {flat.ascent_m:.1f} m"
            + (f" ({flat.ascent_per_km:.1f} m/km)" if flat.ascent_per_km is not None else "")
        )
    # track: the watch's label, else stadium windows overlapping the backward laps in time
    det = detect_track(activity.lat, activity.lon, activity.sub_sport)
    on_track: bool | None = det.on_track
    if det.source == "gps" and det.on_track and laps:
        on_track = _overlaps_track(activity, det, laps)
    if surface == "track":
        if on_track is False:
            warnings.append("backward laps not on a 400 m track (the plan asks for a track)")
        elif on_track is None:
            warnings.append("could not check for a 400 m track (no GPS and no track sub-sport)")
    # pace and heart rate against the ceilings
    t = activity.t[mask]
    pace_frac = None
    if speed_ceiling_m_s and mask.any():
        ceiling = speed_ceiling_m_s
        if on_track and activity.has_gps:
            # GPS on a track reads ≈ 10 % long (research notes §7): allow for it
            ceiling *= TRACK_GPS_ALLOWANCE
        fr = [
            fraction_over_speed(activity.t[m], dist[m], ceiling) for m in _lap_masks(activity, laps)
        ]
        fr = [f for f in fr if f is not None]
        pace_frac = float(np.mean(fr)) if fr else None
        if pace_frac is not None and pace_frac > PACE_OVER_WARN:
            warnings.append(
                f"pace over the ceiling ({speed_ceiling_m_s:.2f} m/s) in {pace_frac:.0%} of "
                "moving time of the backward laps"
            )
    hr_frac = None
    if hr_ceiling_bpm and mask.any():
        hr_frac = fraction_over_hr(t, activity.hr[mask], hr_ceiling_bpm)
        if hr_frac is not None and hr_frac > HR_OVER_WARN:
            warnings.append(
                f"heart rate over the ceiling ({hr_ceiling_bpm:.0f} bpm) for {hr_frac:.0%} of "
                "the backward laps"
            )
    reps = len(work_laps) if work_laps is not None else len(idx)
    bdist = sum(lap.distance_m for lap in laps if lap.distance_m is not None) or None
    return {
        "laps": [k + 1 for k in idx],
        "minutes": round(minutes, 2),
        "repetitions": reps,
        "distance_m": round(bdist, 1) if bdist else None,
        "flat": flat.flat if flat is not None else None,
        "flatness": flat.to_dict() if flat is not None else None,
        "on_track": on_track,
        "pace_over_fraction": None if pace_frac is None else round(pace_frac, 3),
        "hr_over_fraction": None if hr_frac is None else round(hr_frac, 3),
        "warnings": warnings,
    }


def _lap_masks(activity: Activity, laps) -> list[np.ndarray]:
    return [(activity.t >= lap.start_s) & (activity.t <= lap.end_s) for lap in laps]


def _overlaps_track(activity: Activity, det, laps) -> bool:
    """True when at least half of the backward time lies in a flagged stadium window."""
    from retrorun.activities._arrays import local_xy
    from retrorun.activities.surface import smoothed_path

    ok = np.isfinite(activity.lat) & np.isfinite(activity.lon)
    d = smoothed_path(local_xy(activity.lat[ok], activity.lon[ok]))
    t = activity.t[ok]
    in_track = np.zeros(t.size, dtype=bool)
    for s, e in det.windows:
        in_track |= (d >= s) & (d <= e)
    lap_mask = np.zeros(t.size, dtype=bool)
    for lap in laps:
        lap_mask |= (t >= lap.start_s) & (t <= lap.end_s)
    if not lap_mask.any():
        return False
    return bool(np.count_nonzero(in_track & lap_mask) >= 0.5 * np.count_nonzero(lap_mask))


#: surfaces the training log accepts (``retrorun.training.logs.SURFACES`` on the store branch)
LOG_SURFACES = ("track", "treadmill", "grass", "road", "trail", "indoor", "other")


def _surface_detail(activity: Activity, checks: dict[str, Any] | None) -> str:
    """'track' | 'treadmill' | 'flat_path' | 'not_flat' | 'unknown' (what the sensors show)."""
    if activity.sub_sport in ("treadmill", "indoor_running"):
        return "treadmill"
    src = checks or {}
    if src.get("on_track"):
        return "track"
    if src.get("flat") is True:
        return "flat_path"
    if src.get("flat") is False:
        return "not_flat"
    return "unknown"


def _log_surface(activity: Activity, detail: str) -> str | None:
    """The detail mapped onto the log's vocabulary; ``None`` when the sensors cannot tell."""
    if detail in ("track", "treadmill"):
        return detail
    if activity.sub_sport == "trail" or detail == "not_flat":
        return "trail"
    if detail == "flat_path":
        return "road"
    return None


def log_fields_from_activity(
    activity: Activity,
    planned_session: dict[str, Any],
    backward_laps: list[int] | None = None,
    *,
    tz: str | None = None,
) -> dict[str, Any]:
    """Log fields for *planned_session* (a ``Plan.to_dict()`` session) from an imported activity.

    Parameters
    ----------
    activity : Activity
        From :func:`retrorun.activities.reader.read_activity`.
    planned_session : dict
        The planned session (``session_id``, ``date``, ``blocks`` …).
    backward_laps : list[int] | None
        Lap numbers (1-based) the runner marks as backward; overrides the automatic match.
    tz : str | None
        IANA time zone for the activity's calendar date (default UTC: a 06:00 run in Sydney is
        the previous day in UTC).

    Returns
    -------
    dict
        ``session_id``, ``date`` (ISO date of the activity, else the planned date),
        ``backward_minutes`` (None when the backward laps are unknown), ``repetitions``,
        ``backward_laps`` (1-based), ``identified_by`` ('runner' | 'wkt_step_index' |
        'workout_steps' | None), ``expected_backward_laps`` (backward laps the exported workout
        produces), ``block_complete`` (all of them found; ``None`` when the runner marked the laps
        or none were found), ``surface`` (the log's vocabulary :data:`LOG_SURFACES`: 'track',
        'treadmill', 'road' for a flat outdoor path, 'trail' when not flat, or None when unknown),
        ``surface_detail`` ('track' | 'treadmill' | 'flat_path' | 'not_flat' | 'unknown'),
        ``on_track``, ``flat``, ``pace_over_fraction``, ``hr_over_fraction``, ``distance_m``
        (backward laps), ``source_file``, ``truncated``, ``warnings`` (list of str), ``checks``
        (details).
    """
    speed_ceiling, hr_ceiling, surface = _block_ceilings(planned_session)
    warnings: list[str] = []
    planned_date = planned_session.get("date")
    act_date = None
    if activity.start is not None:
        start = activity.start
        if tz:
            from zoneinfo import ZoneInfo

            start = start.astimezone(ZoneInfo(tz))
        act_date = start.date().isoformat()
    if act_date and planned_date and act_date != str(planned_date):
        warnings.append(
            f"activity date {act_date} differs from the planned session date {planned_date}"
        )
    if activity.truncated:
        warnings.append("activity file is truncated: only the part before the break was used")
    how: str | None
    work: list[int] | None
    if backward_laps:
        how = "runner"
        laps1 = list(backward_laps)
        work = None
    else:
        back, work0, how = identify_backward_laps(activity, planned_session)
        if back is None:
            laps1 = []
            work = None
            warnings.append(
                f"could not identify the backward laps: the {len(activity.laps)} laps do not "
                "follow the session's workout steps; mark them (e.g. --backward-laps 1,3,5)"
            )
        else:
            laps1 = [k + 1 for k in back]
            work = work0
    checks = None
    if laps1:
        checks = backward_block_checks(
            activity,
            laps1,
            speed_ceiling_m_s=speed_ceiling,
            hr_ceiling_bpm=hr_ceiling,
            surface=surface,
            work_laps=work,
        )
        warnings.extend(checks["warnings"])
    detail = _surface_detail(activity, checks)
    from retrorun.export.fit_workout import expected_laps, session_steps

    n_expected = sum(e.backward for e in expected_laps(session_steps(planned_session)))
    complete = None
    if how in ("wkt_step_index", "workout_steps"):
        complete = len(laps1) >= n_expected
        if activity.truncated and not complete:
            warnings.append(
                f"the file broke inside the backward block: {len(laps1)} of {n_expected} "
                "backward laps were read"
            )
    return {
        "session_id": planned_session.get("session_id"),
        "date": act_date or (str(planned_date) if planned_date else None),
        "backward_minutes": checks["minutes"] if checks else None,
        "repetitions": checks["repetitions"] if checks else None,
        "backward_laps": laps1,
        "identified_by": how if laps1 else None,
        "expected_backward_laps": n_expected or None,
        "block_complete": complete,
        "surface": _log_surface(activity, detail),
        "surface_detail": detail,
        "on_track": checks["on_track"] if checks else None,
        "flat": checks["flat"] if checks else None,
        "pace_over_fraction": checks["pace_over_fraction"] if checks else None,
        "hr_over_fraction": checks["hr_over_fraction"] if checks else None,
        "distance_m": checks["distance_m"] if checks else None,
        "source_file": activity.path,
        "truncated": activity.truncated,
        "warnings": warnings,
        "checks": checks,
    }
