"""Store operations on a SQLAlchemy :class:`~sqlalchemy.orm.Session`.

Every write is one transaction: it validates, writes, decides and re-plans, then commits;
any error rolls everything back, so nothing is stored half-way. Functions raise
:class:`RepositoryError` (or :class:`~retrorun.training.logs.LogError` for a bad log entry)
with a message meant for the user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retrorun.store.models import Athlete, Decision, PlanVersion, ProfileVersion, SessionLog
from retrorun.training.adaptation import Decision as Verdict
from retrorun.training.adaptation import LoggedSession, decide
from retrorun.training.logs import LogError, SessionLogEntry, validate_entry

EXPORT_FORMAT = "retrorun-athlete"
#: 1: first format; 2: logs carry ``stiffness_next_morning`` (migration 0003). Files of
#: every version up to this one are read (a missing field is "not recorded"); a newer
#: file is refused rather than imported with fields silently dropped.
EXPORT_VERSION = 2


class RepositoryError(Exception):
    """A store operation that cannot be done, explained for the user."""


# --------------------------------------------------------------------------- athletes


@dataclass(frozen=True)
class AddResult:
    athlete: Athlete
    screening_outcome: str
    screening_reasons: tuple[str, ...]
    plan: PlanVersion | None


def _reasons(result: Any) -> tuple[str, ...]:
    """Screening reasons as plain sentences (message, and who to see when given)."""
    out = []
    for r in getattr(result, "reasons", ()):
        msg = str(getattr(r, "message", r))
        who = getattr(r, "who_to_see", "")
        out.append(f"{msg} See {who}." if who else msg)
    return tuple(out)


def add_athlete(
    session: Session, profile_data: Mapping[str, Any], *, start: date, name: str | None = None
) -> AddResult:
    """Screen a profile, store the athlete and (unless referred) their first plan.

    Parameters
    ----------
    profile_data
        The profile as a dict (as read from its TOML file).
    start
        First day of the plan.
    name
        Athlete name; defaults to the profile's ``name``.
    """
    from retrorun.prescription.planner import build_plan
    from retrorun.prescription.profile import profile_from_dict
    from retrorun.prescription.screening import screen

    data = dict(profile_data)
    if name and name.strip():
        data["name"] = name.strip()  # the stored profile and its plans carry the athlete's name
    profile = profile_from_dict(data)
    name = (getattr(profile, "name", "") or "").strip()
    if not name:
        raise RepositoryError("the athlete needs a name (profile field 'name')")
    if session.scalar(select(Athlete.id).where(Athlete.name == name)) is not None:
        raise RepositoryError(f"an athlete called {name!r} already exists")
    result = screen(profile)
    outcome = str(result.outcome)
    athlete = Athlete(name=name, status="active" if outcome != "refer" else "no_plan")
    session.add(athlete)
    session.add(
        ProfileVersion(
            athlete=athlete,
            version=1,
            data=profile.model_dump(mode="json"),
            screening_outcome=outcome,
            screening_reasons=list(_reasons(result)),
        )
    )
    plan_row = None
    if outcome != "refer":
        plan = build_plan(profile, start, plan_id=f"{_slug(name)}-v1")
        plan_row = PlanVersion(
            athlete=athlete,
            version=1,
            plan=plan.to_dict(),
            valid_from=start,
            block_end=plan.end,
            reason=f"first plan (screening: {outcome})",
        )
        session.add(plan_row)
    _commit(session)
    return AddResult(athlete, outcome, _reasons(result), plan_row)


def resume_athlete(
    session: Session,
    name: str,
    *,
    cleared: str,
    start: date,
    profile_data: Mapping[str, Any] | None = None,
) -> AddResult:
    """Start a new block for a stopped (or not-yet-planned) athlete after clinical clearance.

    A new profile (when given) is stored as a new version and screened again; the new plan
    starts one level below the last one reached, and its caps count the minutes already done.
    """
    from retrorun.prescription.profile import profile_from_dict
    from retrorun.prescription.screening import screen

    try:
        a = get_athlete(session, name, lock=True)
        if a.status == "active":
            raise RepositoryError(f"{a.name} is not stopped; nothing to resume")
        if not cleared.strip():
            raise RepositoryError("say who cleared the athlete (--cleared)")
        rows = logs_of(session, a)
        last_day = max([r.date for r in rows] + [r.planned_date for r in rows], default=None)
        if last_day is not None and start <= last_day:
            raise RepositoryError(f"the new plan must start after the last logged day ({last_day})")
        pv = session.scalar(
            select(ProfileVersion)
            .where(ProfileVersion.athlete_id == a.id)
            .order_by(ProfileVersion.version.desc())
            .limit(1)
        )
        data = dict(profile_data) if profile_data is not None else dict(pv.data)
        profile = profile_from_dict(data)
        result = screen(profile)
        outcome = str(result.outcome)
        if profile_data is not None:
            session.add(
                ProfileVersion(
                    athlete_id=a.id,
                    version=pv.version + 1,
                    data=profile.model_dump(mode="json"),
                    screening_outcome=outcome,
                    screening_reasons=list(_reasons(result)),
                )
            )
        plan_row = None
        if outcome != "refer":
            ds = decisions_of(session, a)
            level = None if not ds else max(ds[-1].level_after - 1, 0)
            plan_row = _new_block(
                session,
                a,
                profile,
                start,
                level=level,
                reason=f"resumed (cleared: {cleared.strip()}; screening: {outcome})",
            )
            a.status = "active"
        _commit(session)
        return AddResult(a, outcome, _reasons(result), plan_row)
    except BaseException:
        session.rollback()
        raise


def _new_block(
    session: Session,
    athlete: Athlete,
    profile: Any,
    start: date,
    *,
    level: int | None,
    reason: str,
    weeks: int = 6,
) -> PlanVersion:
    """Supersede every plan version with a new block from *start*; caps count the done minutes."""
    from retrorun.prescription.planner import build_plan

    versions = plan_versions(session, athlete)
    version = (versions[-1].version if versions else 0) + 1
    rows = logs_of(session, athlete)
    history = tuple((r.date, r.backward_minutes) for r in rows if r.backward_minutes > 0)
    plan = build_plan(
        profile,
        start,
        weeks,
        start_level=level,
        history=history,
        plan_id=f"{_slug(athlete.name)}-v{version}",
    )
    for v in versions:
        v.superseded = True
    row = PlanVersion(
        athlete_id=athlete.id,
        version=version,
        plan=plan.to_dict(),
        valid_from=start,
        block_end=plan.end,
        reason=reason,
    )
    session.add(row)
    return row


def renew_block(session: Session, name: str | None, *, start: date, weeks: int = 6) -> PlanVersion:
    """Plan a new block for an active athlete whose block has ended.

    The new block starts at the level the last decision left them at; its caps count the
    minutes already done. Earlier versions are kept.
    """

    try:
        a = get_athlete(session, name, lock=True)
        ensure_can_log(a)
        cp = current_plan(session, a)
        if cp is not None and start <= cp.block_end:
            raise RepositoryError(
                f"{a.name}'s block runs until {cp.block_end}; a new block can start after it"
            )
        ds = [d for d in decisions_of(session, a) if not d.superseded]
        level = ds[-1].level_after if ds else None
        row = _new_block(
            session,
            a,
            _profile(session, a),
            start,
            weeks=weeks,
            level=level,
            reason=f"new block of {weeks} weeks",
        )
        _commit(session)
        return row
    except BaseException:
        session.rollback()
        raise


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "athlete"


def list_athletes(session: Session) -> list[Athlete]:
    return list(session.scalars(select(Athlete).order_by(Athlete.name)))


def get_athlete(session: Session, name: str | None = None, *, lock: bool = False) -> Athlete:
    """The athlete called *name*, or the only athlete when *name* is ``None``."""
    if name is None:
        names = list(session.scalars(select(Athlete.name).order_by(Athlete.name)))
        if not names:
            raise RepositoryError("no athlete yet: add one with `retrorun athlete add`")
        if len(names) > 1:
            raise RepositoryError(
                f"{len(names)} athletes ({', '.join(names)}): choose one with --athlete NAME"
            )
        name = names[0]
    q = select(Athlete).where(Athlete.name == name)
    if lock:
        q = q.with_for_update()
    a = session.scalar(q)
    if a is None:
        raise RepositoryError(f"no athlete called {name!r}")
    return a


def delete_athlete(session: Session, athlete: Athlete) -> dict[str, int]:
    """Delete the athlete and everything stored about them; return the row counts removed.

    On SQLite ``secure_delete`` overwrites the freed pages, and the WAL is checkpointed
    and truncated so no copy of the deleted rows is left in the files.
    """
    aid = athlete.id
    counts = {
        "decisions": _count(session, Decision, aid),
        "logs": _count(session, SessionLog, aid),
        "plans": _count(session, PlanVersion, aid),
        "profiles": _count(session, ProfileVersion, aid),
    }
    # Explicit deletes in dependency order (works even where ON DELETE CASCADE is off).
    for model in (Decision, SessionLog, PlanVersion, ProfileVersion):
        session.execute(delete(model).where(model.athlete_id == aid))
    session.execute(delete(Athlete).where(Athlete.id == aid))
    _commit(session)
    session.expunge_all()
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        raw = bind.raw_connection()  # outside any transaction: checkpoints cannot run inside one
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    return counts


def _count(session: Session, model, aid: int) -> int:
    return session.scalar(select(func.count()).select_from(model).where(model.athlete_id == aid))


def _commit(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise RepositoryError(f"not stored: the database refused it ({exc.orig})") from exc


# --------------------------------------------------------------------------- plans


def plan_versions(session: Session, athlete: Athlete) -> list[PlanVersion]:
    return list(
        session.scalars(
            select(PlanVersion)
            .where(PlanVersion.athlete_id == athlete.id)
            .order_by(PlanVersion.version)
        )
    )


def current_plan(session: Session, athlete: Athlete) -> PlanVersion | None:
    """The newest plan version (``None`` before any plan)."""
    return session.scalar(
        select(PlanVersion)
        .where(PlanVersion.athlete_id == athlete.id)
        .order_by(PlanVersion.version.desc())
        .limit(1)
    )


def _plan_sessions(plan: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if not plan:
        return []
    return [s for w in plan.get("weeks", ()) for s in w.get("sessions", ())]


def calendar(versions: Sequence[PlanVersion]) -> list[dict[str, Any]]:
    """Sessions in force: each version's sessions from its ``valid_from`` to the next one's.

    Each session dict gets ``plan_version`` (the version number it comes from).
    """
    out: list[dict[str, Any]] = []
    vs = sorted(versions, key=lambda v: v.version)
    for i, v in enumerate(vs):
        until = vs[i + 1].valid_from if i + 1 < len(vs) else None
        for s in _plan_sessions(v.plan):
            d = date.fromisoformat(s["date"])
            if d >= v.valid_from and (until is None or d < until):
                out.append({**s, "plan_version": v.version})
    out.sort(key=lambda s: s["date"])
    return out


def schedule(session: Session, athlete: Athlete) -> list[dict[str, Any]]:
    """The athlete's calendar in force (past and future sessions)."""
    return calendar(plan_versions(session, athlete))


