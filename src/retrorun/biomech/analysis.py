"""The analysis pipeline behind ``retrorun analyze``.

``analyze_trial(trial)`` → :class:`AnalysisResult` whose ``to_dict()`` is the JSON
documented in docs/analyze-json.md.

Extending (joint angles, knee–GRF lever arm, moments, asymmetry...): write a function
``step(result: AnalysisResult) -> None`` that reads ``result.trial``,
``result.joint_centres``, ``result.events``, ``result.com``, ``result.body_mass_kg`` and
writes JSON-ready values under ``result.mechanics[<name>]`` and, optionally, appends
:class:`ReportSection` objects to ``result.report_sections``; then register it with
:func:`register_step` (at import of your module) or pass it in ``analyze_trial(...,
steps=[...])``. Steps run in registration order after the core analysis; an exception in
a step is recorded in ``result.warnings`` and does not lose the core result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from retrorun.biomech.com import ComModel, segmental_com
from retrorun.biomech.direction import Direction, detect_direction
from retrorun.biomech.events import (
    SIDES,
    GaitEvents,
    force_events,
    kinematic_events,
    match_events,
    refine_contacts_by_speed,
)
from retrorun.biomech.filters import butter_lowpass, derivative, fill_gaps
from retrorun.biomech.jointcentres import JointCentres, joint_centres
from retrorun.biomech.spatiotemporal import spatiotemporal, summary
from retrorun.biomech.trial import Trial

__all__ = ["ANALYSIS_STEPS", "GRAVITY", "SCHEMA", "AnalysisResult", "ReportSection",
           "analyze_trial", "body_mass_from_grf", "register_step"]

GRAVITY = 9.81  # m/s²
#: Double support per step above which the kinematic contacts say "walking", s (running
#: has none; walking 0.1-0.3 s; design value).
WALKING_DOUBLE_SUPPORT_S = 0.05
SCHEMA = "retrorun.analyze/1"
#: Low-pass cut-off for the COM and the GRF in the COM–GRF check, Hz (same cut-off on both,
#: Kristianslund et al. 2012, to avoid impact-artefact mismatch).
COM_CUTOFF = 6.0

Step = Callable[["AnalysisResult"], None]
#: Extra analysis steps run after the core pipeline (see module docstring).
ANALYSIS_STEPS: list[Step] = []


def register_step(step: Step) -> Step:
    """Register *step* to run in every :func:`analyze_trial` (usable as a decorator)."""
    if step not in ANALYSIS_STEPS:
        ANALYSIS_STEPS.append(step)
    return step


@dataclass
class ReportSection:
    """A section of the HTML report.

    ``figures`` are callables ``f(result) -> matplotlib.figure.Figure``; ``html`` is an
    HTML fragment (escaped by its author) shown under the title.
    """

    title: str
    html: str = ""
    figures: list[Callable[[AnalysisResult], Any]] = field(default_factory=list)


@dataclass
class AnalysisResult:
    """Everything ``analyze_trial`` computed (arrays kept for steps and the report)."""

    trial: Trial
    joint_centres: JointCentres
    direction: Direction
    body_mass_kg: float | None
    body_mass_source: str
    events: GaitEvents
    force_events: GaitEvents | None
    kinematic_events: GaitEvents | None
    spatiotemporal: dict
    com: ComModel
    com_filtered: np.ndarray
    com_metrics: dict
    events_check: dict | None = None
    mechanics: dict[str, Any] = field(default_factory=dict)
    report_sections: list[ReportSection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: side → {"deg": external tibial torsion, "source": ...}
    tibial_torsion: dict[str, dict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The JSON document of ``retrorun analyze`` (docs/analyze-json.md)."""
        from retrorun import __version__

        t = self.trial
        trial_info = {
            "source": t.meta.get("source"),
            "format": t.meta.get("format"),
            "grf_source": t.meta.get("grf_source"),
            "static_source": (t.static.meta.get("source") if t.static is not None else None),
            "synthetic": t.synthetic,
            "synthetic_note": t.meta.get("synthetic_note"),
            "markerset": t.meta.get("markerset"),
            "frame": t.meta.get("frame"),
            "vertical_axis_in_file": t.meta.get("vertical_axis_in_file"),
            "length_unit_in_file": t.meta.get("units", {}).get("length"),
            "duration_s": round(t.duration, 4),
            "start_time_s": round(t.start_time, 4),
            "n_frames": t.n_frames,
            "point_rate_hz": t.point_rate,
            "force_rate_hz": t.force_rate,
            "n_force_plates": len(t.plates),
        }
        file_events = None
        if t.events:
            file_events = {s: {k: [round(float(x), 4) for x in v] for k, v in d.items()}
                           for s, d in t.events.items()}
        return _json_safe({
            "schema": SCHEMA,
            "retrorun_version": __version__,
            "trial": trial_info,
            "direction": self.direction.direction,
            "direction_detail": {k: (round(v, 4) if isinstance(v, float) else v)
                                 for k, v in self.direction.to_dict().items()},
            "body_mass_kg": None if self.body_mass_kg is None else round(self.body_mass_kg, 3),
            "body_mass_source": self.body_mass_source,
            "events_source": self.events.source,
            "events_method": self.events.method,
            "events": self.events.to_dict(),
            "events_check": self.events_check,
            "file_events": file_events,
            "spatiotemporal": self.spatiotemporal,
            "com": self.com_metrics,
            "joint_centres": dict(self.joint_centres.methods),
            "mechanics": self.mechanics,
            "warnings": list(self.warnings),
        })


