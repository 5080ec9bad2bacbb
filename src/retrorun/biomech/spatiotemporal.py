"""Spatiotemporal measures from gait events.

Definitions (per side, means over complete cycles; s = seconds):

* contact time — foot strike → next toe off of the same foot;
* flight time — toe off of one foot → next foot strike of the other foot (only positive
  values: walking has none);
* step time — foot strike of the other foot → foot strike of this foot (a step is named
  after the foot that ends it);
* stride time — foot strike → next foot strike of the same foot;
* cadence — 60 / mean step time, steps/min;
* duty factor — contact time / stride time;
* step length — overground: distance along travel between the foot positions (heel-toe
  mid-point) at consecutive opposite foot strikes; treadmill: belt speed × step time.
"""

from __future__ import annotations

import numpy as np

from retrorun.biomech.events import SIDES, GaitEvents

__all__ = ["spatiotemporal", "summary"]


def summary(values: np.ndarray) -> dict:
    """{mean, sd, n} of finite values (None when empty), rounded."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"mean": None, "sd": None, "n": 0}
    return {"mean": round(float(v.mean()), 4), "sd": round(float(v.std(ddof=1)), 4)
            if v.size > 1 else 0.0, "n": int(v.size)}


def _per_side(vals: dict[str, np.ndarray]) -> dict:
    both = np.concatenate([np.asarray(vals[s], float) for s in SIDES])
    out = summary(both)
    for s in SIDES:
        out[s] = summary(vals[s])["mean"]
    out["by_side"] = {s: summary(vals[s]) for s in SIDES}
    return out


def spatiotemporal(ev: GaitEvents, *, mode: str = "overground", travel_sign: int = 1,
                   speed: float | None = None, foot_x: dict[str, np.ndarray] | None = None,
                   time: np.ndarray | None = None, max_cycle: float = 2.0) -> dict:
    """Spatiotemporal measures (see module docstring).

    Parameters
    ----------
    ev : gait events.
    mode : "overground" or "treadmill".
    travel_sign : +1 travel along +X, -1 along -X.
    speed : belt speed for treadmill step length, m/s.
    foot_x : side → (N,) X position of the foot (overground step length), m.
    time : marker time base (with *foot_x*), s.
    max_cycle : longest stride/step accepted (gaps in the events), s.
    """
    contact = {s: np.diff(ev[s].contacts(), axis=1).ravel() for s in SIDES}
    stride = {}
    for s in SIDES:
        d = np.diff(ev[s].foot_strike)
        stride[s] = d[d <= max_cycle]
    # all foot strikes in order with their side
    fs_t = np.concatenate([ev.left.foot_strike, ev.right.foot_strike])
    fs_s = np.concatenate([np.zeros(ev.left.foot_strike.size, int),
                           np.ones(ev.right.foot_strike.size, int)])
    order = np.argsort(fs_t)
    fs_t, fs_s = fs_t[order], fs_s[order]
    alt = (fs_s[1:] != fs_s[:-1]) & (np.diff(fs_t) <= max_cycle / 2)
    step_dt = np.diff(fs_t)
    step = {s: step_dt[alt & (fs_s[1:] == i)] for i, s in enumerate(SIDES)}
    # flight: toe off of one foot -> next foot strike of the other
    flight = {}
    for i, s in enumerate(SIDES):
        other = SIDES[1 - i]
        to = ev[other].toe_off
        fs = ev[s].foot_strike
        if to.size == 0 or fs.size == 0:
            flight[s] = np.zeros(0)
            continue
        j = np.searchsorted(to, fs) - 1
        ok = j >= 0
        f = fs[ok] - to[j[ok]]
        flight[s] = f[(f > 0) & (f < max_cycle / 2)]
    out = {
        "contact_time_s": _per_side(contact),
        "flight_time_s": _per_side(flight),
        "step_time_s": _per_side(step),
        "stride_time_s": _per_side(stride),
    }
    st = out["step_time_s"]["mean"]
    out["cadence_steps_per_min"] = round(60.0 / st, 2) if st else None
    cad_side = {}
    for s in SIDES:
        m = out["step_time_s"][s]
        cad_side[s] = round(60.0 / m, 2) if m else None
    out["cadence_by_side_steps_per_min"] = cad_side
    duty = {}
    for s in SIDES:
        c, t = out["contact_time_s"][s], out["stride_time_s"][s]
        duty[s] = round(c / t, 4) if c and t else None
    out["duty_factor"] = duty
    # step length
    if mode == "treadmill" and speed:
        out["step_length_m"] = _per_side({s: step[s] * speed for s in SIDES})
        out["step_length_method"] = "belt speed × step time"
    elif foot_x is not None and time is not None:
        sl = {s: np.zeros(0) for s in SIDES}
        xs = {s: np.interp(fs_t, time, np.nan_to_num(foot_x[s])) for s in SIDES}
        x_now = np.where(fs_s == 0, xs["left"], xs["right"])
        d = (x_now[1:] - x_now[:-1]) * travel_sign
        for i, s in enumerate(SIDES):
            sl[s] = d[alt & (fs_s[1:] == i)]
        out["step_length_m"] = _per_side(sl)
        out["step_length_method"] = "foot position at consecutive opposite foot strikes"
    else:
        out["step_length_m"] = None
        out["step_length_method"] = "not available"
    return out
