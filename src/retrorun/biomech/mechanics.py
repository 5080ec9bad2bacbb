"""The mechanics section of ``retrorun analyze``: 3-D joint angles, knee–GRF alignment,
knee moments, per-stride metrics and left/right asymmetry for one trial.

:func:`analyze_mechanics` takes a loaded :class:`~retrorun.biomech.trial.Trial` (lab frame,
SI) plus gait events and returns a :class:`MechanicsResult` whose :meth:`~MechanicsResult.to_dict`
is the JSON ``mechanics`` section (documented in ``docs/mechanics.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from retrorun.biomech.asymmetry import asymmetry_table
from retrorun.biomech.cycles import (
    Cycle,
    cycle_metrics,
    nan_mean_sd,
    stances,
    strides,
    time_normalize,
)
from retrorun.biomech.kinetics import (
    G,
    GroundReaction,
    compare_knee_moment_estimates,
    external_knee_moment_lever,
    inverse_dynamics_knee,
    knee_lever_arm,
    lowpass,
    segment_inertia,
)
from retrorun.biomech.model import lower_limb_kinematics

__all__ = [
    "ANGLE_NAMES",
    "MechanicsResult",
    "analyze_mechanics",
    "force_events",
    "grf_per_side",
]

SIDES = ("left", "right")
#: joint → names of its 3 angles (same order as :func:`retrorun.biomech.angles.joint_angles`)
ANGLE_NAMES: dict[str, tuple[str, str, str]] = {
    "hip": ("hip_flexion", "hip_adduction", "hip_internal_rotation"),
    "knee": ("knee_flexion", "knee_adduction", "knee_internal_rotation"),
    "ankle": ("ankle_dorsiflexion", "ankle_inversion", "ankle_internal_rotation"),
}
#: contact threshold on vertical GRF, N (design value; 20 N as kineticstoolkit examples)
CONTACT_THRESHOLD_N = 20.0
#: the lever arm is reported only while the vertical GRF exceeds max(this, 10 % body
#: weight) — design value: near touch-down/toe-off the COP is unreliable and M/F explodes
LEVER_ARM_MIN_FORCE_N = 50.0


@dataclass
class MechanicsResult:
    """Everything the mechanics section reports (SI arrays inside, JSON via ``to_dict``)."""

    time: np.ndarray
    angles: dict[str, np.ndarray]  # "knee_flexion_l" -> (N,) rad
    kinetics: dict[str, np.ndarray]  # "kam_lever_l" -> (N,) N·m, "lever_arm_l" -> (N,) m
    cycles: dict[str, list[Cycle]]  # "stance_l", "stride_l"
    curves: dict[str, dict[str, dict[str, list[float]]]]
    per_stride: dict[str, dict[str, list[float | None]]]
    asymmetry: dict[str, dict[str, float | None]]
    checks: dict[str, Any]
    settings: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``mechanics`` section (degrees, mm, N·m, %BW·Ht at this edge)."""
        return {
            "settings": self.settings,
            "conventions": {
                "angles_deg": "hip/knee: flexion +, adduction +, internal rotation +; ankle: "
                "dorsiflexion +, inversion +, internal rotation +; Grood-Suntay JCS, ISB frames",
                "moments": "external knee moments in the shank frame: flexion +, adduction "
                "(varus) +, internal rotation +; %BW·Ht = 100·M/(m·g·h)",
                "lever_arm_mm": "KJC to GRF line in the shank frontal plane, + = GRF medial",
                "symmetry_index_pct": "100·(R−L)/(0.5·(R+L)); None when |R+L| is tiny",
            },
            "cycles": {
                k: [[round(c.start, 4), round(c.end, 4)] for c in v] for k, v in self.cycles.items()
            },
            "curves": self.curves,
            "per_stride": self.per_stride,
            "asymmetry": self.asymmetry,
            "checks": self.checks,
            "notes": self.notes,
        }


