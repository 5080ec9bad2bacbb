"""What the web pages show, read from the store into plain JSON-safe dicts.

The functions here take an open SQLAlchemy session and return dicts that both the HTML
templates and the JSON endpoints use, so the two never disagree. Nothing here writes.

The calendar in force of an athlete is built from every stored plan version (each holds
a whole plan, ≈ 40 kB of JSON); versions are append-only, so :class:`CalendarCache` keeps
the calendar per athlete keyed by the athlete's version rows and only re-reads the plan
JSON after a re-plan.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from retrorun.store.models import Athlete, Decision, PlanVersion, ProfileVersion, SessionLog
from retrorun.store.repository import calendar, logged_sessions
from retrorun.web.flags import Flag, athlete_flags, sort_key

#: How many upcoming sessions the athlete page lists.
NEXT_SESSIONS = 5


class NotFound(LookupError):
    """No such athlete (or feed token)."""


def _iso(v: Any) -> Any:
    if isinstance(v, datetime):
        v = v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
        return v.isoformat(timespec="seconds")
    return v.isoformat() if isinstance(v, date) else v


class CalendarCache:
    """Thread-safe LRU of athletes' calendars in force, keyed by their plan-version rows."""

    def __init__(self, maxsize: int = 1024) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[tuple, list[dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def get(
        self, session: Session, athlete_id: int, heads: Sequence[Any] | None = None
    ) -> list[dict[str, Any]]:
        """The calendar of *athlete_id* (sessions with ``plan_version``), date order.

        *heads* are the athlete's ``(id, version, valid_from)`` plan-version rows when the
        caller has them already.
        """
        if heads is None:
            heads = session.execute(
                select(PlanVersion.id, PlanVersion.version, PlanVersion.valid_from)
                .where(PlanVersion.athlete_id == athlete_id)
                .order_by(PlanVersion.version)
            ).all()
        key = (athlete_id, tuple((h.id, h.version, h.valid_from) for h in heads))
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
        versions = list(
            session.scalars(
                select(PlanVersion)
                .where(PlanVersion.athlete_id == athlete_id)
                .order_by(PlanVersion.version)
            )
        )
        cal = calendar(versions)
        with self._lock:
            self.misses += 1
            self._data[key] = cal
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return cal


def _baseline(profile_data: Mapping[str, Any] | None) -> int:
    pain = (profile_data or {}).get("pain") or {}
    try:
        return int(pain.get("now") or 0)
    except (TypeError, ValueError):
        return 0


#: Log columns the flags need (everything but the watch-file ``activity`` JSON).
_LOG_COLS = [c for c in SessionLog.__table__.c if c.name != "activity"]


def _group(rows, key: str = "athlete_id") -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for r in rows:
        out.setdefault(getattr(r, key), []).append(r)
    return out


def _facts(
    session: Session, cache: CalendarCache, today: date, ids: Sequence[int] | None = None
) -> list[tuple[list[Flag], dict[str, Any]]]:
    """Flags and overview facts of the athletes *ids* (default: all), in a few batched
    queries (one per table) instead of a handful per athlete."""

    def only(q, col):
        return q if ids is None else q.where(col.in_(list(ids)))

    athletes = session.execute(
        only(select(Athlete.id, Athlete.name, Athlete.status), Athlete.id)
    ).all()
    profiles: dict[int, Any] = {}
    for p in session.execute(
        only(
            select(
                ProfileVersion.athlete_id,
                ProfileVersion.data,
                ProfileVersion.screening_outcome,
                ProfileVersion.screening_reasons,
            ).order_by(ProfileVersion.athlete_id, ProfileVersion.version),
            ProfileVersion.athlete_id,
        )
    ):
        profiles[p.athlete_id] = p  # the last one (newest version) wins
    logs = _group(
        session.execute(
            only(
                select(*_LOG_COLS).order_by(SessionLog.athlete_id, SessionLog.date, SessionLog.id),
                SessionLog.athlete_id,
            )
        )
    )
    decisions = _group(
        session.execute(
            only(
                select(
                    Decision.id,
                    Decision.athlete_id,
                    Decision.outcome,
                    Decision.provisional,
                    Decision.level_after,
                )
                .where(Decision.superseded.is_(False))
                .order_by(Decision.athlete_id, Decision.id),
                Decision.athlete_id,
            )
        )
    )
    heads = _group(
        session.execute(
            only(
                select(
                    PlanVersion.athlete_id,
                    PlanVersion.id,
                    PlanVersion.version,
                    PlanVersion.valid_from,
                    PlanVersion.block_end,
                ).order_by(PlanVersion.athlete_id, PlanVersion.version),
                PlanVersion.athlete_id,
            )
        )
    )
    out = []
    for a in athletes:
        prof = profiles.get(a.id)
        rows = logs.get(a.id, [])
        ds = decisions.get(a.id, [])
        hs = heads.get(a.id, [])
        cal = cache.get(session, a.id, hs) if hs and a.status != "no_plan" else []
        stop = next((d for d in reversed(ds) if d.outcome == "stop_refer"), None)
        stop_reasons = (
            session.scalar(select(Decision.reasons).where(Decision.id == stop.id)) or []
            if stop is not None
            else []
        )
        cp = hs[-1] if hs else None
        flags = athlete_flags(
            status=a.status,
            logs=logged_sessions(rows),
            calendar=cal,
            today=today,
            baseline_pain=_baseline(None if prof is None else prof.data),
            screening_reasons=list(prof.screening_reasons or ()) if prof else (),
            stop_reasons=stop_reasons,
            block_end=None if cp is None else cp.block_end,
        )
        upcoming = [x for x in cal if date.fromisoformat(x["date"]) >= today]
        last = ds[-1] if ds else None
        facts = {
            "id": a.id,
            "name": a.name,
            "status": a.status,
            "screening": None if prof is None else prof.screening_outcome,
            "plan_version": None if cp is None else cp.version,
            "block_end": None if cp is None else _iso(cp.block_end),
            "logs": len(rows),
            "last_log": _iso(rows[-1].date) if rows else None,
            "level": last.level_after if last else (upcoming[0]["level"] if upcoming else None),
            "last_decision": None
            if last is None
            else {"outcome": last.outcome, "provisional": last.provisional},
            "next_session": None
            if not upcoming
            else {
                "date": upcoming[0]["date"],
                "session_id": upcoming[0]["session_id"],
                "level": upcoming[0]["level"],
                "backward_minutes": upcoming[0]["backward_minutes"],
            },
        }
        out.append((flags, facts))
    return out


def overview(session: Session, cache: CalendarCache, today: date) -> list[dict[str, Any]]:
    """Every athlete with their flags, the athlete who needs attention most first."""
    out = [
        (sort_key(facts["name"], flags), {**facts, "flags": [f.to_dict() for f in flags]})
        for flags, facts in _facts(session, cache, today)
    ]
    out.sort(key=lambda x: x[0])
    rows = [r for _, r in out]
    for r in rows:
        r["severity"] = min((f["severity"] for f in r["flags"]), default=None)
    return rows


def _logs(session: Session, athlete_id: int) -> list[SessionLog]:
    return list(
        session.scalars(
            select(SessionLog)
            .where(SessionLog.athlete_id == athlete_id)
            .order_by(SessionLog.date, SessionLog.id)
        )
    )


def get_athlete(session: Session, athlete_id: int) -> Athlete:
    a = session.get(Athlete, athlete_id)
    if a is None:
        raise NotFound(f"no athlete with id {athlete_id}")
    return a


def athlete_by_token(session: Session, token: str) -> Athlete:
    """The athlete whose feed token is *token* (constant-time compare of the candidate)."""
    import hmac

    if not token or len(token) > 64:
        raise NotFound("unknown feed")
    a = session.scalar(select(Athlete).where(Athlete.feed_token == token))
    if a is None or not hmac.compare_digest(a.feed_token.encode(), token.encode()):
        raise NotFound("unknown feed")
    return a


def feed_scope(a: Athlete) -> str:
    """Stable, non-secret prefix of the athlete's event UIDs (a hash of the feed token)."""
    return hashlib.sha256(("retrorun-feed:" + a.feed_token).encode()).hexdigest()[:20]


def _cite(key: str) -> str:
    import retrorun.training.evidence_extra  # noqa: F401  (registers the extra keys)
    from retrorun.prescription.evidence import EVIDENCE

    e = EVIDENCE.get(key)
    return "not in the registry" if e is None else e.label


def _decision_dict(d: Decision, versions: Mapping[int, PlanVersion]) -> dict[str, Any]:
    pv = versions.get(d.plan_version_id) if d.plan_version_id is not None else None
    reasons = []
    for r in d.reasons or ():
        reasons.append(
            {
                "text": r.get("text", ""),
                "outcome": r.get("outcome", d.outcome),
                "also_noted": r.get("outcome", d.outcome) != d.outcome,
                "evidence": [{"key": k, "source": _cite(k)} for k in r.get("evidence", ())],
            }
        )
    return {
        "outcome": d.outcome,
        "provisional": d.provisional,
        "superseded": d.superseded,
        "trigger": d.trigger,
        "level_before": d.level_before,
        "level_after": d.level_after,
        "reasons": reasons,
        "evidence_keys": list(d.evidence_keys or ()),
        "created_at": _iso(d.created_at),
        "replanned": None
        if pv is None
        else {"version": pv.version, "valid_from": _iso(pv.valid_from), "reason": pv.reason},
    }


def athlete_detail(
    session: Session, cache: CalendarCache, athlete_id: int, today: date
) -> dict[str, Any]:
    """Everything the athlete page shows: flags, plan, upcoming sessions, logs with decisions
    and reasons, progress numbers."""
    from retrorun.training.load import ACWR_CAVEAT, progress_report

    a = get_athlete(session, athlete_id)
    ((flags, facts),) = _facts(session, cache, today, [a.id])
    profile = session.scalar(
        select(ProfileVersion)
        .where(ProfileVersion.athlete_id == a.id)
        .order_by(ProfileVersion.version.desc())
        .limit(1)
    )
    rows = _logs(session, a.id)
    versions = list(
        session.scalars(
            select(PlanVersion).where(PlanVersion.athlete_id == a.id).order_by(PlanVersion.version)
        )
    )
    by_id = {v.id: v for v in versions}
    decisions = list(
        session.scalars(select(Decision).where(Decision.athlete_id == a.id).order_by(Decision.id))
    )
    per_log: dict[int, list[Decision]] = {}
    for d in decisions:
        per_log.setdefault(d.log_id, []).append(d)
    cal = cache.get(session, a.id) if versions else []
    upcoming = [s for s in cal if date.fromisoformat(s["date"]) >= today][:NEXT_SESSIONS]
    logs = []
    for r in reversed(rows):  # newest first
        ds = per_log.get(r.id, [])
        current = next((d for d in reversed(ds) if not d.superseded), None)
        logs.append(
            {
                "date": _iso(r.date),
                "session_id": r.session_id,
                "planned_date": _iso(r.planned_date),
                "level": r.level,
                "done": r.done,
                "backward_minutes": r.backward_minutes,
                "planned_minutes": r.planned_minutes,
                "rpe": r.rpe,
                "pain_during": r.pain_during,
                "pain_after": r.pain_after,
                "pain_next_morning": r.pain_next_morning,
                "swelling": r.swelling,
                "limp": r.limp,
                "red_flag": r.red_flag,
                "surface": r.surface,
                "looks_left": r.looks_left,
                "looks_right": r.looks_right,
                "notes": r.notes,
                "warnings": list(r.warnings or ()),
                "decision": None if current is None else _decision_dict(current, by_id),
                "earlier_decisions": [_decision_dict(d, by_id) for d in ds if d is not current],
            }
        )
    progress = None
    if versions or rows:
        start = versions[0].valid_from if versions else rows[0].date
        rep = progress_report(logged_sessions(rows), cal, start=start, today=today)
        progress = {**rep.to_dict(), "look_flag": rep.look_flag, "acwr_caveat": ACWR_CAVEAT}
    cp = versions[-1] if versions else None
    return {
        **facts,
        "flags": [f.to_dict() for f in flags],
        "severity": min((f.severity for f in flags), default=None),
        "screening_reasons": list(profile.screening_reasons or ()) if profile else [],
        "condition": ((profile.data or {}).get("condition") or {}) if profile else {},
        "plan": None
        if cp is None
        else {
            "version": cp.version,
            "valid_from": _iso(cp.valid_from),
            "block_end": _iso(cp.block_end),
            "reason": cp.reason,
            "stopped": cp.plan is None,
        },
        "plan_versions": [
            {
                "version": v.version,
                "valid_from": _iso(v.valid_from),
                "block_end": _iso(v.block_end),
                "reason": v.reason,
                "created_at": _iso(v.created_at),
            }
            for v in versions
        ],
        "upcoming": upcoming,
        "logs": logs,
        "progress": progress,
    }


def progress_for_plot(session: Session, cache: CalendarCache, athlete_id: int, today: date):
    """``(athlete name, ProgressReport)`` for the plot, or ``None`` with nothing to plot."""
    from retrorun.training.load import progress_report

    a = get_athlete(session, athlete_id)
    rows = _logs(session, a.id)
    first = session.scalar(
        select(PlanVersion.valid_from)
        .where(PlanVersion.athlete_id == a.id)
        .order_by(PlanVersion.version)
        .limit(1)
    )
    if first is None and not rows:
        return a.name, None
    start = first if first is not None else rows[0].date
    cal = cache.get(session, a.id)
    return a.name, progress_report(logged_sessions(rows), cal, start=start, today=today)


def current_plan_object(session: Session, athlete_id: int):
    """``(athlete, Plan)`` of the newest plan version with sessions, or ``(athlete, None)``."""
    from retrorun.prescription.model import Plan

    a = get_athlete(session, athlete_id)
    if a.status != "active":
        return a, None
    pv = session.scalar(
        select(PlanVersion)
        .where(PlanVersion.athlete_id == a.id)
        .order_by(PlanVersion.version.desc())
        .limit(1)
    )
    if pv is None or not pv.plan:
        return a, None
    return a, Plan.from_dict(dict(pv.plan))