def plan_end(session: Session, athlete: Athlete) -> date | None:
    """Last day of the athlete's current training block."""
    cp = current_plan(session, athlete)
    return None if cp is None else cp.block_end


# --------------------------------------------------------------------------- logs


@dataclass(frozen=True)
class LogResult:
    log: SessionLog
    decision: Decision
    verdict: Verdict
    plan: PlanVersion | None


def logs_of(session: Session, athlete: Athlete) -> list[SessionLog]:
    return list(
        session.scalars(
            select(SessionLog)
            .where(SessionLog.athlete_id == athlete.id)
            .order_by(SessionLog.date, SessionLog.id)
        )
    )


def decisions_of(session: Session, athlete: Athlete) -> list[Decision]:
    return list(
        session.scalars(
            select(Decision).where(Decision.athlete_id == athlete.id).order_by(Decision.id)
        )
    )


def to_entry(row: SessionLog) -> SessionLogEntry:
    return SessionLogEntry(
        date=row.date,
        session_id=row.session_id,
        done=row.done,  # type: ignore[arg-type]
        backward_minutes=row.backward_minutes,
        repetitions=row.repetitions,
        surface=row.surface,
        looks_left=row.looks_left,
        looks_right=row.looks_right,
        rpe=row.rpe,
        pain_during=row.pain_during,
        pain_after=row.pain_after,
        pain_next_morning=row.pain_next_morning,
        stiffness_next_morning=row.stiffness_next_morning,
        swelling=row.swelling,
        limp=row.limp,
        red_flag=row.red_flag,
        notes=row.notes,
        warnings=tuple(row.warnings or ()),
    )