def _plates_on_marker_time(trial, cutoff: float | None = None) -> list[tuple]:
    """Each plate on the marker time base: (raw force, force, cop, free moment, foot).

    With *cutoff* the force, COP and free moment are low-pass filtered at the force rate
    **before** resampling (no aliasing of impact peaks); the raw force is kept for contact
    detection.
    """
    from retrorun.biomech.filters import butter_lowpass

    t = trial.time
    ft = trial.force_time
    out = []

    def interp(x: np.ndarray) -> np.ndarray:
        ok = ~np.isnan(x).any(axis=1)
        if ok.sum() < 2:
            return np.full((t.size, 3), np.nan)
        return np.column_stack([np.interp(t, ft[ok], x[ok, k]) for k in range(3)])

    for p in trial.plates:
        if ft.size == 0:
            continue
        raw = interp(p.force)
        force, cop, fm = p.force, p.cop, np.nan_to_num(p.free_moment)
        if cutoff:
            rate = float(trial.force_rate)
            # one filter call for force, COP and free moment (COP NaN when unloaded: kept)
            x = butter_lowpass(np.concatenate([force, cop, fm], axis=1), rate, cutoff)
            force, cop, fm = x[:, :3], x[:, 3:6], x[:, 6:]
        out.append((raw, interp(force), interp(cop), interp(fm), p.foot))
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end_exclusive) of True runs."""
    d = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


def grf_per_side(
    trial, centres: dict[str, np.ndarray], *, threshold: float = CONTACT_THRESHOLD_N,
    cutoff: float | None = None,
) -> tuple[dict[str, GroundReaction], dict[str, np.ndarray]]:
    """GRF acting on each foot on the marker time base, and each foot's contact mask.

    Contacts come from the unfiltered vertical force (> *threshold*, N); the values from
    the force signals low-pass filtered at *cutoff* (Hz) at the force rate.

    Plates with a fixed ``foot`` (per-foot GRF files) go to that foot; for shared plates
    (overground plates, a treadmill) every contact is given to the foot whose heel/toe
    mid-point is nearest (horizontally) to the COP on average over the contact.
    """
    n = trial.n_frames
    F = {s: np.zeros((n, 3)) for s in SIDES}
    M = {s: np.zeros((n, 3)) for s in SIDES}
    Cw = {s: np.zeros((n, 3)) for s in SIDES}
    contact = {s: np.zeros(n, bool) for s in SIDES}
    feet = {}
    for s in SIDES:
        t = s[0]
        pts = [centres[k] for k in (f"heel_{t}", f"toe_{t}", f"ankle_{t}") if k in centres]
        feet[s] = np.nanmean(np.stack(pts), axis=0) if pts else None
    for raw, f, c, fm, foot in _plates_on_marker_time(trial, cutoff):
        runs = np.array(_runs(raw[:, 2] > threshold), dtype=int).reshape(-1, 2)
        runs = runs[runs[:, 1] - runs[:, 0] >= 3]
        if runs.size == 0:
            continue
        a, b = runs[:, 0], runs[:, 1]
        if foot in SIDES:
            side_of = np.array([foot] * len(runs))
        else:
            # mean horizontal COP-foot distance per contact, vectorised with cumulative sums
            dist = {}
            for s in SIDES:
                if feet[s] is None:
                    continue
                dd = np.linalg.norm(c[:, :2] - feet[s][:, :2], axis=1)
                ok = np.isfinite(dd)
                cs = np.concatenate([[0.0], np.cumsum(np.where(ok, dd, 0.0))])
                cn = np.concatenate([[0], np.cumsum(ok)])
                with np.errstate(invalid="ignore", divide="ignore"):
                    dist[s] = (cs[b] - cs[a]) / (cn[b] - cn[a])
            if not dist:
                continue
            if len(dist) == 1:
                side_of = np.array([next(iter(dist))] * len(runs))
            else:
                dl, dr = dist["left"], dist["right"]
                side_of = np.where(~(dr < dl), "left", "right")
        for s in SIDES:
            sel = side_of == s
            if not sel.any():
                continue
            d = np.zeros(n + 1, int)
            np.add.at(d, a[sel], 1)
            np.add.at(d, b[sel], -1)
            m = np.cumsum(d)[:-1] > 0
            F[s][m] += f[m]
            M[s][m] += fm[m]
            Cw[s][m] += np.nan_to_num(c[m]) * f[m, 2:3]
            contact[s] |= m
    out = {}
    for s in SIDES:
        with np.errstate(invalid="ignore", divide="ignore"):
            cop = Cw[s] / F[s][:, 2:3]
        cop[~contact[s]] = np.nan
        out[s] = GroundReaction(F[s], cop, M[s])
    return out, contact


def force_events(time: np.ndarray, contact: dict[str, np.ndarray]) -> dict[str, dict]:
    """Foot strikes / toe-offs (s) from per-foot contact masks; partial contacts at the
    record's edges are dropped."""
    ev = {}
    n = time.size
    for s, m in contact.items():
        fs, to = [], []
        for a, b in _runs(m):
            if a == 0 or b >= n:
                continue
            fs.append(time[a])
            to.append(time[b - 1])
        ev[s] = {"foot_strike": np.array(fs), "toe_off": np.array(to)}
    return ev


