"""Gait events from force plates and from kinematics alone.

Force (``force_events``): the total vertical GRF of a plate above ``threshold`` (20 N)
marks contact; gaps shorter than ``min_flight`` are bridged and contacts shorter than
``min_contact`` dropped (ktk ``detect_cycles`` pattern). A plate any foot may hit (overground
plates, a treadmill plate carrying both feet) assigns each contact to the foot whose
mid-foot point is closest to the mean COP of that contact (falling back to the lower
foot when no COP is available). Contacts cut by the start/end of the record give only the
event that was observed.

Kinematics (``kinematic_events``): Zeni et al. (2008) coordinate method — foot strike at
the maxima of the *strike marker* position relative to the pelvis along the direction of
travel, toe off at the minima of the *off marker* position. Forward: strike marker =
heel, off marker = toe. Backward running swaps the roles (the toe lands first, behind the
pelvis in facing terms but ahead in travel terms; the heel leaves last).

Zeni JA, Richards JG, Higginson JS (2008) Two simple methods for determining gait events
during treadmill and overground walking using kinematic data. Gait Posture 27:710-714.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from retrorun.biomech.filters import butter_lowpass, fill_gaps
from retrorun.biomech.trial import Trial

__all__ = [
    "CONTACT_HEIGHT",
    "GaitEvents",
    "SideEvents",
    "crossing_index",
    "foot_height_contacts",
    "force_events",
    "kinematic_events",
    "match_events",
    "refine_contacts_by_speed",
    "threshold_contacts",
]

SIDES = ("left", "right")


@dataclass
class SideEvents:
    """Events of one side, seconds on the trial clock (sorted)."""

    foot_strike: np.ndarray = field(default_factory=lambda: np.zeros(0))
    toe_off: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def contacts(self, max_contact: float = 2.0) -> np.ndarray:
        """(K, 2) pairs (foot strike, following toe off) of complete contacts, s."""
        fs, to = np.asarray(self.foot_strike), np.asarray(self.toe_off)
        if fs.size == 0 or to.size == 0:
            return np.zeros((0, 2))
        j = np.searchsorted(to, fs, side="right")
        ok = j < to.size
        pairs = np.stack([fs[ok], to[j[ok]]], axis=1)
        nxt = np.append(fs[1:], np.inf)[ok]
        keep = (pairs[:, 1] < nxt) & (pairs[:, 1] - pairs[:, 0] <= max_contact)
        return pairs[keep]


@dataclass
class GaitEvents:
    """Foot strikes and toe offs per side.

    ``events.left.foot_strike`` / ``events["right"].toe_off`` are arrays of seconds.
    ``source`` is "force" or "kinematic"; ``method`` says which algorithm.
    """

    left: SideEvents
    right: SideEvents
    source: str
    method: str = ""

    def __getitem__(self, side: str) -> SideEvents:
        return {"left": self.left, "right": self.right, "l": self.left, "r": self.right}[side]

    def to_dict(self) -> dict:
        """JSON form: {side: {foot_strike: [...], toe_off: [...]}} rounded to 1 ms·1e-1."""
        return {s: {"foot_strike": [round(float(x), 4) for x in self[s].foot_strike],
                    "toe_off": [round(float(x), 4) for x in self[s].toe_off]} for s in SIDES}


def crossing_index(x: np.ndarray, on: np.ndarray, off: np.ndarray, threshold: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Fractional sample positions where *x* crosses *threshold* at contact starts *on*
    and ends *off* (linear interpolation; symmetric under time reversal).

    Edge contacts (``on == -1``, ``off == len(x)``) keep their integer codes.
    """
    x = np.nan_to_num(np.asarray(x, dtype=float))
    n = len(x)
    on_f = on.astype(float)
    off_f = off.astype(float)
    a = (on > 0) & (on < n)
    i = on[a]
    den = x[i] - x[i - 1]
    on_f[a] = i - 1 + np.clip((threshold - x[i - 1]) / np.where(den == 0, 1, den), 0, 1)
    b = (off > 0) & (off < n)
    j = off[b]
    den = x[j - 1] - x[j]
    off_f[b] = j - 1 + np.clip((x[j - 1] - threshold) / np.where(den == 0, 1, den), 0, 1)
    return on_f, off_f