def logged_sessions(rows: Sequence[SessionLog]) -> list[LoggedSession]:
    return [LoggedSession(to_entry(r), r.level, r.planned_minutes) for r in rows]


def _profile(session: Session, athlete: Athlete):
    from retrorun.prescription.profile import profile_from_dict

    pv = session.scalar(
        select(ProfileVersion)
        .where(ProfileVersion.athlete_id == athlete.id)
        .order_by(ProfileVersion.version.desc())
        .limit(1)
    )
    if pv is None:
        raise RepositoryError(f"{athlete.name} has no profile")
    return profile_from_dict(dict(pv.data))


def _baseline_pain(profile: Any) -> int:
    pain = getattr(profile, "pain", None)
    return int(getattr(pain, "now", 0) or 0)


def _decide_and_replan(
    session: Session, athlete: Athlete, log: SessionLog, *, trigger: str
) -> tuple[Decision, Verdict, PlanVersion | None]:
    """Run the adaptation on all logs, re-plan the future if needed, store the decision."""
    from retrorun.training.replan import max_level, replan

    profile = _profile(session, athlete)
    rows = logs_of(session, athlete)
    verdict = decide(
        logged_sessions(rows), max_level=max_level(), baseline_pain=_baseline_pain(profile)
    )
    versions = plan_versions(session, athlete)
    cal = calendar(versions)
    anchor = max(max(r.date for r in rows), max(r.planned_date for r in rows))
    future = [s for s in cal if date.fromisoformat(s["date"]) > anchor]
    needs = verdict.outcome in ("regress", "stop_refer") or (
        future and int(future[0]["level"]) != verdict.level_after
    )
    new_plan = None
    if needs and athlete.status == "active":
        end = plan_end(session, athlete) or anchor
        version = (versions[-1].version if versions else 0) + 1
        history = [(r.date, r.backward_minutes) for r in rows if r.backward_minutes > 0]
        # the block's first day: the earliest version of this block (same block_end)
        block_start = min((v.valid_from for v in versions if v.block_end == end), default=None)
        plan = replan(
            profile,
            verdict,
            anchor=anchor,
            end=end,
            history=history,
            plan_id=f"{_slug(athlete.name)}-v{version}",
            block_start=block_start,
        )

        def key(sessions) -> list[tuple]:
            return [
                (x["date"], int(x["level"]), round(float(x["backward_minutes"]), 3))
                for x in sessions
            ]

        new_future = [] if plan is None else [x.to_dict() for x in plan.sessions]
        changed = key(new_future) != key(future) or verdict.outcome == "stop_refer"
        if changed and (plan is not None or future or verdict.outcome == "stop_refer"):
            for v in versions:
                v.superseded = True
            new_plan = PlanVersion(
                athlete_id=athlete.id,
                version=version,
                plan=None if plan is None else plan.to_dict(),
                valid_from=anchor + timedelta(days=1),
                block_end=end,
                reason=f"{verdict.outcome} after {log.session_id} ({log.date})",
            )
            session.add(new_plan)
            session.flush()
    if verdict.outcome == "stop_refer":
        athlete.status = "stopped"
    for d in session.scalars(select(Decision).where(Decision.log_id == log.id)):
        d.superseded = True
    row = Decision(
        athlete_id=athlete.id,
        log_id=log.id,
        outcome=verdict.outcome,
        provisional=verdict.provisional,
        trigger=trigger,
        level_before=verdict.level_before,
        level_after=verdict.level_after,
        reasons=[r.to_dict() for r in verdict.reasons],
        evidence_keys=list(verdict.evidence_keys),
        plan_version_id=None if new_plan is None else new_plan.id,
    )
    session.add(row)
    session.flush()
    return row, verdict, new_plan


