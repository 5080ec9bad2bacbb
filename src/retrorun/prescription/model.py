"""Plain frozen data of a backward-running plan: Plan → Week → Session → Block → Step.

Units: durations in seconds (int), distances in metres, speeds in m/s, paces in s/km.
Every object converts to a JSON-safe ``dict`` (``to_dict``) and back (``from_dict``); the round
trip is exact (``Plan.from_dict(p.to_dict()) == p``). The JSON layout is documented in
``docs/plan-json.md``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

#: Version of the JSON layout written by :meth:`Plan.to_dict`.
SCHEMA_VERSION = 1

#: Step kinds that move backwards (they count as backward minutes).
BACKWARD_KINDS = frozenset({"backward_walk", "backward_jog", "backward_run"})

#: Block kinds, in the order they appear in every session.
BLOCK_ORDER = ("backward_warmup", "transfer_drills", "main_run")


def _opt_float(x: Any) -> float | None:
    return None if x is None else float(x)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a block, repeated ``repeats`` times with ``recovery_s`` between repeats.

    Attributes
    ----------
    kind
        ``backward_walk`` | ``backward_jog`` | ``backward_run`` | ``forward_walk`` |
        ``forward_stride`` | ``easy_run``.
    duration_s
        Duration of one repeat, s (``None`` when the step is given by distance).
    distance_m
        Distance of one repeat, m (``None`` when the step is given by time).
    repeats
        Number of repeats (≥ 1).
    recovery_s
        Recovery after each repeat except the last, s.
    recovery_kind
        What the recovery is (``backward_walk``, ``forward_walk``, ``stand``) or ``None``.
    pace_ceiling_m_s, pace_ceiling_s_per_km
        Speed never to exceed (the same limit in two units); ``None`` for steps without one.
    pace_label
        Human label of the pace ("comfortable", "≤ 70 % of easy pace", ...).
    rpe_target
        Target effort on the CR-10 scale (an upper bound).
    cues
        Technique cues for this step.
    """

    kind: str
    duration_s: int | None
    distance_m: float | None = None
    repeats: int = 1
    recovery_s: int = 0
    recovery_kind: str | None = None
    pace_ceiling_m_s: float | None = None
    pace_ceiling_s_per_km: float | None = None
    pace_label: str = ""
    rpe_target: int = 3
    cues: tuple[str, ...] = ()

    @property
    def backward(self) -> bool:
        """True when the step moves backwards."""
        return self.kind in BACKWARD_KINDS

    @property
    def total_s(self) -> int:
        """Total time of the step including recoveries, s (0 when given by distance)."""
        work = (self.duration_s or 0) * self.repeats
        return work + self.recovery_s * max(self.repeats - 1, 0)

    @property
    def backward_s(self) -> int:
        """Seconds of backward movement in this step, recoveries included when backward."""
        s = (self.duration_s or 0) * self.repeats if self.backward else 0
        if self.recovery_kind in BACKWARD_KINDS:
            s += self.recovery_s * max(self.repeats - 1, 0)
        return s

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "direction": "backward" if self.backward else "forward",
            "duration_s": self.duration_s,
            "distance_m": self.distance_m,
            "repeats": self.repeats,
            "recovery_s": self.recovery_s,
            "recovery_kind": self.recovery_kind,
            "pace_ceiling_m_s": self.pace_ceiling_m_s,
            "pace_ceiling_s_per_km": self.pace_ceiling_s_per_km,
            "pace_label": self.pace_label,
            "rpe_target": self.rpe_target,
            "cues": list(self.cues),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Step:
        return cls(
            kind=d["kind"],
            duration_s=None if d.get("duration_s") is None else int(d["duration_s"]),
            distance_m=_opt_float(d.get("distance_m")),
            repeats=int(d.get("repeats", 1)),
            recovery_s=int(d.get("recovery_s", 0)),
            recovery_kind=d.get("recovery_kind"),
            pace_ceiling_m_s=_opt_float(d.get("pace_ceiling_m_s")),
            pace_ceiling_s_per_km=_opt_float(d.get("pace_ceiling_s_per_km")),
            pace_label=d.get("pace_label", ""),
            rpe_target=int(d.get("rpe_target", 3)),
            cues=tuple(d.get("cues", ())),
        )


@dataclass(frozen=True, slots=True)
class Looks:
    """Look-behind schedule of a backward block (a design rule: alternate sides, equal counts).

    Attributes
    ----------
    left, right
        Number of looks over the left and the right shoulder.
    sequence
        Order of the looks, ``"L"`` / ``"R"``.
    interval_s
        Backward time between looks, s (0 when there are no looks, e.g. on a treadmill).
    """

    left: int
    right: int
    sequence: tuple[str, ...]
    interval_s: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "left": self.left,
            "right": self.right,
            "sequence": list(self.sequence),
            "interval_s": self.interval_s,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Looks:
        return cls(
            left=int(d["left"]),
            right=int(d["right"]),
            sequence=tuple(d["sequence"]),
            interval_s=int(d["interval_s"]),
        )


