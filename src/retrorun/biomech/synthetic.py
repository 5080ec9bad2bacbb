"""Synthetic trials for testing (always labelled ``meta["synthetic"] = True``).

No public recording of backward running exists, so backward trials are made by
**time-reversing** a forward trial: every marker and force channel is played backwards
on the same clock. Kinematically this is backward running (the pelvis still faces +X but
the body travels along −X; on a treadmill the stance foot moves with +X). Physically it
is not: the reversed anterior-posterior GRF shows a propulsive impulse where braking
should be, the impact peak moves to the end of stance, and muscle timing is reversed.
Use such trials for direction and event algorithms only, never as reference kinetics.
A reversed foot strike is the original toe off and vice versa.
"""

from __future__ import annotations

import numpy as np

from retrorun.biomech.trial import ForcePlate, Trial

__all__ = ["time_reversed"]


def time_reversed(trial: Trial) -> Trial:
    """A time-reversed copy of *trial* on the same clock, labelled synthetic.

    A sample at time ``t`` moves to ``t_start + t_end - t`` for markers and forces (the
    force clock is reversed around the marker clock's mid-point so both stay aligned).
    """
    t = trial.time
    t_sum = float(t[0] + t[-1])
    markers = {k: v[::-1].copy() for k, v in trial.markers.items()}
    plates = [ForcePlate(force=p.force[::-1].copy(), cop=p.cop[::-1].copy(),
                         free_moment=p.free_moment[::-1].copy(), name=p.name, foot=p.foot,
                         corners=p.corners) for p in trial.plates]
    fst = None
    if plates and trial.force_rate:
        tf = trial.force_time
        fst = t_sum - float(tf[-1])
    events = {s: {k: np.sort(t_sum - v) for k, v in d.items()} for s, d in trial.events.items()}
    outputs = {k: v[::-1].copy() for k, v in trial.model_outputs.items()}
    meta = dict(trial.meta)
    meta["synthetic"] = True
    meta["synthetic_note"] = ("time-reversed copy of a forward trial: kinematics of backward "
                              "running, GRF shear and impact timing are not physical")
    static = trial.static
    return trial.copy(markers=markers, plates=plates, force_start_time=fst, events=events,
                      model_outputs=outputs, meta=meta, static=static)