def ensure_can_log(athlete: Athlete) -> None:
    """Raise :class:`RepositoryError` unless *athlete* has a plan in force."""
    if athlete.status == "no_plan":
        raise RepositoryError(
            f"{athlete.name} has no plan: screening said refer. See a clinician first."
        )
    if athlete.status == "stopped":
        raise RepositoryError(
            f"{athlete.name}'s plan is stopped after a stop-and-refer decision "
            "(see `retrorun why`). Resume only after a clinician's review: "
            "`retrorun athlete resume`."
        )


def log_session(
    session: Session,
    athlete_name: str | None,
    entry: SessionLogEntry,
    *,
    today: date,
    activity: Mapping[str, Any] | None = None,
) -> LogResult:
    """Validate and store a log, decide, re-plan — all in one transaction.

    Raises
    ------
    LogError
        The entry is invalid (nothing is written).
    RepositoryError
        The athlete has no plan, is stopped, or the session is already logged.
    """
    try:
        athlete = get_athlete(session, athlete_name, lock=True)
        ensure_can_log(athlete)
        cal = {s["session_id"]: s for s in schedule(session, athlete)}
        entry = validate_entry(entry, today=today, planned=cal)
        if (
            session.scalar(
                select(SessionLog.id).where(
                    SessionLog.athlete_id == athlete.id, SessionLog.session_id == entry.session_id
                )
            )
            is not None
        ):
            raise LogError(
                [
                    (
                        "session",
                        f"{entry.session_id} is already logged; add the "
                        "next-morning pain with `retrorun morning`",
                    )
                ]
            )
        planned = cal[entry.session_id]
        pv = session.scalar(
            select(PlanVersion).where(
                PlanVersion.athlete_id == athlete.id, PlanVersion.version == planned["plan_version"]
            )
        )
        now = datetime.now(UTC)
        log = SessionLog(
            athlete_id=athlete.id,
            plan_version_id=pv.id,
            session_id=entry.session_id,
            date=entry.date,
            planned_date=date.fromisoformat(planned["date"]),
            level=int(planned["level"]),
            planned_minutes=float(planned["backward_minutes"]),
            done=entry.done,
            backward_minutes=entry.backward_minutes,
            repetitions=entry.repetitions,
            surface=entry.surface,
            looks_left=entry.looks_left,
            looks_right=entry.looks_right,
            rpe=entry.rpe,
            pain_during=entry.pain_during,
            pain_after=entry.pain_after,
            pain_next_morning=entry.pain_next_morning,
            stiffness_next_morning=entry.stiffness_next_morning,
            swelling=entry.swelling,
            limp=entry.limp,
            red_flag=entry.red_flag,
            notes=entry.notes,
            warnings=list(entry.warnings),
            activity=None if activity is None else dict(activity),
            created_at=now,
            updated_at=now,
        )
        session.add(log)
        session.flush()
        row, verdict, plan = _decide_and_replan(session, athlete, log, trigger="log")
        _commit(session)
        return LogResult(log, row, verdict, plan)
    except BaseException:
        session.rollback()
        raise


