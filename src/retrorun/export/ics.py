"""iCalendar (RFC 5545) feed of a plan with icalendar: one event per session.

Each VEVENT has a stable ``UID`` (``<session_id>@retrorun``, so a re-exported feed updates events
instead of duplicating them), ``DTSTAMP``, ``DTSTART``/``DTEND`` with ``TZID`` and a generated
``VTIMEZONE``, a ``VALARM`` 30 min before, and the steps and cues of every block in the
``DESCRIPTION``. icalendar folds lines at 75 octets, escapes ``,;\\`` and newlines and writes CRLF.

For a stored athlete (``retrorun export-plan --athlete``) the UID is ``<athlete>-<date>@retrorun``
(one session a day; session ids change when a re-plan renumbers the weeks, dates do not),
``SEQUENCE`` is the plan version the session comes from, and sessions an earlier plan version had
but the one in force has not are written with ``STATUS:CANCELLED`` (no alarm) so that a calendar
that imported an earlier file marks them cancelled instead of keeping a stale event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from retrorun._atomic import write_atomic
from retrorun.export.plan_dict import plan_sessions, step_text

PRODID = "-//retrorun//backward-running plan//EN"
#: duration assumed for the athlete's own main run when the plan leaves it open, s (design rule)
DEFAULT_MAIN_RUN_S = 30 * 60
#: reminder before each session
ALARM_BEFORE = timedelta(minutes=30)


def _block_seconds(block: dict[str, Any]) -> int:
    total = 0
    for s in block.get("steps", []):
        reps = int(s.get("repeats") or 1)
        work = s.get("duration_s")
        if work is None and s.get("distance_m") and s.get("pace_ceiling_m_s"):
            work = s["distance_m"] / s["pace_ceiling_m_s"]
        total += int((work or 0) * reps + int(s.get("recovery_s") or 0) * max(reps - 1, 0))
    return total


def session_seconds(session: dict[str, Any]) -> int:
    """Planned session length, s (an open main run counts :data:`DEFAULT_MAIN_RUN_S`)."""
    total = 0
    for b in session.get("blocks", []):
        sec = _block_seconds(b)
        if b.get("kind") == "main_run" and sec == 0:
            sec = DEFAULT_MAIN_RUN_S
        total += sec
    return max(total, 60)


def session_title(session: dict[str, Any]) -> str:
    """Event summary line."""
    mins = session.get("backward_minutes")
    parts = ["Backward warm-up"]
    if mins:
        parts.append(f"{round(float(mins), 1):g} min")
    parts.append("+ run")
    title = " ".join(parts)
    if session.get("week"):
        title += f" (week {session['week']})"
    return title


def session_description(session: dict[str, Any], disclaimer: str = "") -> str:
    """Plain-text description: every block with its steps, cues, surface and looks."""
    lines: list[str] = []
    if session.get("log_note"):
        lines += [str(session["log_note"]), ""]
    if session.get("phase"):
        lines.append(f"Phase: {session['phase']} (level {session.get('level', '?')})")
    if session.get("supervised"):
        lines.append("SUPERVISED: backward block on a treadmill with handrails or with a coach.")
    for b in session.get("blocks", []):
        head = b.get("title") or b.get("kind", "")
        if b.get("surface") and b.get("surface") != "any":
            head += f" — surface: {b['surface'].replace('_', ' ')}"
        lines.append("")
        lines.append(head)
        for s in b.get("steps", []):
            lines.append(f"• {step_text(s)}")
            for c in s.get("cues", []):
                lines.append(f"  – {c}")
        looks = b.get("looks") or {}
        if looks.get("sequence"):
            seq = " ".join(looks["sequence"])
            lines.append(
                f"Looks behind: {looks.get('left', 0)} left / {looks.get('right', 0)} right, "
                f"every {looks.get('interval_s', 0)} s: {seq}"
            )
        for c in list(b.get("cues", [])) + list(b.get("surface_cues", [])):
            lines.append(f"Cue: {c}")
    if disclaimer:
        lines += ["", disclaimer]
    return "\n".join(lines).strip()


def session_uid(session: dict[str, Any], uid_prefix: str | None = None) -> str:
    """Event UID: ``<session_id>@retrorun``, or ``<uid_prefix>-<date>@retrorun`` for an athlete."""
    if uid_prefix:
        return f"{uid_prefix}-{session['date']}@retrorun"
    return f"{session.get('session_id') or session['date']}@retrorun"


def build_calendar(
    plan: dict[str, Any],
    tz: str = "Europe/Berlin",
    at: time = time(7, 0),
    stamp: datetime | None = None,
    *,
    uid_prefix: str | None = None,
    cancelled: Sequence[dict[str, Any]] = (),
    sequence: int | None = None,
):
    """An ``icalendar.Calendar`` with one event per session of *plan* (``Plan.to_dict()``).

    Parameters
    ----------
    uid_prefix : str | None
        UIDs by date (``<uid_prefix>-<date>@retrorun``) instead of by session id.
    cancelled : sequence of session dicts
        Sessions dropped by a re-plan: written with ``STATUS:CANCELLED`` and no alarm (a date
        that also has a session in *plan* is skipped: that event is updated instead).
    sequence : int | None
        ``SEQUENCE`` of the cancelled events (sessions use their ``plan_version`` key when set).
    """
    from icalendar import Alarm, Calendar, Event

    zone = ZoneInfo(tz)
    stamp = stamp or datetime.now(UTC)
    name = f"retrorun plan — {plan.get('athlete', '')}".strip(" —")
    kw = {"uid": f"{plan['plan_id']}@retrorun"} if plan.get("plan_id") else {}
    cal = Calendar.new(prodid=PRODID, name=name, **kw)
    disclaimer = plan.get("disclaimer", "")
    seen: set[str] = set()

    def event(s: dict[str, Any], summary: str, description: str) -> Any:
        day = date.fromisoformat(str(s["date"]))
        start = datetime.combine(day, at, tzinfo=zone)
        uid = session_uid(s, uid_prefix)
        if uid in seen:  # never two events with one UID (two sessions on a day: the later one)
            uid = uid.replace("@retrorun", f"-{s.get('session_id', len(seen))}@retrorun")
        seen.add(uid)
        return Event.new(
            uid=uid,
            summary=summary,
            start=start,
            end=start + timedelta(seconds=session_seconds(s)),
            stamp=stamp,
            description=description,
            categories=["retrorun", "backward running"],
        )

    for s in plan_sessions(plan):
        ev = event(s, session_title(s), session_description(s, disclaimer))
        if s.get("plan_version") is not None:
            ev.add("sequence", int(s["plan_version"]))
            ev.add("status", "CONFIRMED")
        surface = (s.get("blocks") or [{}])[0].get("surface")
        if surface and surface != "any":
            ev.add("location", surface.replace("_", " "))
        al = Alarm()
        al.add("action", "DISPLAY")
        al.add("description", session_title(s))
        al.add("trigger", -ALARM_BEFORE)
        ev.add_component(al)
        cal.add_component(ev)
    live = {str(s["date"]) for s in plan_sessions(plan)}
    for s in sorted(cancelled, key=lambda x: str(x["date"])):
        if str(s["date"]) in live:
            continue
        why = s.get("cancelled_reason") or "dropped by a re-plan"
        ev = event(s, f"Cancelled: {session_title(s)}", f"Cancelled ({why}).")
        ev.add("sequence", int(sequence if sequence is not None else s.get("plan_version") or 0))
        ev.add("status", "CANCELLED")
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal


def write_ics(
    plan: dict[str, Any],
    path: str | Path,
    tz: str = "Europe/Berlin",
    at: time = time(7, 0),
    stamp: datetime | None = None,
    **kw: Any,
) -> Path:
    """Write the plan's calendar to *path* (whole file at once, via a temporary file).

    Keyword arguments go to :func:`build_calendar` (``uid_prefix``, ``cancelled``, ``sequence``).
    """
    data = build_calendar(plan, tz=tz, at=at, stamp=stamp, **kw).to_ical()
    p = Path(path)
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(p, data)