def threshold_contacts(fz: np.ndarray, fs: float, *, threshold: float = 20.0,
                       min_contact: float = 0.05, min_flight: float = 0.02
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Contact start/end sample indices from a vertical force (vectorised).

    Returns ``(on, off)``: ``on[i]`` first loaded sample, ``off[i]`` first unloaded sample
    after it (``-1`` / ``len(fz)`` when cut by the record edges).
    """
    load = np.nan_to_num(np.asarray(fz, dtype=float)) > threshold
    d = np.diff(load.astype(np.int8), prepend=0, append=0)
    on = np.flatnonzero(d == 1)
    off = np.flatnonzero(d == -1)
    if on.size == 0:
        return on, off
    # bridge short gaps
    gap = on[1:] - off[:-1]
    keep = np.concatenate([[True], gap >= min_flight * fs])
    on = on[keep]
    off = off[np.concatenate([keep[1:], [True]])]
    dur = off - on
    ok = dur >= min_contact * fs
    on, off = on[ok], off[ok]
    on = np.where(on == 0, -1, on)
    return on, off


def _foot_mid(jc: dict[str, np.ndarray], s: str) -> np.ndarray | None:
    pts = [jc[k] for k in (f"heel_{s}", f"toe_{s}") if k in jc]
    if not pts:
        pts = [jc[k] for k in (f"ankle_{s}",) if k in jc]
    return np.nanmean(np.stack(pts), axis=0) if pts else None


def force_events(trial: Trial, jc: dict[str, np.ndarray] | None = None, *,
                 threshold: float = 20.0, min_contact: float = 0.05,
                 min_flight: float = 0.02) -> GaitEvents:
    """Foot strikes / toe offs from the force plates of *trial* (see module docstring).

    *jc* (joint centres with ``heel_l``/``toe_l``...) is needed to assign contacts on
    plates without a fixed foot.
    """
    ff = trial.force_rate
    t_f = trial.force_time
    out = {s: ([], []) for s in SIDES}
    feet = {s: _foot_mid(jc, s[0]) for s in SIDES} if jc is not None else {}
    tm = trial.time
    for p in trial.plates:
        on, off = threshold_contacts(p.force[:, 2], ff, threshold=threshold,
                                     min_contact=min_contact, min_flight=min_flight)
        if on.size == 0:
            continue
        n = p.force.shape[0]
        a = np.clip(on, 0, n - 1)
        b = np.clip(off, 0, n - 1)
        if p.foot is not None:
            sides = np.array([p.foot] * on.size)
        else:
            if not feet or any(v is None for v in feet.values()):
                raise ValueError("contacts on a shared plate need foot markers to assign sides")
            # mean COP of each contact (vectorised via cumulative sums)
            cop = np.nan_to_num(p.cop[:, :2])
            w = np.isfinite(p.cop[:, 0]).astype(float)
            cs = np.vstack([np.zeros((1, 2)), np.cumsum(cop * w[:, None], axis=0)])
            cw = np.concatenate([[0.0], np.cumsum(w)])
            cnt = cw[b] - cw[a]
            mcop = (cs[b] - cs[a]) / np.maximum(cnt, 1.0)[:, None]
            tmid = t_f[(a + b) // 2]
            k = np.clip(np.round((tmid - tm[0]) * trial.point_rate).astype(int), 0, len(tm) - 1)
            dl = np.linalg.norm(feet["left"][k, :2] - mcop, axis=1)
            dr = np.linalg.norm(feet["right"][k, :2] - mcop, axis=1)
            no_cop = cnt < 1
            dl = np.where(no_cop, feet["left"][k, 2], dl)
            dr = np.where(no_cop, feet["right"][k, 2], dr)
            sides = np.where(dl <= dr, "left", "right")
        on_f, off_f = crossing_index(p.force[:, 2], on, off, threshold)
        t0f = t_f[0]
        for s in SIDES:
            sel = sides == s
            fs_i, to_i = on_f[sel], off_f[sel]
            out[s][0].extend(t0f + fs_i[on[sel] >= 0] / ff)
            out[s][1].extend(t0f + to_i[off[sel] < n] / ff)
    ev = {s: SideEvents(np.sort(np.asarray(out[s][0], float)),
                        np.sort(np.asarray(out[s][1], float))) for s in SIDES}
    return GaitEvents(ev["left"], ev["right"], "force",
                      f"vertical GRF threshold {threshold:g} N, min contact {min_contact:g} s")


def find_peaks(x: np.ndarray, distance: float, prominence: float) -> np.ndarray:
    """``scipy.signal.find_peaks(x, distance=..., prominence=...)[0]``: local maxima (flat
    tops at their middle), then at least *distance* samples apart (higher peaks win),
    then a prominence ≥ *prominence* — run on scipy's compiled steps without importing
    ``scipy.signal`` (:mod:`retrorun.biomech._scipy_kernels`)."""
    from retrorun.biomech._scipy_kernels import peak_kernels

    kernels = peak_kernels()
    if kernels is None:
        from scipy.signal import find_peaks as scipy_find_peaks

        return scipy_find_peaks(x, distance=distance, prominence=prominence)[0]
    local_maxima, by_distance, prominences = kernels
    x = np.ascontiguousarray(x, dtype=float)
    peaks = local_maxima(x)[0]
    peaks = peaks[by_distance(peaks, x[peaks], float(distance))]
    return peaks[prominences(x, peaks, -1)[0] >= prominence]


def _peaks(sig: np.ndarray, fs: float, min_period: float) -> np.ndarray:
    ok = np.isfinite(sig)
    if ok.sum() < 5:
        return np.zeros(0, dtype=int)
    lo, hi = np.nanpercentile(sig, [5, 95])
    x = np.where(ok, sig, np.nanmin(sig))
    return find_peaks(x, distance=max(1, int(min_period * fs)), prominence=0.3 * (hi - lo))


def _refine(sig: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Sub-frame peak position by parabolic interpolation (frames, float)."""
    i = idx[(idx > 0) & (idx < len(sig) - 1)]
    y0, y1, y2 = sig[i - 1], sig[i], sig[i + 1]
    den = y0 - 2 * y1 + y2
    off = np.where(np.abs(den) > 1e-12, 0.5 * (y0 - y2) / np.where(den == 0, 1, den), 0.0)
    return i + np.clip(off, -0.5, 0.5)


#: Foot-height threshold above each marker's floor level for contact, m. Calibrated on
#: RBDS001 (treadmill, forefoot striker) and Hamner subject01 (treadmill) against force
#: events: 15 mm gives median |error| ≤ 11 ms for strikes and toe offs on both.
CONTACT_HEIGHT = 0.015


def _zeni(trial: Trial, jc: dict[str, np.ndarray], travel_sign: int, cutoff: float,
          min_period: float) -> dict[str, SideEvents]:
    fs = trial.point_rate
    pel = jc.get("pelvis_origin", jc.get("mid_hip"))
    if pel is None:
        raise ValueError("kinematic events need pelvis markers")
    strike_key, off_key = ("toe", "heel") if travel_sign < 0 else ("heel", "toe")
    res = {}
    t0 = trial.time[0]
    for s in SIDES:
        k = s[0]
        if f"{strike_key}_{k}" not in jc or f"{off_key}_{k}" not in jc:
            raise ValueError("kinematic events need heel and toe markers on both feet")
        a = (jc[f"{strike_key}_{k}"][:, 0] - pel[:, 0]) * travel_sign
        b = (jc[f"{off_key}_{k}"][:, 0] - pel[:, 0]) * travel_sign
        a = butter_lowpass(a, fs, cutoff)
        b = butter_lowpass(b, fs, cutoff)
        fsi = _refine(a, _peaks(a, fs, min_period))
        toi = _refine(-b, _peaks(-b, fs, min_period))
        res[s] = SideEvents(t0 + fsi / fs, t0 + toi / fs)
    return res


def foot_height_contacts(trial: Trial, jc: dict[str, np.ndarray], side: str, *,
                         height: float = CONTACT_HEIGHT, cutoff: float = 20.0,
                         invalid: np.ndarray | None = None
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Contact intervals of one foot from marker heights.

    Returns frame indices ``on``, ``off`` (as :func:`threshold_contacts`) and the
    interpolated fractional crossing positions ``on_f``, ``off_f``.

    The foot is in contact while its lowest marker (heel or toe, each relative to its own
    floor level = 2nd percentile of its height) is below *height*. Symmetric in time, so
    it serves forward and backward running alike. Frames flagged *invalid* (bool, N:
    long marker gaps, rejected cluster frames) are bridged by interpolation for the
    segmentation, and neither event of a contact touching them is reported (it was not
    observed).
    """
    fs = trial.point_rate
    k = side[0]
    hs = []
    for key in (f"heel_{k}", f"toe_{k}"):
        if key in jc:
            z = butter_lowpass(jc[key][:, 2], fs, cutoff, keep_nan=True)
            hs.append(z - np.nanpercentile(z, 2))
    if not hs:
        raise ValueError("kinematic events need heel or toe markers")
    h = np.nanmin(np.stack(hs), axis=0)
    bad = ~np.isfinite(h)
    if invalid is not None:
        bad |= np.asarray(invalid, bool)
    h = np.where(bad, np.nan, h)
    if bad.all():
        return (np.zeros(0, int),) * 2 + (np.zeros(0),) * 2
    h = fill_gaps(h)[0]  # segment across unusable frames ...
    on, off = threshold_contacts(-h, fs, threshold=-height, min_contact=0.08, min_flight=0.05)
    on_f, off_f = crossing_index(-h, on, off, -height)
    # ... but a contact touching them was not observed: code both its events like a
    # record edge (not reported)
    n = len(h)
    cb = np.concatenate([[0], np.cumsum(bad)])
    a = np.clip(on - 1, 0, n)
    b = np.clip(off + 1, 0, n)
    touched = (cb[b] - cb[a]) > 0
    on = np.where(touched, -1, on)
    off = np.where(touched, n, off)
    return on, off, on_f, off_f


def kinematic_events(trial: Trial, jc: dict[str, np.ndarray], travel_sign: int, *,
                     method: str = "zeni_height", cutoff: float = 10.0,
                     min_step_period: float = 0.45,
                     invalid: dict[str, np.ndarray] | None = None) -> GaitEvents:
    """Events from markers alone, for forward or backward travel.

    Parameters
    ----------
    trial : the trial (for its clock).
    jc : joint centres with ``heel_*``, ``toe_*`` and ``mid_hip``/``pelvis_origin``.
    travel_sign : +1 travelling along +X (forward), -1 along -X (backward).
    method : "zeni" — the Zeni et al. (2008) extrema with direction-dependent heel/toe
        roles; "zeni_height" (default) — Zeni strikes identify the strides, and each
        contact's start/end are refined by the foot-height criterion
        (:func:`foot_height_contacts`, 15 mm). Pure Zeni is 20-30 ms early at strike and
        90-110 ms late at toe off in running (measured on RBDS001 and Hamner); the refined
        method is within ~10 ms (see docs/biomechanics.md).
    cutoff : low-pass cut-off of the Zeni signals, Hz.
    min_step_period : shortest time between two same-side Zeni extrema, s.
    invalid : per side ("left"/"right"), frames (bool) whose foot data are unusable
        (long gaps, rejected cluster frames); no event is reported next to them.
    """
    z = _zeni(trial, jc, travel_sign, cutoff, min_step_period)
    roles = "toe strike / heel off" if travel_sign < 0 else "heel strike / toe off"
    if method == "zeni":
        return GaitEvents(z["left"], z["right"], "kinematic",
                          f"Zeni 2008 coordinate method ({roles}), {cutoff:g} Hz low-pass")
    if method != "zeni_height":
        raise ValueError(f"unknown kinematic event method {method!r}")
    t = trial.time
    n = len(t)
    res = {}
    for s in SIDES:
        on, off, on_f, off_f = foot_height_contacts(
            trial, jc, s, invalid=None if invalid is None else invalid.get(s))
        zfs = z[s].foot_strike
        # keep contacts with a Zeni strike between 0.2 s before their start and their end
        t_on = np.where(on >= 0, t[0] + on_f / trial.point_rate, -np.inf)
        t_off = t[0] + off_f / trial.point_rate
        if zfs.size:
            j = np.searchsorted(zfs, t_on - 0.2)
            cand = zfs[np.clip(j, 0, zfs.size - 1)]
            keep = (j < zfs.size) & (cand <= t_off)
        else:
            keep = np.zeros(on.size, bool)
        fs_t = t_on[keep & (on >= 0)]
        to_t = t_off[keep & (off < n)]
        res[s] = SideEvents(fs_t, to_t)
    return GaitEvents(res["left"], res["right"], "kinematic",
                      f"Zeni 2008 ({roles}) strides, contact from foot height < "
                      f"{CONTACT_HEIGHT * 1000:g} mm")


def match_events(reference: np.ndarray, candidate: np.ndarray, tol: float = 0.15) -> np.ndarray:
    """Signed errors candidate − reference for each reference event with a candidate
    within *tol* seconds (nearest)."""
    ref = np.asarray(reference, float)
    cand = np.asarray(candidate, float)
    if ref.size == 0 or cand.size == 0:
        return np.zeros(0)
    j = np.clip(np.searchsorted(cand, ref), 1, cand.size - 1) if cand.size > 1 else \
        np.zeros(ref.size, int)
    if cand.size > 1:
        left_closer = np.abs(cand[j - 1] - ref) <= np.abs(cand[j] - ref)
        j = np.where(left_closer, j - 1, j)
    err = cand[j] - ref
    return err[np.abs(err) <= tol]


#: Largest horizontal speed of the foot relative to the ground in contact, m/s (design
#: value from RBDS001's force strikes: heel and toe move 1.3-1.5 m/s relative to the belt).
STRIKE_RELATIVE_SPEED = 1.5


def refine_contacts_by_speed(trial: Trial, jc: dict[str, np.ndarray], events: GaitEvents,
                             sides: tuple[str, ...] = SIDES, *,
                             max_speed: float = STRIKE_RELATIVE_SPEED,
                             cutoff: float = 15.0) -> GaitEvents:
    """Trim each contact to the frames where the foot moves with the ground.

    For feet tracked by virtual heel/toe points (foot clusters) the height criterion can
    fire while the foot still swings. Each foot strike of *sides* is moved to the first
    frame at or after it, and each toe off to the last frame at or before it, where the
    slower of the heel and toe points moves less than *max_speed* horizontally (along X)
    relative to the ground (symmetric in time, so it serves backward running); the ground
    velocity is the median X velocity of the foot in the middle third of its contacts (the
    belt on a treadmill, ~0 overground). An event whose contact never meets it is kept.
    """
    fs = trial.point_rate
    t = trial.time
    n = len(t)
    out = {}
    for s in SIDES:
        ev = events[s]
        keys = [k for k in (f"heel_{s[0]}", f"toe_{s[0]}") if k in jc]
        c = ev.contacts()
        if s not in sides or not keys or c.size == 0:
            out[s] = ev
            continue
        vx = np.stack([np.gradient(butter_lowpass(jc[k][:, 0], fs, cutoff), 1.0 / fs)
                       for k in keys])
        d = np.zeros(n + 1, int)
        np.add.at(d, np.searchsorted(t, c[:, 0] + (c[:, 1] - c[:, 0]) / 3), 1)
        np.add.at(d, np.searchsorted(t, c[:, 1] - (c[:, 1] - c[:, 0]) / 3), -1)
        mid = np.cumsum(d)[:-1] > 0
        ground = float(np.nanmedian(vx[:, mid])) if mid.any() else 0.0
        slow = np.flatnonzero(np.nanmin(np.abs(vx - ground), axis=0) <= max_speed)
        fs_new, to_new = ev.foot_strike.copy(), ev.toe_off.copy()
        if slow.size:
            ts = t[slow]
            # strikes: first slow frame at/after, before the next toe off
            j = np.searchsorted(ts, fs_new)
            cand = np.where(j < ts.size, ts[np.clip(j, 0, ts.size - 1)], np.inf)
            k = np.searchsorted(ev.toe_off, fs_new)
            end = np.append(ev.toe_off, np.inf)[k]
            fs_new = np.where(cand < end, np.maximum(cand, fs_new), fs_new)
            # toe offs: last slow frame at/before, after the previous strike
            j = np.searchsorted(ts, to_new, side="right") - 1
            cand = np.where(j >= 0, ts[np.clip(j, 0, ts.size - 1)], -np.inf)
            k = np.searchsorted(ev.foot_strike, to_new) - 1
            start = np.insert(ev.foot_strike, 0, -np.inf)[k + 1]
            to_new = np.where(cand > start, np.minimum(cand, to_new), to_new)
        out[s] = SideEvents(fs_new, to_new)
    return GaitEvents(out["left"], out["right"], events.source,
                      events.method + f"; contacts trimmed to the foot moving < "
                      f"{max_speed:g} m/s relative to the ground")