def add_morning(
    session: Session,
    athlete_name: str | None,
    pain: int,
    *,
    today: date,
    session_id: str | None = None,
    limp: bool | None = None,
    swelling: bool | None = None,
    stiffness: int | None = None,
) -> LogResult:
    """Add the next-morning pain (and stiffness) to a log and decide again.

    The old decision is kept, marked superseded. *stiffness* (0–10) is the morning
    stiffness; ``None`` leaves what was stored.

    Without *session_id*, the latest log that still lacks its next-morning pain and whose
    morning has come is used.
    """
    try:
        athlete = get_athlete(session, athlete_name, lock=True)
        rows = logs_of(session, athlete)
        if session_id is None:
            cands = [r for r in rows if r.pain_next_morning is None and r.date < today]
            if not cands:
                raise RepositoryError("no logged session is waiting for its next-morning pain")
            log = cands[-1]
        else:
            found = [r for r in rows if r.session_id == session_id]
            if not found:
                raise LogError([("session", f"{session_id} is not logged yet")])
            log = found[0]
        entry = to_entry(log).with_(
            pain_next_morning=pain,
            stiffness_next_morning=log.stiffness_next_morning if stiffness is None else stiffness,
            limp=log.limp if limp is None else (log.limp or limp),
            swelling=log.swelling if swelling is None else (log.swelling or swelling),
        )
        validate_entry(entry, today=today)
        log.pain_next_morning = pain
        log.stiffness_next_morning = entry.stiffness_next_morning
        log.limp = entry.limp
        log.swelling = entry.swelling
        log.updated_at = datetime.now(UTC)
        session.flush()
        row, verdict, plan = _decide_and_replan(session, athlete, log, trigger="morning")
        _commit(session)
        return LogResult(log, row, verdict, plan)
    except BaseException:
        session.rollback()
        raise