NO_LOOKS = Looks(0, 0, (), 0)


@dataclass(frozen=True, slots=True)
class Block:
    """A block of a session: the backward warm-up, the transfer drills or the main run.

    Attributes
    ----------
    kind
        ``backward_warmup`` | ``transfer_drills`` | ``main_run``.
    title
        Short human title.
    steps
        The steps, in order.
    surface
        ``track`` | ``treadmill`` | ``flat_path`` | ``any``.
    surface_cues
        Cues specific to the surface (e.g. treadmill handrails).
    looks
        The look-behind schedule (``NO_LOOKS`` for forward blocks and treadmills).
    cues
        Technique cues for the whole block.
    """

    kind: str
    title: str
    steps: tuple[Step, ...]
    surface: str
    surface_cues: tuple[str, ...] = ()
    looks: Looks = NO_LOOKS
    cues: tuple[str, ...] = ()

    @property
    def backward_s(self) -> int:
        """Seconds of backward movement in the block."""
        return sum(s.backward_s for s in self.steps)

    @property
    def total_s(self) -> int:
        """Total time of the block, s."""
        return sum(s.total_s for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "steps": [s.to_dict() for s in self.steps],
            "surface": self.surface,
            "surface_cues": list(self.surface_cues),
            "looks": self.looks.to_dict(),
            "cues": list(self.cues),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Block:
        return cls(
            kind=d["kind"],
            title=d["title"],
            steps=tuple(Step.from_dict(s) for s in d["steps"]),
            surface=d["surface"],
            surface_cues=tuple(d.get("surface_cues", ())),
            looks=Looks.from_dict(d["looks"]) if d.get("looks") else NO_LOOKS,
            cues=tuple(d.get("cues", ())),
        )


@dataclass(frozen=True, slots=True)
class Session:
    """One training day: backward warm-up first, then transfer drills, then the athlete's run.

    Attributes
    ----------
    session_id
        ``"<date>-w<week>s<n>"`` (e.g. ``"2026-12-01-w1s1"``): unique (one backward session a
        day at most) and the same for a date in every re-plan of a block.
    date
        Day of the session.
    week
        Week of the block, 1-based (counted from ``Plan.grid_start``).
    index_in_week
        Position within the week, 1-based, counting the sessions already done that week
        (history) before the plan's start.
    level
        Index into :data:`retrorun.prescription.ladder.LEVELS`.
    phase
        Phase name of that level.
    backward_minutes
        Minutes of backward movement (sum over the backward steps), min.
    blocks
        The blocks in order (``BLOCK_ORDER``).
    supervised
        True when the backward block must be done on a treadmill with handrails or with a coach.
    """

    session_id: str
    date: dt.date
    week: int
    index_in_week: int
    level: int
    phase: str
    backward_minutes: float
    blocks: tuple[Block, ...]
    supervised: bool = False

    @property
    def backward_block(self) -> Block:
        """The backward warm-up block (always the first block)."""
        return self.blocks[0]

    @property
    def looks(self) -> Looks:
        """Look-behind schedule of the backward block."""
        return self.blocks[0].looks

    @property
    def surface(self) -> str:
        """Surface of the backward block."""
        return self.blocks[0].surface

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "date": self.date.isoformat(),
            "week": self.week,
            "index_in_week": self.index_in_week,
            "level": self.level,
            "phase": self.phase,
            "backward_minutes": self.backward_minutes,
            "supervised": self.supervised,
            "blocks": [b.to_dict() for b in self.blocks],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Session:
        return cls(
            session_id=d["session_id"],
            date=dt.date.fromisoformat(d["date"]),
            week=int(d["week"]),
            index_in_week=int(d["index_in_week"]),
            level=int(d["level"]),
            phase=d["phase"],
            backward_minutes=float(d["backward_minutes"]),
            blocks=tuple(Block.from_dict(b) for b in d["blocks"]),
            supervised=bool(d.get("supervised", False)),
        )


@dataclass(frozen=True, slots=True)
class Week:
    """A 7-day week of the plan starting on ``start``.

    Attributes
    ----------
    number
        1-based week number, counted from the block start (``Plan.grid_start``).
    start
        First day of the week (the block start + 7·(number − 1) days). The first week of a
        re-plan that starts mid-week begins before ``Plan.start``; its sessions do not.
    sessions
        Sessions of the week, date-ordered.
    decision
        Why the week's level is what it is (``start``, ``progress: duration``, ``hold: ...``).
    """

    number: int
    start: dt.date
    sessions: tuple[Session, ...]
    decision: str = ""

    @property
    def end(self) -> dt.date:
        """Last day of the week (inclusive)."""
        return self.start + dt.timedelta(days=6)

    @property
    def backward_minutes(self) -> float:
        """Backward minutes of the week."""
        return sum(s.backward_minutes for s in self.sessions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "backward_minutes": self.backward_minutes,
            "decision": self.decision,
            "sessions": [s.to_dict() for s in self.sessions],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Week:
        return cls(
            number=int(d["number"]),
            start=dt.date.fromisoformat(d["start"]),
            sessions=tuple(Session.from_dict(s) for s in d["sessions"]),
            decision=d.get("decision", ""),
        )


@dataclass(frozen=True, slots=True)
class Limits:
    """The numbers the caps are checked against (stored in the plan so checks need no profile).

    Attributes
    ----------
    easy_speed_m_s
        The athlete's easy forward speed, m/s.
    speed_fraction
        Backward speed ceiling as a fraction of ``easy_speed_m_s`` (0.70, Sterzing 2016).
    rpe_max
        Highest CR-10 effort any backward step may target.
    session_growth_max
        A session's backward minutes ≤ this × the longest in the previous 30 days.
    two_week_growth_max
        A week's backward minutes ≤ this × the week two weeks earlier.
    weekly_running_minutes
        The athlete's usual forward running per week, min.
    share_max
        Backward minutes ≤ this share of all running minutes of the week (backward + forward).
    share_base_min_minutes
        Floor of the forward-minutes base of the share cap (lets a low-volume runner do the
        entry dose), min.
    max_session_minutes
        Highest backward minutes of one session.
    max_session_minutes_walk
        Highest backward minutes of one session at a walking level.
    min_rest_days
        Rest days required between two backward sessions.
    """

    easy_speed_m_s: float
    speed_fraction: float
    rpe_max: int
    session_growth_max: float
    two_week_growth_max: float
    weekly_running_minutes: float
    share_max: float
    share_base_min_minutes: float
    max_session_minutes: float
    max_session_minutes_walk: float
    min_rest_days: int

    @property
    def pace_ceiling_m_s(self) -> float:
        """The backward speed ceiling, m/s (exact)."""
        return self.easy_speed_m_s * self.speed_fraction

    @property
    def step_ceiling_m_s(self) -> float:
        """The ceiling written on steps: floored to 1 mm/s so it never exceeds the exact one."""
        return math.floor(self.pace_ceiling_m_s * 1000.0) / 1000.0

    @property
    def step_ceiling_s_per_km(self) -> float:
        """The same ceiling as a pace, s/km, rounded up (slower) to a whole second."""
        return float(math.ceil(1000.0 / self.step_ceiling_m_s))

    @property
    def weekly_backward_max(self) -> float:
        """Largest backward minutes a week may hold under the share cap, min.

        ``b ≤ s·(b + f)`` ⇔ ``b ≤ s/(1 − s)·f`` with ``f`` the forward base.
        """
        base = max(self.weekly_running_minutes, self.share_base_min_minutes)
        return self.share_max / (1.0 - self.share_max) * base

    def to_dict(self) -> dict[str, Any]:
        return {
            "easy_speed_m_s": self.easy_speed_m_s,
            "speed_fraction": self.speed_fraction,
            "rpe_max": self.rpe_max,
            "session_growth_max": self.session_growth_max,
            "two_week_growth_max": self.two_week_growth_max,
            "weekly_running_minutes": self.weekly_running_minutes,
            "share_max": self.share_max,
            "share_base_min_minutes": self.share_base_min_minutes,
            "max_session_minutes": self.max_session_minutes,
            "max_session_minutes_walk": self.max_session_minutes_walk,
            "min_rest_days": self.min_rest_days,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Limits:
        return cls(
            easy_speed_m_s=float(d["easy_speed_m_s"]),
            speed_fraction=float(d["speed_fraction"]),
            rpe_max=int(d["rpe_max"]),
            session_growth_max=float(d["session_growth_max"]),
            two_week_growth_max=float(d["two_week_growth_max"]),
            weekly_running_minutes=float(d["weekly_running_minutes"]),
            share_max=float(d["share_max"]),
            share_base_min_minutes=float(d["share_base_min_minutes"]),
            max_session_minutes=float(d["max_session_minutes"]),
            max_session_minutes_walk=float(d["max_session_minutes_walk"]),
            min_rest_days=int(d["min_rest_days"]),
        )


@dataclass(frozen=True, slots=True)
class Plan:
    """A backward-running plan.

    Attributes
    ----------
    plan_id
        Stable id (given, or derived from the inputs).
    athlete
        The athlete's name as in the profile.
    condition, side
        From the profile.
    start
        First day of week 1.
    weeks
        The weeks, in order.
    screening
        Screening outcome the plan was built under: ``cleared`` or ``supervised``.
    supervised
        True when every backward block must be supervised.
    start_level
        Level of week 1.
    start_reasons
        Why the plan starts at that level.
    limits
        The cap numbers (see :class:`Limits`).
    notes
        Notes for the athlete (evidence gaps for their condition, surface fallbacks, ...).
    evidence_keys
        Keys of :data:`retrorun.prescription.evidence.EVIDENCE` the plan relies on.
    disclaimer
        The product disclaimer.
    block_start
        First day of the training block the plan belongs to (``None`` = ``start``). Week
        numbers, session ids and the two-week cap use 7-day weeks counted from it, so a re-plan
        that starts mid-block keeps the block's weeks (see :attr:`grid_start`).
    """

    plan_id: str
    athlete: str
    condition: str
    side: str
    start: dt.date
    weeks: tuple[Week, ...]
    screening: str
    supervised: bool
    start_level: int
    start_reasons: tuple[str, ...]
    limits: Limits
    notes: tuple[str, ...] = ()
    evidence_keys: tuple[str, ...] = ()
    disclaimer: str = ""
    schema_version: int = field(default=SCHEMA_VERSION)
    block_start: dt.date | None = None

    @property
    def grid_start(self) -> dt.date:
        """Day 1 of week 1 of the block: ``block_start``, else ``start``."""
        return self.block_start or self.start

    @property
    def sessions(self) -> tuple[Session, ...]:
        """All sessions, date-ordered."""
        return tuple(s for w in self.weeks for s in w.sessions)

    @property
    def end(self) -> dt.date:
        """Last day of the plan (inclusive): the end of its last week."""
        if self.weeks:
            return self.weeks[-1].end
        return self.start - dt.timedelta(days=1)

    @property
    def backward_minutes(self) -> float:
        """Total backward minutes of the plan."""
        return sum(w.backward_minutes for w in self.weeks)

    def session(self, session_id: str) -> Session:
        """The session with this id (``KeyError`` when absent)."""
        for s in self.sessions:
            if s.session_id == session_id:
                return s
        raise KeyError(session_id)

    def next_session(self, today: dt.date) -> Session | None:
        """The first session on or after ``today`` (``None`` when the plan is over)."""
        for s in self.sessions:
            if s.date >= today:
                return s
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (dates as ISO strings, tuples as lists)."""
        return {
            "schema_version": self.schema_version,
            "plan_id": self.plan_id,
            "athlete": self.athlete,
            "condition": self.condition,
            "side": self.side,
            "start": self.start.isoformat(),
            "block_start": self.grid_start.isoformat(),
            "end": self.end.isoformat(),
            "screening": self.screening,
            "supervised": self.supervised,
            "start_level": self.start_level,
            "start_reasons": list(self.start_reasons),
            "limits": self.limits.to_dict(),
            "notes": list(self.notes),
            "evidence_keys": list(self.evidence_keys),
            "disclaimer": self.disclaimer,
            "backward_minutes": self.backward_minutes,
            "weeks": [w.to_dict() for w in self.weeks],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Plan:
        """Inverse of :meth:`to_dict` (derived keys such as ``end`` are ignored).

        Raises
        ------
        ValueError
            When ``d`` is not a plan: names the missing key or the bad value.
        """
        if not isinstance(d, dict):
            raise ValueError("invalid plan: expected a JSON object")
        try:
            return cls._from_dict(d)
        except KeyError as exc:
            raise ValueError(f"invalid plan: missing key {exc.args[0]!r}") from None
        except (TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"invalid plan: {exc}") from None

    @classmethod
    def _from_dict(cls, d: dict[str, Any]) -> Plan:
        version = int(d.get("schema_version", SCHEMA_VERSION))
        if version > SCHEMA_VERSION:
            raise ValueError(
                f"plan schema_version {version} is newer than this retrorun ({SCHEMA_VERSION})"
            )
        return cls(
            plan_id=d["plan_id"],
            athlete=d["athlete"],
            condition=d["condition"],
            side=d["side"],
            start=dt.date.fromisoformat(d["start"]),
            weeks=tuple(Week.from_dict(w) for w in d["weeks"]),
            screening=d["screening"],
            supervised=bool(d["supervised"]),
            start_level=int(d["start_level"]),
            start_reasons=tuple(d.get("start_reasons", ())),
            limits=Limits.from_dict(d["limits"]),
            notes=tuple(d.get("notes", ())),
            evidence_keys=tuple(d.get("evidence_keys", ())),
            disclaimer=d.get("disclaimer", ""),
            schema_version=version,
            block_start=dt.date.fromisoformat(d.get("block_start") or d["start"]),
        )