def _mean_sd(curves: np.ndarray, scale: float = 1.0) -> dict[str, list[float]]:
    """Mean ± SD curve (JSON lists) of time-normalised cycles (C, n), and how many
    cycles have data."""
    m, sd = nan_mean_sd(curves, axis=0)
    return {"mean": _jl(m * scale), "sd": _jl(sd * scale),
            "n": int((~np.isnan(curves).all(axis=1)).sum())}


def _mean_sd_columns(curves: np.ndarray, scale: float = 1.0) -> list[dict[str, list[float]]]:
    """:func:`_mean_sd` of every ``curves[:, :, j]`` of a (C, n, J) stack, in one pass."""
    m, sd = nan_mean_sd(curves, axis=0)
    n = (~np.isnan(curves).all(axis=1)).sum(axis=0).tolist()
    return [{"mean": mj, "sd": sj, "n": nj}
            for mj, sj, nj in zip(_jl_cols(m * scale), _jl_cols(sd * scale), n, strict=True)]


def _jl(a: np.ndarray, nd: int = 4) -> list[float | None]:
    """JSON list: rounded to *nd* decimals, non-finite → ``None`` (rounded in numpy)."""
    return _jl_cols(np.reshape(np.asarray(a, float), (-1, 1)), nd)[0]


def _jl_cols(a: np.ndarray, nd: int = 4) -> list[list[float | None]]:
    """:func:`_jl` of every column of a 2-D array, rounded and checked in one pass."""
    r = np.round(np.asarray(a, float), nd)
    fin = np.isfinite(r)
    cols = r.T.tolist()
    if fin.all():
        return cols
    return [[v if ok else None for v, ok in zip(c, f, strict=True)]
            for c, f in zip(cols, fin.T.tolist(), strict=True)]


def _lowpass_dict(d: dict[Any, np.ndarray], rate: float, cutoff: float
                  ) -> dict[Any, np.ndarray]:
    """Low-pass every (N, 3) trajectory of *d* in one filter call (stacked columns); an
    array given under several keys (a joint centre that is a marker) is filtered once."""
    first: dict[int, int] = {}  # id(array) → its column block
    arrays: list[np.ndarray] = []
    block: dict[Any, int] = {}
    for k, v in d.items():
        if np.ndim(v) != 2:
            continue
        if id(v) not in first:
            first[id(v)] = len(arrays)
            arrays.append(np.asarray(v, float))
        block[k] = first[id(v)]
    if not arrays:
        return {}
    x = lowpass(np.concatenate(arrays, axis=1), rate, cutoff)
    return {k: x[:, 3 * i:3 * i + 3] for k, i in block.items()}


