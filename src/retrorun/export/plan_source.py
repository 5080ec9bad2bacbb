"""Where ``retrorun export-plan`` gets its plan: a profile through the planner, or a stored athlete.

Both paths hand the exporters a plain plan dict (``Plan.to_dict()`` layout, or
``{"sessions": [...]}``, read by :func:`retrorun.export.plan_dict.plan_sessions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any


def plan_dict_from_profile(profile_path: str | Path, start: date, weeks: int = 6) -> dict[str, Any]:
    """Load the athlete profile, build the plan and return ``Plan.to_dict()``.

    A ``.json`` file holding a plan (``schema_version`` + ``weeks``) is accepted as is, so stored or
    hand-edited plans export too.
    """
    p = Path(profile_path)
    if p.suffix.lower() == ".json":
        import json

        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON ({exc})") from None
        if isinstance(data, dict) and "weeks" in data and "plan_id" in data:
            return data
    from retrorun.prescription.planner import build_plan
    from retrorun.prescription.profile import load_profile

    profile = load_profile(p)
    plan = build_plan(profile, start, weeks=weeks)
    return plan.to_dict()


@dataclass(frozen=True)
class StoredPlanExport:
    """What ``export-plan --athlete`` writes, read from the store.

    Attributes
    ----------
    athlete, status : str
        Name and status (``active`` | ``stopped``) of the athlete.
    version : int
        The plan version in force (the newest one).
    uid_prefix : str
        Calendar UIDs are ``<uid_prefix>-<date>@retrorun``.
    calendar : dict
        ``{"plan_id", "athlete", "disclaimer", "sessions"}``: every session in force, past and
        future, each with ``plan_version`` (→ ICS ``SEQUENCE``) and, when logged, ``log_note``.
    upcoming : dict
        The same layout with only the sessions from *today* on that are not logged (→ FIT files).
    cancelled : list[dict]
        Sessions an earlier version had on a date where the plan in force has none (→ ICS
        ``STATUS:CANCELLED``), each with ``cancelled_reason``.
    stale_session_ids : set[str]
        Ids of sessions of earlier versions that are not in force (their FIT files are stale).
    """

    athlete: str
    status: str
    version: int
    uid_prefix: str
    calendar: dict[str, Any]
    upcoming: dict[str, Any]
    cancelled: list[dict[str, Any]] = field(default_factory=list)
    stale_session_ids: set[str] = field(default_factory=set)


def _log_note(row: Any) -> str:
    pains = "/".join("–" if v is None else str(v) for v in (row.pain_during, row.pain_after))
    text = (
        f"Logged {row.date}: done {row.done}, {round(row.backward_minutes, 1):g} of "
        f"{round(row.planned_minutes, 1):g} min backward"
    )
    if row.rpe is not None:
        text += f", RPE {row.rpe:g}"
    text += f", pain during/after {pains}."
    if row.warnings:
        text += " Watch-file warnings: " + "; ".join(str(w) for w in row.warnings) + "."
    return text


def plan_from_store(session: Any, athlete: str | None, today: date) -> StoredPlanExport:
    """The stored athlete's plan in force for export (see :class:`StoredPlanExport`).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
        An open store session.
    athlete : str | None
        Athlete name; ``None`` when the database holds one athlete.
    today : date
        Sessions from this day on (not logged yet) become FIT workouts.

    Raises
    ------
    retrorun.store.repository.RepositoryError
        Unknown athlete, several athletes and no name, or no plan stored (screening referred).
    """
    from retrorun import DISCLAIMER
    from retrorun.store.repository import (
        RepositoryError,
        _plan_sessions,
        _slug,
        calendar,
        get_athlete,
        logs_of,
        plan_versions,
    )

    a = get_athlete(session, athlete)
    versions = plan_versions(session, a)
    if not versions:
        raise RepositoryError(
            f"{a.name} has no plan to export: screening said see a clinician first"
        )
    current = versions[-1]
    in_force = calendar(versions)
    logged = {r.session_id: r for r in logs_of(session, a)}
    sessions = []
    for s in in_force:
        s = dict(s)
        if s["session_id"] in logged:
            s["log_note"] = _log_note(logged[s["session_id"]])
        sessions.append(s)
    live_ids = {s["session_id"] for s in in_force}
    live_dates = {s["date"] for s in in_force}
    dropped: dict[str, dict[str, Any]] = {}
    stale: set[str] = set()
    for v in versions:
        for s in _plan_sessions(v.plan):
            if date.fromisoformat(s["date"]) < v.valid_from:
                continue  # never in force: the version started after it
            if s["session_id"] not in live_ids:
                stale.add(s["session_id"])
            if s["date"] not in live_dates:
                dropped[s["date"]] = {
                    **s,
                    "plan_version": current.version,
                    "cancelled_reason": f"not in plan v{current.version}: {current.reason}"
                    if current.reason
                    else f"not in plan v{current.version}",
                }
    disclaimer = (current.plan or {}).get("disclaimer") or DISCLAIMER
    slug = _slug(a.name)
    head = {"plan_id": slug, "athlete": a.name, "disclaimer": disclaimer}
    upcoming = [
        s for s in sessions if s["date"] >= today.isoformat() and s["session_id"] not in logged
    ]
    return StoredPlanExport(
        athlete=a.name,
        status=a.status,
        version=current.version,
        uid_prefix=slug,
        calendar={**head, "sessions": sessions},
        upcoming={**head, "sessions": [] if a.status == "stopped" else upcoming},
        cancelled=sorted(dropped.values(), key=lambda s: s["date"]),
        stale_session_ids=stale,
    )
