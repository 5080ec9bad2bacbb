"""FIT workout files (one per planned session) with fit-tool, and the lap structure they produce.

Mapping of a session dict (``Plan.to_dict()`` layout) to FIT workout steps:

* each step of the backward warm-up and transfer-drill blocks: a work step (time or distance, a
  speed target ``0 … pace ceiling`` when the plan gives one, else a heart-rate ceiling when given,
  else open) and, for ``repeats > 1``, a recovery step plus a repeat step. The plan puts recoveries
  *between* repeats only, so ``n`` repeats are written as ``(work, recovery) × (n − 1)`` followed by
  one more work step — exactly ``2n − 1`` laps on the watch, no trailing recovery;
* the main run: one open step (the athlete's own run, ended with the lap button or by stopping).

Encoding (FIT profile, Garmin cookbook "WorkoutEncode"): duration_time s (fit-tool scales ×1000),
duration_distance m (×100), custom speed m/s (×1000), custom HR = bpm + 100, repeat step
``duration_type = repeat_until_steps_cmplt`` with ``duration_step`` = message index to jump back to
and ``target_repeat_steps`` = how many times. ``num_valid_steps`` counts every step message.

A watch following the workout writes one lap per executed step; :func:`expected_laps` gives that
sequence so :mod:`retrorun.activities.matching` can find the backward laps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from retrorun._atomic import write_atomic
from retrorun.export.plan_dict import is_backward, label, plan_sessions

#: FIT string fields are fixed-size; names longer than this are cut
NAME_MAX = 40


@dataclass(frozen=True)
class WorkoutStep:
    """One FIT workout step message (plain data, before encoding).

    ``duration_type``: 'time' | 'distance' | 'open' | 'repeat'. For 'repeat', ``repeat_from`` is the
    message index to jump back to and ``repeat_count`` the number of times.
    ``intensity``: 'warmup' | 'active' | 'recovery' | 'rest' | 'interval'.
    """

    index: int
    name: str
    block: str
    kind: str
    backward: bool
    duration_type: str
    duration_s: float | None = None
    distance_m: float | None = None
    speed_high_m_s: float | None = None
    hr_high_bpm: float | None = None
    intensity: str = "active"
    repeat_from: int | None = None
    repeat_count: int | None = None
    notes: str = ""


@dataclass(frozen=True)
class ExpectedLap:
    """A lap the watch writes when the workout is followed (one per executed step)."""

    step_index: int
    block: str
    kind: str
    backward: bool
    work: bool  # a work repeat (not a recovery)
    duration_s: float | None
    distance_m: float | None


def session_steps(session: dict[str, Any]) -> list[WorkoutStep]:
    """FIT workout steps for one session dict (see module docstring)."""
    out: list[WorkoutStep] = []

    def add(**kw: Any) -> WorkoutStep:
        st = WorkoutStep(index=len(out), **kw)
        out.append(st)
        return st

    for block in session.get("blocks", []):
        bkind = block.get("kind", "")
        if bkind == "main_run":
            add(
                name="Main run (your own)",
                block=bkind,
                kind="main_run",
                backward=False,
                duration_type="open",
                intensity="active",
                notes="; ".join(block.get("cues", [])),
            )
            continue
        for step in block.get("steps", []):
            reps = max(int(step.get("repeats") or 1), 1)
            rec = int(step.get("recovery_s") or 0)
            back = is_backward(step)
            if step.get("duration_s"):
                dtype, dur, dist = "time", float(step["duration_s"]), None
            elif step.get("distance_m"):
                dtype, dur, dist = "distance", None, float(step["distance_m"])
            else:
                dtype, dur, dist = "open", None, None
            amount = f"{dur:g}s" if dur else (f"{dist:g}m" if dist else "")
            work = dict(
                name=f"{label(step.get('kind'))} {amount}".strip()[:NAME_MAX],
                block=bkind,
                kind=step.get("kind", ""),
                backward=back,
                duration_type=dtype,
                duration_s=dur,
                distance_m=dist,
                speed_high_m_s=step.get("pace_ceiling_m_s"),
                hr_high_bpm=step.get("hr_ceiling_bpm"),
                intensity="warmup" if bkind == "backward_warmup" and back else "active",
                notes="; ".join(step.get("cues", [])),
            )
            if reps == 1:
                add(**work)
                continue
            if rec > 0:
                first = add(**work)
                rkind = step.get("recovery_kind") or "stand"
                add(
                    name=f"{label(rkind)} {rec}s"[:NAME_MAX],
                    block=bkind,
                    kind=rkind,
                    backward=rkind in ("backward_walk", "backward_jog", "backward_run"),
                    duration_type="time",
                    duration_s=float(rec),
                    intensity="rest" if rkind == "stand" else "recovery",
                )
                if reps - 1 > 1:
                    add(
                        name=f"Repeat {reps - 1}x",
                        block=bkind,
                        kind="repeat",
                        backward=False,
                        duration_type="repeat",
                        repeat_from=first.index,
                        repeat_count=reps - 1,
                    )
                add(**work)
            else:
                first = add(**work)
                add(
                    name=f"Repeat {reps}x",
                    block=bkind,
                    kind="repeat",
                    backward=False,
                    duration_type="repeat",
                    repeat_from=first.index,
                    repeat_count=reps,
                )
    return out


def expected_laps(steps: list[WorkoutStep]) -> list[ExpectedLap]:
    """The laps a watch writes when it runs *steps* (repeats expanded, one lap per step)."""
    laps: list[ExpectedLap] = []
    i = 0
    done: dict[int, int] = {}
    guard = 0
    while i < len(steps):
        guard += 1
        if guard > 100_000:  # malformed repeat structure
            raise ValueError("workout repeat structure does not terminate")
        st = steps[i]
        if st.duration_type == "repeat":
            n = done.get(i, 1)
            if n < (st.repeat_count or 1) and st.repeat_from is not None:
                done[i] = n + 1
                i = st.repeat_from
            else:
                done.pop(i, None)
                i += 1
            continue
        laps.append(
            ExpectedLap(
                step_index=st.index,
                block=st.block,
                kind=st.kind,
                backward=st.backward,
                work=st.intensity not in ("rest", "recovery"),
                duration_s=st.duration_s,
                distance_m=st.distance_m,
            )
        )
        i += 1
    return laps


def workout_name(session: dict[str, Any]) -> str:
    """Short workout name shown on the watch."""
    mins = session.get("backward_minutes")
    base = f"Retro {session.get('date', '')}"
    if mins:
        base += f" {round(float(mins), 1):g}min"
    return base[:NAME_MAX]


def encode_workout(session: dict[str, Any], created: datetime | None = None) -> bytes:
    """Encode a session dict as FIT workout bytes with fit-tool."""
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.messages.workout_message import WorkoutMessage
    from fit_tool.profile.messages.workout_step_message import WorkoutStepMessage
    from fit_tool.profile.profile_type import (
        FileType,
        Intensity,
        Manufacturer,
        Sport,
        SubSport,
    )
    from fit_tool.profile.profile_type import WorkoutStepDuration as D
    from fit_tool.profile.profile_type import WorkoutStepTarget as T

    steps = session_steps(session)
    if created is None:
        created = datetime.now(UTC)
    fid = FileIdMessage()
    fid.type = FileType.WORKOUT
    fid.manufacturer = Manufacturer.DEVELOPMENT.value
    fid.product = 0
    fid.serial_number = 0x5E7B
    fid.time_created = round(created.timestamp() * 1000)
    w = WorkoutMessage()
    w.workout_name = workout_name(session)
    w.sport = Sport.RUNNING
    surface = (session.get("blocks") or [{}])[0].get("surface")
    w.sub_sport = {"track": SubSport.TRACK, "treadmill": SubSport.TREADMILL}.get(
        surface, SubSport.GENERIC
    )
    w.num_valid_steps = len(steps)
    intensity = {
        "warmup": Intensity.WARMUP,
        "active": Intensity.ACTIVE,
        "recovery": Intensity.RECOVERY,
        "rest": Intensity.REST,
        "interval": Intensity.INTERVAL,
    }
    msgs = []
    for st in steps:
        m = WorkoutStepMessage()
        m.message_index = st.index
        m.workout_step_name = st.name
        if st.duration_type == "repeat":
            m.duration_type = D.REPEAT_UNTIL_STEPS_CMPLT
            m.duration_step = st.repeat_from
            m.target_type = T.OPEN
            m.target_repeat_steps = st.repeat_count
            msgs.append(m)
            continue
        m.intensity = intensity[st.intensity]
        if st.duration_type == "time":
            m.duration_type = D.TIME
            m.duration_time = float(st.duration_s)
        elif st.duration_type == "distance":
            m.duration_type = D.DISTANCE
            m.duration_distance = float(st.distance_m)
        else:
            m.duration_type = D.OPEN
        if st.speed_high_m_s:
            m.target_type = T.SPEED
            m.target_value = 0
            m.custom_target_speed_low = 0.0
            m.custom_target_speed_high = float(st.speed_high_m_s)
        elif st.hr_high_bpm:
            m.target_type = T.HEART_RATE
            m.target_value = 0
            m.custom_target_heart_rate_low = 100 + 40
            m.custom_target_heart_rate_high = 100 + round(st.hr_high_bpm)
        else:
            m.target_type = T.OPEN
        if st.notes:
            m.notes = st.notes[:50]  # workout_step.notes: every fit-tool >= 0.9.14 has it
        msgs.append(m)
    b = FitFileBuilder(auto_define=True, min_string_size=50)
    b.add(fid)
    b.add(w)
    b.add_all(msgs)
    return b.build().to_bytes()


def workout_filename(session: dict[str, Any]) -> str:
    """File name for a session's workout, safe on FAT file systems (watch storage)."""
    sid = str(session.get("session_id") or session.get("date") or "session")
    return re.sub(r"[^A-Za-z0-9_.-]", "_", sid) + ".fit"


def write_fit_workouts(
    plan: dict[str, Any], folder: str | Path, created: datetime | None = None
) -> list[Path]:
    """Write one FIT workout per session of *plan* into *folder*; returns the paths written.

    Each file is encoded in memory first and written whole, so a failure leaves no partial file.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for s in plan_sessions(plan):
        data = encode_workout(s, created)
        p = out / workout_filename(s)
        write_atomic(p, data)
        paths.append(p)
    return paths