def analyze_mechanics(
    trial,
    *,
    events: Any = None,
    centres: dict[str, np.ndarray] | None = None,
    body_mass: float | None = None,
    height: float | None = None,
    cutoff_hz: float = 12.0,
    use_forces: bool = True,
    sex: str = "male",
    tibial_torsion: dict[str, float] | None = None,
) -> MechanicsResult:
    """3-D knee/hip/ankle mechanics of one trial.

    Parameters
    ----------
    trial : Trial (lab frame, SI; from :func:`retrorun.biomech.load_trial`).
    events : :class:`~retrorun.biomech.events.GaitEvents` or
        ``{side: {"foot_strike": s, "toe_off": s}}``; default: the file's events when both
        sides have some, else force-plate contacts.
    centres : joint centres (``hip_l`` ...); default :func:`jointcentres.joint_centres`.
    body_mass, height : kg, m (defaults: file values, else mean vertical GRF / g).
    cutoff_hz : low-pass cut-off applied to markers **and** GRF (same cut-off avoids
        impact artefacts in knee moments). 12 Hz is a design value within the 10–15 Hz
        range used for running.
    tibial_torsion : ``{side: deg}``, external positive: the knee uses the untorsioned
        tibia (Plug-in Gait), so knee rotation excludes the torsion.
    """
    from retrorun.biomech.jointcentres import augmented_markers, joint_centres

    notes: list[str] = []
    rate = float(trial.point_rate)
    ms = getattr(trial, "markerset", None)
    from retrorun.biomech.markersets import PROFILES, detect_markerset

    if ms is None:
        name = trial.meta.get("markerset")
        ms = PROFILES.get(name) if name in PROFILES else detect_markerset(set(trial.markers))
    markers = getattr(centres, "markers", None)
    if markers is None:
        markers = augmented_markers(trial, ms)
    if centres is None:
        centres = joint_centres(trial, ms)
        methods = getattr(centres, "methods", {})
    else:
        methods = {}
    # only the landmarks the segment model reads (lower_limb_kinematics) are filtered
    used: set[str] = set()
    for role in ("LASI", "RASI", "LPSI", "RPSI", *(S + r for S in "LR"
                                                   for r in ("KNE", "ANK", "TOE", "HEE", "MT5"))):
        lab = ms.roles.get(role)
        used.update([lab] if isinstance(lab, str) else (lab or []))
    # ... and only the centres that the segment model, the GRF split and inverse dynamics
    # read; markers and centres in one filter call (keys tagged: labels may equal names)
    want = {f"{j}_{t}" for j in ("hip", "knee", "ankle", "heel", "toe", "knee_lat",
                                 "ankle_lat", "mt5") for t in "lr"}
    both = _lowpass_dict({**{("m", k): v for k, v in markers.items() if k in used},
                          **{("c", k): v for k, v in centres.items() if k in want}},
                         rate, cutoff_hz)
    fm = {k: v for (g, k), v in both.items() if g == "m"}
    fc = {k: v for (g, k), v in both.items() if g == "c"}
    tor = ({k: -np.radians(v) for k, v in tibial_torsion.items()}  # PiG sign, rad
           if tibial_torsion else None)
    kin = lower_limb_kinematics(fm, fc, ms, foot_from_heel=True, tibial_torsion=tor)
    if tibial_torsion:
        notes.append("knee rotation excludes tibial torsion "
                     + ", ".join(f"{k} {v:.1f} deg" for k, v in tibial_torsion.items()))
    else:
        notes.append("no tibial torsion given: knee rotation includes it")
    for seg in kin.missing:
        if seg.startswith("foot_mt5_medial_"):
            notes.append(f"{seg[-1]} foot: the 5th-metatarsal marker lies medial to the toe "
                         "marker (labels swapped?); ankle inversion not measured on that side")
        elif seg.startswith("knee_centre_lateral_"):
            notes.append(f"{seg[-1]} knee: the joint centre lies lateral of the lateral knee "
                         "marker (check the joint-centre method); femur oriented from the "
                         "pelvis instead")
        elif seg.startswith("knee_lateral_"):
            notes.append(f"{seg[-1]} thigh: no lateral knee landmark; medio-lateral axis from "
                         "the pelvis, hip rotation and knee ab/adduction/rotation not measured")
        else:
            notes.append(f"segment {seg} not built (missing landmarks)")
    time = trial.time

    # forces
    grf, contact = ({}, {})
    have_forces = use_forces and trial.has_forces
    if have_forces:
        grf, contact = grf_per_side(trial, fc, cutoff=cutoff_hz)
    if body_mass is None:
        body_mass = trial.meta.get("file_body_mass_kg")
    if body_mass is None and have_forces:
        notes.append("body mass unknown (give --mass): knee moments in N·m from the lever "
                     "arm only, no inverse dynamics")
    if height is None:
        height = trial.meta.get("file_height_m")
    if events is None:
        file_ev = {s: {k: np.asarray(v, float) for k, v in trial.events.get(s, {}).items()}
                   for s in SIDES}
        if all(file_ev[s].get("foot_strike", np.zeros(0)).size for s in SIDES):
            events, ev_source = file_ev, "file"
        elif have_forces and any(m.any() for m in contact.values()):
            events, ev_source = force_events(time, contact), "force"
        else:
            events, ev_source = file_ev, "none"
            notes.append("no gait events: no per-stride values")
    else:
        ev_source = getattr(events, "source", "given")
        if hasattr(events, "left"):  # retrorun.biomech.events.GaitEvents
            events = {s: {"foot_strike": np.asarray(events[s].foot_strike, float),
                          "toe_off": np.asarray(events[s].toe_off, float)} for s in SIDES}

    angles: dict[str, np.ndarray] = {}
    for s in SIDES:
        t = s[0]
        for joint, names in ANGLE_NAMES.items():
            a = kin.angles.get(f"{joint}_{t}")
            if a is None:
                continue
            for k, nm in enumerate(names):
                angles[f"{nm}_{t}"] = a[:, k]

    kinetics: dict[str, np.ndarray] = {}
    checks: dict[str, Any] = {}
    if have_forces:
        shank_in = segment_inertia("shank", body_mass or 0.0, sex)
        foot_in = segment_inertia("foot", body_mass or 0.0, sex)
        for s in SIDES:
            t = s[0]
            need = (f"shank_{t}", f"foot_{t}")
            if not all(k in kin.frames for k in need) or not contact[s].any():
                continue
            sh, fo = kin.frames[f"shank_{t}"], kin.frames[f"foot_{t}"]
            knee, ankle = fc[f"knee_{t}"], fc[f"ankle_{t}"]
            heel = fc.get(f"heel_{t}", ankle)
            toe = fc.get(f"toe_{t}")
            lev = external_knee_moment_lever(knee, grf[s], sh, s)
            arm = knee_lever_arm(knee, grf[s], sh, s)
            # the lever arm is a ratio M/F: undefined at the light ends of contact
            f_min = max(LEVER_ARM_MIN_FORCE_N, 0.1 * G * (body_mass or 0.0))
            kinetics[f"lever_arm_{t}"] = np.where(contact[s] & (grf[s].force[:, 2] > f_min),
                                                  arm, np.nan)
            kinetics[f"kam_lever_{t}"] = np.where(contact[s], lev[:, 1], np.nan)
            kinetics[f"kfm_lever_{t}"] = np.where(contact[s], lev[:, 0], np.nan)
            if toe is not None and body_mass:
                idr = inverse_dynamics_knee(
                    knee=knee, ankle=ankle, heel=heel, toe=toe, shank=sh, foot=fo,
                    grf=grf[s], shank_inertia=shank_in, foot_inertia=foot_in, rate=rate, side=s,
                    at=contact[s],  # only stance values are reported
                )
                ext = idr.knee_moment_external
                kinetics[f"kam_id_{t}"] = np.where(contact[s], ext[:, 1], np.nan)
                kinetics[f"kfm_id_{t}"] = np.where(contact[s], ext[:, 0], np.nan)
                kinetics[f"krm_id_{t}"] = np.where(contact[s], ext[:, 2], np.nan)
                cmp_ = compare_knee_moment_estimates(lev[:, 1], ext[:, 1], contact[s])
                checks[f"kam_lever_vs_inverse_dynamics_{s}"] = {
                    k: (round(v, 4) if isinstance(v, float) else v) for k, v in cmp_.items()
                }
    norm = None
    if body_mass and height:
        norm = 100.0 / (body_mass * G * height)  # N·m -> %BW·Ht

    # cycles
    cyc: dict[str, list[Cycle]] = {}
    for s in SIDES:
        ev = events.get(s, {})
        fs = np.asarray(ev.get("foot_strike", []), float)
        to = np.asarray(ev.get("toe_off", []), float)
        t0, t1 = time[0], time[-1]
        fs = fs[(fs >= t0) & (fs <= t1)]
        to = to[(to >= t0) & (to <= t1)]
        cyc[f"stance_{s[0]}"] = stances(fs, to, s)
        cyc[f"stride_{s[0]}"] = strides(fs, s)

    curves: dict[str, dict[str, dict[str, list[float]]]] = {"stride": {}, "stance": {}}
    per: dict[str, dict[str, list[float | None]]] = {}
    deg = 180.0 / np.pi
    for s in SIDES:
        t = s[0]
        st, sd = cyc[f"stance_{t}"], cyc[f"stride_{t}"]
        rows: dict[str, list[float | None]] = {}
        rows["stance_start_s"] = _jl([c.start for c in st])
        rows["stance_time_s"] = _jl([c.duration for c in st])
        if sd:
            rows["stride_start_s"] = _jl([c.start for c in sd])
            rows["stride_time_s"] = _jl([c.duration for c in sd])
        names = [n for ns in ANGLE_NAMES.values() for n in ns
                 if angles.get(f"{n}_{t}") is not None]
        # every angle of this side time-normalised in one call per cycle type
        xs = np.stack([np.asarray(angles[f"{n}_{t}"], float) for n in names], axis=1) \
            if names else None
        norm_sd = time_normalize(xs, time, sd) if sd and names else None
        norm_st = time_normalize(xs, time, st) if st and names else None
        # statistics of all angles at once (reductions over the cycle axis, per angle)
        ms_sd = _mean_sd_columns(norm_sd, deg) if sd and names else None
        met_sd = cycle_metrics(norm_sd * deg) if sd and names else None
        ms_st = _mean_sd_columns(norm_st, deg) if st and names else None
        met_st = cycle_metrics(norm_st * deg) if st and names else None
        # JSON lists of every angle's per-cycle values, rounded column-wise in one pass
        sd_cols = {k: _jl_cols(met_sd[k], 2) for k in ("peak", "min", "range")} if sd \
            and names else {}
        st_cols = {k: _jl_cols(met_st[k], 2) for k in ("at_strike", "peak", "range")} if st \
            and names else {}
        for j, nm in enumerate(names):
            if sd:
                curves["stride"].setdefault(nm, {})[s] = ms_sd[j]
                # whole stride incl. swing (e.g. outward rotation in swing, inward at landing)
                rows[f"stride_{nm}_max_deg"] = sd_cols["peak"][j]
                rows[f"stride_{nm}_min_deg"] = sd_cols["min"][j]
                rows[f"stride_{nm}_range_deg"] = sd_cols["range"][j]
            if st:
                curves["stance"].setdefault(nm, {})[s] = ms_st[j]
                rows[f"{nm}_at_strike_deg"] = st_cols["at_strike"][j]
                rows[f"{nm}_peak_deg"] = st_cols["peak"][j]
                rows[f"{nm}_range_deg"] = st_cols["range"][j]
        if st:
            keys, scales, units = [], [], []
            for key, scale, unit in (("lever_arm", 1000.0, "mm"), ("kam_lever", None, "pct"),
                                     ("kam_id", None, "pct"), ("kfm_id", None, "pct")):
                if kinetics.get(f"{key}_{t}") is None:
                    continue
                if scale is None:
                    if norm is not None:
                        scale = norm
                    elif body_mass:
                        scale, unit = 1.0 / body_mass, "nm_per_kg"
                    else:
                        scale, unit = 1.0, "nm"
                keys.append(key)
                scales.append(scale)
                units.append(unit)
            if keys:
                # every kinetic curve of this side time-normalised in one call
                xk = np.stack([np.asarray(kinetics[f"{k}_{t}"], float) for k in keys], axis=1)
                c_all = time_normalize(xk, time, st) * np.array(scales)
                ms_k = _mean_sd_columns(c_all)
                met = cycle_metrics(c_all)
                for j, (key, unit) in enumerate(zip(keys, units, strict=True)):
                    curves["stance"].setdefault(f"{key}_{unit}", {})[s] = ms_k[j]
                    rows[f"{key}_peak_{unit}"] = _jl(met["peak"][:, j])
                    if key == "lever_arm":
                        mean_per_cycle, _ = nan_mean_sd(c_all[:, :, j], axis=1)
                        rows["lever_arm_mean_mm"] = _jl(mean_per_cycle, 2)
        per[s] = rows

    metrics_for_si = [
        "stride_hip_internal_rotation_range_deg", "stride_knee_internal_rotation_range_deg",
        "knee_flexion_peak_deg", "knee_adduction_peak_deg", "knee_internal_rotation_range_deg",
        "hip_adduction_peak_deg", "hip_internal_rotation_range_deg", "lever_arm_mean_mm",
        "kam_lever_peak_pct", "kam_id_peak_pct", "stance_time_s",
    ]
    asym_in = {
        m: {s: [v for v in per[s].get(m, []) if v is not None] for s in SIDES}
        for m in metrics_for_si
        if any(m in per[s] for s in SIDES)
    }
    floors = {m: 2.0 for m in asym_in if m.endswith("_deg")}
    floors.update({"lever_arm_mean_mm": 2.0})
    asym = asymmetry_table(asym_in, floors=floors)

    settings = {
        "cutoff_hz": cutoff_hz,
        "filter": "4th-order zero-lag Butterworth on markers and GRF",
        "inertia": f"de Leva 1996 ({sex})",
        "moment_frame": "shank (ISB axes)",
        "events_source": ev_source,
        "body_mass_kg": None if body_mass is None else round(float(body_mass), 2),
        "height_m": None if height is None else round(float(height), 3),
        "joint_centre_methods": dict(methods),
    }
    return MechanicsResult(time, angles, kinetics, cyc, curves, per, asym, checks, settings,
                           notes)


#: key of this step's section in ``AnalysisResult.mechanics`` (JSON ``mechanics.joints``)
STEP_NAME = "joints"


def mechanics_step(res: Any) -> None:
    """Analysis step (see :func:`retrorun.biomech.analysis.register_step`): adds
    ``mechanics.joints`` to the analyze JSON and the joint/knee/asymmetry report sections."""
    trial = res.trial
    height = trial.meta.get("file_height_m")
    if height is None and getattr(res, "com", None) is not None:
        height = getattr(res.com, "stature_m", None)
    tor = getattr(res, "tibial_torsion", None) or {}
    out = analyze_mechanics(trial, events=res.events, centres=res.joint_centres,
                            body_mass=res.body_mass_kg, height=height,
                            tibial_torsion={k: v["deg"] for k, v in tor.items()} or None)
    d = out.to_dict()
    d["settings"]["tibial_torsion_deg"] = tor
    d["settings"]["height_source"] = ("file" if trial.meta.get("file_height_m")
                                      else "COM model stature estimate")
    res.mechanics[STEP_NAME] = d
    from retrorun.biomech.mechanics_report import report_sections

    res.report_sections.extend(report_sections(d))
