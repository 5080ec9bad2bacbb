"""Session log entries and their validation.

A :class:`SessionLogEntry` is what the runner reports about one planned session. It is
plain data; :func:`validate_entry` checks it against the calendar (no session done in the
future) and the plan (the session must exist) and raises :class:`LogError` naming every
field that is wrong, before anything is written.

Scales: pain and next-morning stiffness are 0–10 numeric ratings (NRS, whole numbers),
effort is Borg's CR-10 (0–10, half points allowed), minutes are minutes of backward running.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from typing import Any, Literal

Done = Literal["yes", "partly", "no"]
DONE_VALUES: tuple[str, ...] = ("yes", "partly", "no")
#: Surfaces the runner can report (the method wants a flat, predictable surface).
SURFACES: tuple[str, ...] = (
    "track",
    "treadmill",
    "flat_path",
    "grass",
    "road",
    "trail",
    "indoor",
    "other",
    "unknown",
)
#: Longest backward-running log accepted, minutes (far above any prescription; catches typos).
MAX_MINUTES = 240.0
MAX_REPETITIONS = 500
MAX_LOOKS = 5000


class LogError(ValueError):
    """Invalid log entry; ``problems`` lists ``(field, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))


@dataclass(frozen=True)
class SessionLogEntry:
    """One logged session.

    Attributes
    ----------
    date
        Day the session was done (or skipped).
    session_id
        Stable id of the planned session this log is for.
    done
        ``"yes"``, ``"partly"`` or ``"no"``.
    backward_minutes
        Minutes of backward running actually done.
    pain_during, pain_after, pain_next_morning
        Pain 0–10 during the backward block, right after, and the next morning
        (``None`` until known: the next-morning value usually arrives a day later).
    rpe
        Session effort, CR-10 (0–10).
    stiffness_next_morning
        Stiffness of the joint the next morning, 0–10 (``None`` until known or not
        reported). Like next-morning pain it is known only the next day; the pain-monitoring
        model asks that neither pain nor stiffness rise week to week.
    red_flag
        Free text describing a red-flag symptom (locking, giving way, night pain, fever...),
        ``None`` when there was none.
    """

    date: date
    session_id: str
    done: Done
    backward_minutes: float = 0.0
    repetitions: int | None = None
    surface: str | None = None
    looks_left: int | None = None
    looks_right: int | None = None
    rpe: float | None = None
    pain_during: int | None = None
    pain_after: int | None = None
    pain_next_morning: int | None = None
    swelling: bool = False
    limp: bool = False
    red_flag: str | None = None
    notes: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)
    stiffness_next_morning: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["date"] = self.date.isoformat()
        d["warnings"] = list(self.warnings)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SessionLogEntry:
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        if isinstance(kw.get("date"), str):
            kw["date"] = date.fromisoformat(kw["date"])
        kw["warnings"] = tuple(kw.get("warnings") or ())
        return cls(**kw)

    def with_(self, **changes: Any) -> SessionLogEntry:
        return replace(self, **changes)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def validate_entry(
    entry: SessionLogEntry,
    *,
    today: date,
    planned: Mapping[str, Mapping[str, Any]] | None = None,
) -> SessionLogEntry:
    """Check *entry*; return it normalised (surface lower-case, notes stripped).

    Parameters
    ----------
    entry
        The log entry.
    today
        The current date: sessions cannot be done in the future, and a next-morning pain
        can only be given once that morning has come.
    planned
        Planned sessions by ``session_id`` (each with at least ``date``); when given the
        session must be one of them.

    Raises
    ------
    LogError
        Listing every problem, field by field.
    """
    p: list[tuple[str, str]] = []
    if entry.done not in DONE_VALUES:
        p.append(("done", f"must be one of yes / partly / no, got {entry.done!r}"))
    if not isinstance(entry.date, date):
        p.append(("date", f"must be a date, got {entry.date!r}"))
    elif entry.date > today:
        p.append(("date", f"{entry.date.isoformat()} is in the future (today is {today})"))
    else:
        for name in ("pain_next_morning", "stiffness_next_morning"):
            if getattr(entry, name) is not None and entry.date >= today:
                p.append(
                    (
                        name,
                        f"the morning after {entry.date.isoformat()} has not come yet; "
                        "add it tomorrow with `retrorun morning`",
                    )
                )
    if not entry.session_id:
        p.append(("session", "no planned session given"))
    elif planned is not None and entry.session_id not in planned:
        known = ", ".join(sorted(planned)[:8]) or "none"
        p.append(("session", f"unknown session {entry.session_id!r} (planned: {known})"))
    for name in ("pain_during", "pain_after", "pain_next_morning"):
        v = getattr(entry, name)
        if v is not None and (not _is_int(v) or not 0 <= v <= 10):
            p.append((name, f"pain must be a whole number from 0 to 10, got {v!r}"))
    s = entry.stiffness_next_morning
    if s is not None and (not _is_int(s) or not 0 <= s <= 10):
        p.append(
            ("stiffness_next_morning", f"stiffness must be a whole number from 0 to 10, got {s!r}")
        )
    if entry.rpe is not None and (not _number(entry.rpe) or not 0 <= entry.rpe <= 10):
        p.append(("rpe", f"effort (CR-10) must be from 0 to 10, got {entry.rpe!r}"))
    m = entry.backward_minutes
    if not _number(m) or not 0 <= m <= MAX_MINUTES:
        p.append(("backward_minutes", f"must be from 0 to {MAX_MINUTES:g} minutes, got {m!r}"))
    elif entry.done == "no" and m > 0:
        p.append(("backward_minutes", "a session not done cannot have backward minutes"))
    elif entry.done in ("yes", "partly") and m == 0:
        p.append(("backward_minutes", f"done={entry.done} needs the backward minutes done (> 0)"))
    for name, hi in (
        ("repetitions", MAX_REPETITIONS),
        ("looks_left", MAX_LOOKS),
        ("looks_right", MAX_LOOKS),
    ):
        v = getattr(entry, name)
        if v is not None and (not _is_int(v) or not 0 <= v <= hi):
            p.append((name, f"must be a whole number from 0 to {hi}, got {v!r}"))
    if entry.done in ("yes", "partly"):
        for name in ("rpe", "pain_during", "pain_after"):
            if getattr(entry, name) is None:
                p.append((name, f"needed for a session done ({entry.done})"))
    surface = entry.surface.strip().lower() if entry.surface else None
    if surface is not None and surface not in SURFACES:
        p.append(("surface", f"must be one of {', '.join(SURFACES)}, got {entry.surface!r}"))
    if entry.red_flag is not None and not entry.red_flag.strip():
        p.append(("red_flag", "describe the red flag (empty text given)"))
    if p:
        raise LogError(p)
    return replace(entry, surface=surface, notes=(entry.notes or "").strip())


def max_pain(entry: SessionLogEntry) -> int | None:
    """Highest of the pain ratings known for *entry* (``None`` if none is known)."""
    vals = [
        v for v in (entry.pain_during, entry.pain_after, entry.pain_next_morning) if v is not None
    ]
    return max(vals) if vals else None