def _json_safe(obj: Any) -> Any:
    """Recursively turn numpy scalars/arrays into Python values and NaN/inf into None."""
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _json_safe(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


#: Marker gaps longer than this (s) are not trusted for kinematic events: a strike or
#: toe off next to such a gap is not reported (shorter gaps are interpolated).
MAX_EVENT_GAP = 0.05


def long_runs(mask: np.ndarray, min_len: int) -> np.ndarray:
    """``mask`` with only its runs of at least *min_len* consecutive True kept (vectorised)."""
    mask = np.asarray(mask, bool)
    d = np.diff(mask.astype(np.int8), prepend=0, append=0)
    on, off = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    keep = (off - on) >= min_len
    out = np.zeros(len(mask) + 1, int)
    np.add.at(out, on[keep], 1)
    np.add.at(out, off[keep], -1)
    return np.cumsum(out)[:-1] > 0


def _total_vertical_at(trial: Trial, times: np.ndarray, cutoff: float | None = None
                       ) -> np.ndarray:
    """Total GRF (all plates) resampled at *times*, N, shape (len(times), 3)."""
    f = np.sum([np.nan_to_num(p.force) for p in trial.plates], axis=0)
    if cutoff:
        f = butter_lowpass(f, trial.force_rate, cutoff)
    tf = trial.force_time
    return np.stack([np.interp(times, tf, f[:, k], left=np.nan, right=np.nan)
                     for k in range(3)], axis=1)


def body_mass_from_grf(trial: Trial, ev: GaitEvents) -> float | None:
    """Body mass = mean total vertical GRF over whole strides / g, kg.

    Whole strides run from the first to the last foot strike of the side with more
    strikes, so flight and both feet's stances are sampled in proportion.
    """
    side = max(SIDES, key=lambda s: ev[s].foot_strike.size)
    fs = ev[side].foot_strike
    if fs.size < 2:
        return None
    tf = trial.force_time
    fz = np.sum([np.nan_to_num(p.force[:, 2]) for p in trial.plates], axis=0)
    sel = (tf >= fs[0]) & (tf < fs[-1])
    if sel.sum() < 10:
        return None
    return float(np.mean(fz[sel]) / GRAVITY)


def _com_metrics(res_trial: Trial, jc: JointCentres, com_f: np.ndarray, ev: GaitEvents,
                 direction: Direction) -> dict:
    t = res_trial.time
    fs_all = np.sort(np.concatenate([ev.left.foot_strike, ev.right.foot_strike]))
    # vertical oscillation per step (between consecutive foot strikes)
    z = com_f[:, 2]
    osc = []
    if fs_all.size >= 2:
        idx = np.clip(np.searchsorted(t, fs_all), 0, len(t) - 1)
        seg = np.diff(idx)
        ok = (seg > 2) & (np.diff(fs_all) < 1.0)
        # vectorised min/max per step with reduceat over the step boundaries
        a, b = idx[:-1][ok], idx[1:][ok]
        if a.size:
            bounds = np.stack([a, b], axis=1).ravel()
            mx = np.maximum.reduceat(np.nan_to_num(z, nan=-np.inf), bounds)[::2]
            mn = np.minimum.reduceat(np.nan_to_num(z, nan=np.inf), bounds)[::2]
            osc = (mx - mn)[np.isfinite(mx - mn)]
    mid_hip = jc.get("mid_hip")
    rel = {"x": {}, "z": {}}
    ahead = {}
    for s in SIDES:
        fst = ev[s].foot_strike
        if fst.size == 0:
            rel["x"][s] = rel["z"][s] = ahead[s] = summary([])
            continue
        k = np.clip(np.round((fst - t[0]) * res_trial.point_rate).astype(int), 0, len(t) - 1)
        c = com_f[k]
        if mid_hip is not None:
            d = c - mid_hip[k]
            rel["x"][s] = summary(d[:, 0])
            rel["z"][s] = summary(d[:, 2])
        foot = [jc[key][k] for key in (f"heel_{s[0]}", f"toe_{s[0]}") if key in jc]
        if foot:
            fp = np.mean(np.stack(foot), axis=0)
            ahead[s] = summary((fp[:, 0] - c[:, 0]) * direction.travel_sign)
        else:
            ahead[s] = summary([])

    def both(d: dict) -> dict:
        vals = [d[s] for s in SIDES]
        n = sum(v["n"] for v in vals)
        mean = (sum(v["mean"] * v["n"] for v in vals if v["n"]) / n) if n else None
        return {"mean": None if mean is None else round(mean, 4),
                "left": d["left"]["mean"], "right": d["right"]["mean"], "by_side": d}

    return {
        "cutoff_hz": COM_CUTOFF,
        "mean_height_m": round(float(np.nanmean(z)), 4),
        "vertical_oscillation_m": summary(osc),
        "relative_to_pelvis_at_foot_strike_m": {"x": both(rel["x"]) if rel["x"] else None,
                                                 "z": both(rel["z"]) if rel["z"] else None},
        "foot_ahead_of_com_at_foot_strike_m": both(ahead),
    }


def _grf_check(trial: Trial, com_f: np.ndarray, mass: float, mode: str,
               fe: GaitEvents | None, ke: GaitEvents | None) -> dict | None:
    """Newton check: m·a_COM + m·g vs summed GRF during stance.

    Treadmill or per-foot force data measure the whole body; overground plates only when
    the other foot is off the ground, so overground frames are kept only inside force
    contacts while the opposite foot has no kinematic contact.
    """
    if not trial.plates or mass is None:
        return None
    fs = trial.point_rate
    a = derivative(com_f, fs, order=2)
    pred = mass * a + mass * np.array([0.0, 0.0, GRAVITY])
    grf = _total_vertical_at(trial, trial.time, cutoff=COM_CUTOFF)
    st = grf[:, 2] > 50.0
    whole_body = mode == "treadmill" or all(p.foot is not None for p in trial.plates)
    if not whole_body:
        if fe is None:
            return None
        t = trial.time
        keep = np.zeros(len(t), bool)
        for i, s in enumerate(SIDES):
            on_plate = _inside(t, fe[s].contacts())
            other = ke[SIDES[1 - i]].contacts() if ke is not None else np.zeros((0, 2))
            keep |= on_plate & ~_inside(t, other)
        st &= keep
    ok = st & np.isfinite(pred).all(axis=1) & np.isfinite(grf).all(axis=1)
    if ok.sum() < 10:
        return None
    bw = mass * GRAVITY
    e = pred[ok] - grf[ok]
    return {
        "stance_frames": int(ok.sum()),
        "rms_error_vertical_pct_bw": round(float(np.sqrt(np.mean(e[:, 2] ** 2)) / bw * 100), 2),
        "rms_error_anteroposterior_pct_bw": round(
            float(np.sqrt(np.mean(e[:, 0] ** 2)) / bw * 100), 2),
        "correlation_vertical": round(float(np.corrcoef(pred[ok, 2], grf[ok, 2])[0, 1]), 4),
        "cutoff_hz": COM_CUTOFF,
    }


def _double_support(ev: GaitEvents) -> float | None:
    """Median time both feet are in contact per step, s (``None`` without contacts).

    Running has none (flight phases); walking ~0.1-0.15 s.
    """
    cl, cr = ev.left.contacts(), ev.right.contacts()
    if cl.size == 0 or cr.size == 0:
        return None
    # overlap of every left contact with every right contact (few contacts: small matrix)
    ov = (np.minimum(cl[:, None, 1], cr[None, :, 1])
          - np.maximum(cl[:, None, 0], cr[None, :, 0]))
    ov = ov[ov > 0]
    return float(np.median(ov)) if ov.size else 0.0


def _inside(t: np.ndarray, intervals: np.ndarray) -> np.ndarray:
    """Boolean mask of *t* inside any [start, end) interval (vectorised)."""
    if intervals.size == 0:
        return np.zeros(len(t), bool)
    d = np.zeros(len(t) + 1, int)
    np.add.at(d, np.searchsorted(t, intervals[:, 0]), 1)
    np.add.at(d, np.searchsorted(t, intervals[:, 1]), -1)
    return np.cumsum(d)[:-1] > 0


def _belt_speed(trial: Trial, jc: JointCentres, ev: GaitEvents) -> float | None:
    """Treadmill belt speed: median |X velocity| of the foot in mid-stance, m/s."""
    fs = trial.point_rate
    t = trial.time
    vals = []
    for s in SIDES:
        keys = [k for k in (f"heel_{s[0]}", f"toe_{s[0]}") if k in jc]
        if not keys:
            continue
        p = np.mean(np.stack([jc[k] for k in keys]), axis=0)
        vx = np.gradient(butter_lowpass(p[:, 0], fs, 10.0), 1.0 / fs)
        c = ev[s].contacts()
        if c.size == 0:
            continue
        q1 = c[:, 0] + 0.3 * (c[:, 1] - c[:, 0])
        q3 = c[:, 0] + 0.7 * (c[:, 1] - c[:, 0])
        mask = _inside(t, np.stack([q1, q3], axis=1))
        vals.append(vx[mask & np.isfinite(vx)])
    if not vals or not np.concatenate(vals).size:
        return None
    return float(np.abs(np.median(np.concatenate(vals))))


def _events_check(fe: GaitEvents, ke: GaitEvents) -> dict:
    out = {}
    for kind in ("foot_strike", "toe_off"):
        errs = np.concatenate([match_events(getattr(fe[s], kind), getattr(ke[s], kind))
                               for s in SIDES])
        out[kind] = {"n_matched": int(errs.size),
                     "n_force": int(sum(getattr(fe[s], kind).size for s in SIDES)),
                     "median_abs_error_s": round(float(np.median(np.abs(errs))), 4)
                     if errs.size else None,
                     "median_error_s": round(float(np.median(errs)), 4) if errs.size else None}
    out["note"] = "kinematic minus force events, nearest within 0.15 s"
    return out


def analyze_trial(trial: Trial, *, static: Trial | None = None, mass: float | None = None,
                  use_forces: bool = True, sex: str = "male", stature: float | None = None,
                  kinematic_method: str = "zeni_height",
                  tibial_torsion: dict[str, float] | None = None,
                  knee_width: dict[str, float] | None = None,
                  steps: list[Step] | None = None) -> AnalysisResult:
    """Direction, gait events, spatiotemporal measures and COM of a lab-frame trial.

    Parameters
    ----------
    trial : from :func:`retrorun.biomech.load_trial` (lab frame).
    static : static calibration trial (defaults to ``trial.static``).
    mass : body mass, kg, used when the forces cannot give it (or ``use_forces`` is off).
    use_forces : when False, events come from kinematics even if forces exist (the
        force data still give the body mass and the COM–GRF check).
    sex, stature : de Leva table and stature (m) for the segmental COM.
    kinematic_method : "zeni_height" (default) or "zeni" (see :mod:`events`).
    tibial_torsion : ``{"left": deg, "right": deg}``, external torsion positive; removed
        from knee rotation. Default: the C3D's Plug-in Gait ``L/RTibialTorsion``, else the
        static trial's epicondyle/malleolar axes (:func:`jointcentres.static_tibial_torsion`),
        else none (knee rotation then includes the torsion).
    knee_width : ``{"left": m, "right": m}`` for marker sets with a lateral knee marker
        only (:func:`jointcentres.knee_widths`; default: the C3D's Plug-in Gait values,
        else 105 mm).
    steps : extra steps (default: the registered :data:`ANALYSIS_STEPS`).
    """
    if static is not None:
        trial = trial.copy(static=static)
    warnings: list[str] = []
    jc = joint_centres(trial, trial.markerset, trial.static, knee_width=knee_width)
    # short gaps (≤ 0.1 s) are bridged for everything downstream
    fs = trial.point_rate
    long_gaps: dict[str, np.ndarray] = {}
    for k, v in list(jc.items()):
        if np.isnan(v).any():
            filled, mask = fill_gaps(v)
            jc[k] = filled
            long_gaps[k] = long_runs(mask.any(axis=1), round(MAX_EVENT_GAP * fs) + 1)
            if mask.any(axis=1).sum() > 0.1 * fs:
                warnings.append(f"{k}: {int(mask.any(axis=1).sum())} frames interpolated")
    try:
        direction = detect_direction(jc, fs)
    except ValueError as exc:
        ms = trial.markerset
        if trial.static is None and ms is not None and ms.clusters:
            raise ValueError(f"{exc}; the '{ms.name}' marker set places its joint centres "
                             "from a static calibration trial: give it with --static") \
                from None
        raise
    invalid = {}
    for s in SIDES:
        keys = (f"heel_{s[0]}", f"toe_{s[0]}")
        m = [long_gaps[k] for k in keys if k in long_gaps]
        m += [v for k, v in getattr(jc, "rejected", {}).items() if k in keys]
        if m:
            invalid[s] = np.logical_or.reduce(m)
    ke = kinematic_events(trial, jc, direction.travel_sign, method=kinematic_method,
                          invalid=invalid)
    virtual = tuple(s for s in SIDES if jc.methods.get(f"heel_{s[0]}", "").startswith(
        "virtual"))
    if virtual and kinematic_method == "zeni_height":
        # foot-cluster feet: keep only the part of each contact moving with the ground
        ke = refine_contacts_by_speed(trial, jc, ke, virtual)
    walking_ds = _double_support(ke)
    walking = walking_ds is not None and walking_ds > WALKING_DOUBLE_SUPPORT_S
    if walking and kinematic_method == "zeni_height":
        # the foot-height contacts are tuned for running; in walking Zeni's coordinate
        # extremes are closer to the foot contacts (walk.c3d vs Vicon: 31 vs ~90 ms)
        ke = kinematic_events(trial, jc, direction.travel_sign, method="zeni",
                              invalid=invalid)
    fe = None
    has_f = trial.has_forces
    if has_f:
        try:
            fe = force_events(trial, jc)
        except ValueError as exc:
            warnings.append(f"force events unavailable: {exc}")
    if not any(ke[s].contacts().size for s in SIDES) and not (
            fe is not None and any(fe[s].foot_strike.size + fe[s].toe_off.size
                                   for s in SIDES)):
        raise ValueError("no gait cycle found (no foot contact in the force data and no "
                         "complete contact in the foot markers): this is not a walking or running "
                         "trial (a static or balancing recording?)")
    events = fe if (use_forces and fe is not None and any(
        fe[s].foot_strike.size for s in SIDES)) else ke
    check = _events_check(fe, ke) if fe is not None else None
    # body mass
    body_mass, source = None, "none"
    if fe is not None and direction.mode == "treadmill":
        body_mass = body_mass_from_grf(trial, fe)
        source = "grf_whole_strides" if body_mass is not None else "none"
    if body_mass is None and mass is not None:
        body_mass, source = float(mass), "user"
    if body_mass is None and trial.meta.get("file_body_mass_kg"):
        body_mass, source = float(trial.meta["file_body_mass_kg"]), "file"
    if body_mass is None:
        warnings.append("body mass unknown: give --mass (treadmill force data gives it)")
    elif mass is not None and source != "user" and abs(body_mass - mass) > 0.05 * mass:
        warnings.append(f"GRF body mass {body_mass:.1f} kg differs from --mass {mass:g} kg "
                        "by more than 5 %")
    if events is ke and walking:
        warnings.append(
            f"walking? the feet share the ground {walking_ds * 1000:.0f} ms per step (double "
            "support): kinematic events from Zeni's coordinate method, 10-40 ms off in "
            "walking (median 31 ms vs Vicon's events on walk.c3d); use force data for "
            "walking trials")
    # speed and spatiotemporal
    if direction.mode == "treadmill":
        belt = _belt_speed(trial, jc, events)
        if belt is not None:
            direction.speed_m_s = belt
    foot_x = {}
    for s in SIDES:
        keys = [k for k in (f"heel_{s[0]}", f"toe_{s[0]}") if k in jc]
        if keys:
            foot_x[s] = np.mean(np.stack([jc[k][:, 0] for k in keys]), axis=0)
    st = spatiotemporal(events, mode=direction.mode, travel_sign=direction.travel_sign,
                        speed=direction.speed_m_s, foot_x=foot_x if len(foot_x) == 2 else None,
                        time=trial.time)
    st["speed_m_s"] = round(direction.speed_m_s, 3)
    # centre of mass
    com = segmental_com(jc, sex=sex, stature=stature or trial.meta.get("file_height_m"))
    com_f = butter_lowpass(com.com, fs, COM_CUTOFF, keep_nan=False)
    cm = _com_metrics(trial, jc, com_f, events, direction)
    cm["stature_m"] = round(com.stature_m, 3)
    cm["model_notes"] = com.notes
    cm["grf_check"] = (_grf_check(trial, com_f, body_mass, direction.mode, fe, ke)
                       if has_f else None)
    torsion: dict[str, dict] = {}
    for side, deg in (tibial_torsion or {}).items():
        torsion[side] = {"deg": float(deg), "source": "user"}
    for side, deg in (trial.meta.get("file_tibial_torsion_deg") or {}).items():
        torsion.setdefault(side, {"deg": float(deg), "source": "file (Plug-in Gait)"})
    if trial.static is not None and len(torsion) < 2:
        from retrorun.biomech.jointcentres import static_tibial_torsion

        for side, deg in static_tibial_torsion(trial.static, trial.markerset).items():
            torsion.setdefault(side, {"deg": round(deg, 2),
                                      "source": "static trial (epicondyle vs malleolar axis)"})
    res = AnalysisResult(trial=trial, joint_centres=jc, direction=direction,
                         body_mass_kg=body_mass, body_mass_source=source, events=events,
                         force_events=fe, kinematic_events=ke, spatiotemporal=st, com=com,
                         com_filtered=com_f, com_metrics=cm, events_check=check,
                         warnings=warnings)
    res.tibial_torsion = torsion
    if trial.synthetic:
        res.warnings.append("synthetic trial: " + str(trial.meta.get("synthetic_note", "")))
    for step in (ANALYSIS_STEPS if steps is None else steps):
        try:
            step(res)
        except Exception as exc:  # a failing extension must not lose the core result
            res.warnings.append(f"step {getattr(step, '__name__', step)} failed: {exc}")
    return res


# Built-in extension steps (registered on import; least-invasive hook added by the
# joint-mechanics work, issue 6): joint angles, knee–GRF lever arm, knee moments, asymmetry.
from retrorun.biomech import mechanics as _mechanics  # noqa: E402

register_step(_mechanics.mechanics_step)