# --------------------------------------------------------------------------- export / import


def _iso(v: Any) -> Any:
    """ISO text of a date or timestamp (timestamps in UTC; SQLite returns them naive)."""
    if isinstance(v, datetime):
        v = v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
    return v.isoformat() if isinstance(v, date | datetime) else v


def export_athlete(session: Session, athlete: Athlete) -> dict[str, Any]:
    """Everything stored about *athlete*, as one JSON-safe dict."""
    versions = plan_versions(session, athlete)
    vnum = {v.id: v.version for v in versions}
    logs = logs_of(session, athlete)
    log_sid = {r.id: r.session_id for r in logs}
    profiles = list(
        session.scalars(
            select(ProfileVersion)
            .where(ProfileVersion.athlete_id == athlete.id)
            .order_by(ProfileVersion.version)
        )
    )
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_VERSION,
        "exported_at": datetime.now(UTC).isoformat(),
        "athlete": {
            "name": athlete.name,
            "status": athlete.status,
            "created_at": _iso(athlete.created_at),
        },
        "profiles": [
            {
                "version": p.version,
                "data": p.data,
                "screening_outcome": p.screening_outcome,
                "screening_reasons": p.screening_reasons,
                "created_at": _iso(p.created_at),
            }
            for p in profiles
        ],
        "plans": [
            {
                "version": v.version,
                "valid_from": _iso(v.valid_from),
                "block_end": _iso(v.block_end),
                "reason": v.reason,
                "superseded": v.superseded,
                "created_at": _iso(v.created_at),
                "plan": v.plan,
            }
            for v in versions
        ],
        "logs": [
            {
                **to_entry(r).to_dict(),
                "plan_version": vnum[r.plan_version_id],
                "planned_date": _iso(r.planned_date),
                "level": r.level,
                "planned_minutes": r.planned_minutes,
                "activity": r.activity,
                "created_at": _iso(r.created_at),
                "updated_at": _iso(r.updated_at),
            }
            for r in logs
        ],
        "decisions": [
            {
                "session_id": log_sid[d.log_id],
                "outcome": d.outcome,
                "provisional": d.provisional,
                "superseded": d.superseded,
                "trigger": d.trigger,
                "level_before": d.level_before,
                "level_after": d.level_after,
                "reasons": d.reasons,
                "evidence_keys": d.evidence_keys,
                "plan_version": vnum.get(d.plan_version_id),
                "created_at": _iso(d.created_at),
            }
            for d in decisions_of(session, athlete)
        ],
    }


def _dt(v: str) -> datetime:
    return datetime.fromisoformat(v)


def import_athlete(
    session: Session, data: Mapping[str, Any], *, name: str | None = None, source: str = "<import>"
) -> Athlete:
    """Store an athlete from :func:`export_athlete` output (all or nothing).

    Raises
    ------
    RepositoryError
        Not a retrorun export, a newer format, a missing field, or the name is taken.
    """
    if not isinstance(data, Mapping) or data.get("format") != EXPORT_FORMAT:
        raise RepositoryError(f"{source}: not a retrorun athlete export (format field)")
    if int(data.get("format_version", 0)) > EXPORT_VERSION:
        raise RepositoryError(
            f"{source}: export format {data['format_version']} is newer "
            f"than this retrorun reads ({EXPORT_VERSION})"
        )
    try:
        name = name or data["athlete"]["name"]
        if session.scalar(select(Athlete.id).where(Athlete.name == name)) is not None:
            raise RepositoryError(
                f"{source}: an athlete called {name!r} already exists (use --name NEW)"
            )
        a = Athlete(
            name=name,
            status=data["athlete"]["status"],
            created_at=_dt(data["athlete"]["created_at"]),
        )
        session.add(a)
        session.flush()
        for p in data["profiles"]:
            session.add(
                ProfileVersion(
                    athlete_id=a.id,
                    version=int(p["version"]),
                    data=p["data"],
                    screening_outcome=p["screening_outcome"],
                    screening_reasons=p["screening_reasons"],
                    created_at=_dt(p["created_at"]),
                )
            )
        pvs: dict[int, PlanVersion] = {}
        for p in data["plans"]:
            pvs[int(p["version"])] = pv = PlanVersion(
                athlete_id=a.id,
                version=int(p["version"]),
                plan=p["plan"],
                valid_from=date.fromisoformat(p["valid_from"]),
                block_end=date.fromisoformat(p["block_end"]),
                reason=p["reason"],
                superseded=bool(p["superseded"]),
                created_at=_dt(p["created_at"]),
            )
            session.add(pv)
        session.flush()
        logs: dict[str, SessionLog] = {}
        for r in data["logs"]:
            e = SessionLogEntry.from_dict(r)
            logs[e.session_id] = row = SessionLog(
                athlete_id=a.id,
                plan_version_id=pvs[int(r["plan_version"])].id,
                session_id=e.session_id,
                date=e.date,
                planned_date=date.fromisoformat(r["planned_date"]),
                level=int(r["level"]),
                planned_minutes=float(r["planned_minutes"]),
                done=e.done,
                backward_minutes=e.backward_minutes,
                repetitions=e.repetitions,
                surface=e.surface,
                looks_left=e.looks_left,
                looks_right=e.looks_right,
                rpe=e.rpe,
                pain_during=e.pain_during,
                pain_after=e.pain_after,
                pain_next_morning=e.pain_next_morning,
            stiffness_next_morning=e.stiffness_next_morning,
                swelling=e.swelling,
                limp=e.limp,
                red_flag=e.red_flag,
                notes=e.notes,
                warnings=list(e.warnings),
                activity=r.get("activity"),
                created_at=_dt(r["created_at"]),
                updated_at=_dt(r["updated_at"]),
            )
            session.add(row)
        session.flush()
        for d in data["decisions"]:
            pv = d.get("plan_version")
            session.add(
                Decision(
                    athlete_id=a.id,
                    log_id=logs[d["session_id"]].id,
                    outcome=d["outcome"],
                    provisional=bool(d["provisional"]),
                    superseded=bool(d["superseded"]),
                    trigger=d["trigger"],
                    level_before=int(d["level_before"]),
                    level_after=int(d["level_after"]),
                    reasons=d["reasons"],
                    evidence_keys=d["evidence_keys"],
                    plan_version_id=None if pv is None else pvs[int(pv)].id,
                    created_at=_dt(d["created_at"]),
                )
            )
        _commit(session)
        return a
    except RepositoryError:
        session.rollback()
        raise
    except (KeyError, TypeError, ValueError) as exc:
        session.rollback()
        raise RepositoryError(f"{source}: malformed export ({type(exc).__name__}: {exc})") from exc
