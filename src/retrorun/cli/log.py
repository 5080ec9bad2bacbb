"""Training-log commands: athletes, today, log, morning, history, why, progress, export/import.

Only Typer and the standard library are imported here; the store (SQLAlchemy), the
prescription engine and matplotlib are imported inside the commands.

The database is ``--db URL``, else ``RETRORUN_DATABASE_URL``, else a SQLite file in the
user's data directory. ``RETRORUN_TODAY`` (ISO date) overrides today's date, for demos and
reproducible docs.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

DB_OPT = typer.Option(
    None,
    "--db",
    help="Database URL (default: RETRORUN_DATABASE_URL, else "
    "a SQLite file in your user data folder).",
)
ATHLETE_OPT = typer.Option(
    None, "--athlete", "-a", help="Athlete name (may be omitted when there is only one)."
)


def _today() -> date:
    from retrorun._clock import TodayError, today

    try:
        return today()
    except TodayError as exc:
        _fail(str(exc))


def _date(value: str | None, what: str = "--date") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{what}: {value!r} is not a date (use YYYY-MM-DD)")


def _interactive() -> bool:
    """True when answers can be asked for (stdin is a terminal)."""
    return sys.stdin.isatty()


def _fail(msg: str, code: int = 1):
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


@contextmanager
def _session(db: str | None):
    """Open the database; turn store, profile and log errors into clean CLI errors."""
    from retrorun.prescription.profile import ProfileError
    from retrorun.store.db import StoreError, make_engine, session_factory
    from retrorun.store.repository import RepositoryError
    from retrorun.training.logs import LogError

    try:
        engine = make_engine(db)
    except StoreError as exc:
        _fail(str(exc))
    try:
        with session_factory(engine)() as session:
            try:
                yield session
            except LogError as exc:
                lines = "\n".join(f"  {f}: {m}" for f, m in exc.problems)
                _fail(f"invalid log entry, nothing was stored:\n{lines}")
            except RepositoryError as exc:
                _fail(str(exc))
            except ProfileError as exc:
                _fail(f"stored profile: {exc}")
    finally:
        engine.dispose()


def _cite(key: str) -> str:
    import retrorun.training.evidence_extra  # noqa: F401  (registers the extra keys)
    from retrorun.prescription.evidence import EVIDENCE

    e = EVIDENCE.get(key)
    return "not in the registry" if e is None else e.label


def _disclaimer() -> None:
    from retrorun import DISCLAIMER

    typer.echo(f"\n{DISCLAIMER}")


# ---------------------------------------------------------------------------------- athletes


def athlete_add(
    name: Annotated[str, typer.Argument(help="Athlete name (unique in this database).")],
    profile: Annotated[Path, typer.Option("--profile", "-p", help="Profile TOML file.")],
    start: str = typer.Option(None, "--start", help="First day of the plan (default: today)."),
    db: str = DB_OPT,
) -> None:
    """Screen a profile and store the athlete with their first plan (none when referred)."""
    from retrorun.prescription.profile import ProfileError, load_profile
    from retrorun.store.repository import add_athlete

    try:
        prof = load_profile(profile)
    except ProfileError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{profile}: {exc.strerror or exc}")
    day = _date(start, "--start") or _today()
    with _session(db) as s:
        res = add_athlete(s, prof.model_dump(mode="json"), start=day, name=name)
        typer.echo(f"Added {res.athlete.name}. Screening: {res.screening_outcome}.")
        for r in res.screening_reasons:
            typer.echo(f"  - {r}")
        if res.plan is None:
            typer.echo(
                "No plan: screening says see a clinician first. The athlete is stored; once "
                f'cleared: `retrorun athlete resume "{res.athlete.name}" --cleared "who, when" '
                "--profile NEW.toml`."
            )
        else:
            p = res.plan.plan
            n = sum(len(w["sessions"]) for w in p["weeks"])
            typer.echo(
                f"Plan v1: {len(p['weeks'])} weeks, {n} sessions, {p['start']} to "
                f"{p['end']}, {round(p['backward_minutes'], 1):g} backward minutes in all."
            )
            typer.echo("Next: `retrorun today`.")
    _disclaimer()


def athlete_list(db: str = DB_OPT) -> None:
    """List the athletes in the database."""
    from retrorun.store.repository import current_plan, list_athletes, logs_of

    with _session(db) as s:
        rows = list_athletes(s)
        if not rows:
            typer.echo("No athletes yet: `retrorun athlete add NAME --profile FILE`.")
        for a in rows:
            cp = current_plan(s, a)
            typer.echo(
                f"{a.name:20} {a.status:8} plan v{cp.version if cp else '-'}  "
                f"{len(logs_of(s, a))} logs"
            )


def athlete_delete(
    name: str = typer.Argument(..., help="Athlete to delete."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    db: str = DB_OPT,
) -> None:
    """Delete an athlete and everything stored about them (cannot be undone)."""
    from retrorun.store.repository import delete_athlete, get_athlete

    with _session(db) as s:
        a = get_athlete(s, name)
        if not yes:
            if not _interactive():
                _fail("deleting needs --yes when not run interactively")
            typer.confirm(f"Delete {a.name} and all their logs, plans and decisions?", abort=True)
        counts = delete_athlete(s, a)
    typer.echo(f"Deleted {name}: " + ", ".join(f"{v} {k}" for k, v in counts.items()) + ".")


def athlete_resume(
    name: str = typer.Argument(..., help="Athlete whose plan was stopped."),
    cleared: str = typer.Option(..., "--cleared", help="Who cleared the athlete, and when."),
    profile: Annotated[
        Path | None, typer.Option("--profile", "-p", help="Updated profile TOML file.")
    ] = None,
    start: str = typer.Option(None, "--start", help="First day of the new plan (default today)."),
    db: str = DB_OPT,
) -> None:
    """Resume after a stop-and-refer decision, once a clinician has cleared the athlete."""
    from retrorun.prescription.profile import ProfileError, load_profile
    from retrorun.store.repository import resume_athlete

    data = None
    if profile is not None:
        try:
            data = load_profile(profile).model_dump(mode="json")
        except ProfileError as exc:
            _fail(str(exc))
    with _session(db) as s:
        res = resume_athlete(
            s, name, cleared=cleared, start=_date(start, "--start") or _today(), profile_data=data
        )
        typer.echo(f"{name}: screening {res.screening_outcome}.")
        if res.plan is None:
            typer.echo("Still no plan: screening says see a clinician first.")
        else:
            typer.echo(
                f"Plan v{res.plan.version} from {res.plan.valid_from} "
                f"(level {res.plan.plan['start_level']})."
            )
    _disclaimer()


def athlete_renew(
    name: Annotated[str, typer.Argument(help="Athlete whose block has ended.")],
    start: str = typer.Option(None, "--start", help="First day of the new block (default today)."),
    weeks: int = typer.Option(6, "--weeks", min=1, max=52, help="Length of the block, weeks."),
    db: str = DB_OPT,
) -> None:
    """Plan a new block after the current one ends, from the level reached."""
    from retrorun.store.repository import renew_block

    with _session(db) as s:
        pv = renew_block(s, name, start=_date(start, "--start") or _today(), weeks=weeks)
        p = pv.plan
        typer.echo(
            f"{name}: plan v{pv.version}, {p['start']} to {p['end']}, starting at level "
            f"{p['start_level']}."
        )
    _disclaimer()


# ---------------------------------------------------------------------------------- daily loop


def today(
    athlete: str = ATHLETE_OPT,
    day: str = typer.Option(None, "--date", "-d", help="Day to show (default: today)."),
    db: str = DB_OPT,
) -> None:
    """Show the backward-running session planned for today (or the next one)."""
    from retrorun.store.repository import decisions_of, get_athlete, logs_of, schedule
    from retrorun.training.report import days_word, describe_session

    d = _date(day) or _today()
    real_today = _today()
    with _session(db) as s:
        a = get_athlete(s, athlete)
        if a.status == "no_plan":
            _fail(f"{a.name} has no plan: screening said see a clinician first.")
        cal = schedule(s, a)
        logged = {r.session_id: r for r in logs_of(s, a)}
        if a.status == "stopped":
            typer.echo(
                f"{a.name}: plan STOPPED after a stop-and-refer decision. See a "
                "clinician; `retrorun why` shows the reasons."
            )
        todays = [x for x in cal if x["date"] == d.isoformat()]
        nxt = [x for x in cal if x["date"] > d.isoformat()]
        if todays:
            x = todays[0]
            done = " (already logged)" if x["session_id"] in logged else ""
            typer.echo(
                f"{a.name} — {d.strftime('%a')} {d} — session {x['session_id']} "
                f"(plan v{x['plan_version']}){done}"
            )
            for line in describe_session(x):
                typer.echo(line)
            typer.echo(
                f"Log it: retrorun log --session {x['session_id']} --done yes "
                "--minutes M --rpe R --pain-during P --pain-after P"
            )
        elif a.status != "stopped":
            typer.echo(f"{a.name} — {d}: no backward session planned (rest or forward-only day).")
        if nxt and a.status != "stopped":
            x = nxt[0]
            xd = date.fromisoformat(x["date"])
            typer.echo(
                f"Next: {x['date']} ({days_word(xd, d)}) {x['session_id']}: level "
                f"{x['level']}, {round(x['backward_minutes'], 1):g} min backward."
            )
        elif not todays and a.status != "stopped":
            typer.echo(
                f"The block is over: plan the next one with `retrorun athlete renew {a.name}`."
            )
        pend = [r for r in logs_of(s, a) if r.pain_next_morning is None and r.date < real_today]
        for r in pend[-3:]:
            typer.echo(
                f"Waiting for next-morning pain of {r.session_id} ({r.date}): "
                f"`retrorun morning --session {r.session_id} --pain N`."
            )
        ds = [x for x in decisions_of(s, a) if not x.superseded]
        if ds:
            last = ds[-1]
            prov = " (provisional)" if last.provisional else ""
            typer.echo(
                f"Last decision: {last.outcome}{prov}, level {last.level_before} → "
                f"{last.level_after} (`retrorun why`)."
            )
    _disclaimer()


def _pick_session(cal: list[dict], logged: set[str], d: date, sid: str | None) -> dict | None:
    if sid:
        return next((x for x in cal if x["session_id"] == sid), {"session_id": sid})
    same = [x for x in cal if x["date"] == d.isoformat() and x["session_id"] not in logged]
    if same:
        return same[0]
    recent = [
        x
        for x in cal
        if x["session_id"] not in logged
        and (d - timedelta(days=6)).isoformat() <= x["date"] < d.isoformat()
    ]
    return recent[-1] if recent else None


def _read_activity(path: Path):
    """Read a watch file; any problem is an error naming the file (exit code 2), nothing stored."""
    from retrorun.activities.reader import read_activity

    try:
        return read_activity(path)
    except ValueError as exc:  # ActivityError: str() is "<path>: <problem>"
        msg = str(exc)
        _fail(msg if str(path) in msg else f"{path}: {msg}", code=2)
    except OSError as exc:
        _fail(f"{path}: {exc.strerror or exc}", code=2)


def _lap_numbers(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        laps = [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        _fail(f"--backward-laps: {text!r} is not a list of lap numbers like 2,4,6", code=2)
    if not laps or any(k < 1 for k in laps):
        _fail(f"--backward-laps: {text!r}: lap numbers count from 1", code=2)
    return laps


def _activity_day(act, tz: str | None) -> date | None:
    """Calendar day the activity started: in *tz* when given, else in the watch's own
    local time when the file records it (FIT ``activity.local_timestamp``), else UTC."""
    start = act.start
    if start is None:
        return None
    if tz:
        from zoneinfo import ZoneInfo

        start = start.astimezone(ZoneInfo(tz))
    elif act.utc_offset_s is not None:
        from datetime import timedelta

        start = start + timedelta(seconds=act.utc_offset_s)
    return start.date()


def _day_basis(act, tz: str | None) -> str:
    """Which clock :func:`_activity_day` used, for messages."""
    if tz:
        return tz
    if act.utc_offset_s is not None:
        return f"the watch's local time ({_offset_label(act.utc_offset_s)})"
    return "UTC"


def _offset_label(seconds: int) -> str:
    """``UTC+09:00`` for 32400 s."""
    h, m = divmod(abs(seconds) // 60, 60)
    return f"UTC{'-' if seconds < 0 else '+'}{h:02d}:{m:02d}"


def _pick_for_activity(
    cal: list[dict], logged: set[str], day: date | None, sid: str | None, path: Path, dated_by: str
) -> dict:
    """The planned session a watch file belongs to: ``--session``, else the one planned that day."""
    if sid:
        found = [x for x in cal if x["session_id"] == sid]
        if not found:
            _fail(f"--session {sid}: no such session in the plan in force", code=2)
        return found[0]
    if day is None:
        _fail(
            f"{path}: the file has no calendar date (device-relative timestamps or placeholder "
            "times); give --date YYYY-MM-DD or --session ID",
            code=2,
        )
    same = [x for x in cal if x["date"] == day.isoformat()]
    if same:
        return next((x for x in same if x["session_id"] not in logged), same[0])
    before = [x for x in cal if x["date"] < day.isoformat()]
    after = [x for x in cal if x["date"] > day.isoformat()]
    near = [
        f"{x['session_id']} ({'logged' if x['session_id'] in logged else 'not logged'})"
        for x in (before[-1:] + after[:1])
    ]
    _fail(
        f"no session planned on {day} ({dated_by}); nearest: {', '.join(near) or 'none'}. "
        "Give --session ID to log it against one of them.",
        code=2,
    )


def _activity_meta(path: Path, act, fields: dict, tz: str | None) -> dict:
    """What is kept of the watch file with the log (no samples)."""
    import hashlib

    keep = (
        "identified_by",
        "backward_laps",
        "surface_detail",
        "on_track",
        "flat",
        "pace_over_fraction",
        "hr_over_fraction",
        "distance_m",
        "truncated",
    )
    return {
        "file": path.name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "format": act.source_format,
        "start": None if _activity_day(act, None) is None else act.start.isoformat(),
        "tz": tz or (_offset_label(act.utc_offset_s) + " (watch)" if act.utc_offset_s
                     is not None else "UTC"),
        "laps": len(act.laps),
        **{k: fields.get(k) for k in keep},
    }


def log(
    athlete: str = ATHLETE_OPT,
    day: str = typer.Option(None, "--date", "-d", help="Day the session was done (default today)."),
    session: str = typer.Option(
        None,
        "--session",
        "-s",
        help="Planned session id (default: the "
        "session planned that day, else the latest unlogged one).",
    ),
    done: str = typer.Option(None, "--done", help="yes | partly | no"),
    minutes: float = typer.Option(None, "--minutes", "-m", help="Backward minutes done."),
    reps: int = typer.Option(None, "--reps", help="Repetitions done."),
    surface: str = typer.Option(None, "--surface", help="track, treadmill, flat_path, grass, ..."),
    looks_left: int = typer.Option(None, "--looks-left", help="Looks over the left shoulder."),
    looks_right: int = typer.Option(None, "--looks-right", help="Looks over the right shoulder."),
    rpe: float = typer.Option(None, "--rpe", help="Session effort, CR-10 (0–10)."),
    pain_during: int = typer.Option(None, "--pain-during", help="Pain during, 0–10."),
    pain_after: int = typer.Option(None, "--pain-after", help="Pain right after, 0–10."),
    pain_next_morning: int = typer.Option(
        None, "--pain-next-morning", help="Pain the next morning, 0–10 (if already known)."
    ),
    stiffness_next_morning: int = typer.Option(
        None,
        "--stiffness-next-morning",
        help="Stiffness the next morning, 0–10 (if already known; else `morning --stiffness`).",
    ),
    swelling: bool = typer.Option(None, "--swelling/--no-swelling", help="Swelling?"),
    limp: bool = typer.Option(None, "--limp/--no-limp", help="Did you limp?"),
    red_flag: str = typer.Option(
        None,
        "--red-flag",
        help="Describe a red-flag symptom (locking, giving way, night pain, fever...).",
    ),
    notes: str = typer.Option(None, "--notes", help="Free notes."),
    activity: Annotated[
        Path | None,
        typer.Option(
            "--activity",
            help="FIT/GPX/TCX file of the session: fills date, minutes, repetitions, surface.",
        ),
    ] = None,
    backward_laps: str = typer.Option(
        None,
        "--backward-laps",
        help="With --activity: the laps that were backward (e.g. 2,4,6; numbers as in "
        "`retrorun activity FILE`), when the laps do not follow the exported workout.",
    ),
    tz: str = typer.Option(
        None,
        "--tz",
        help="With --activity: IANA time zone that decides the file's calendar day "
        "(default: the watch's local time when the FIT file records it, else UTC).",
    ),
    db: str = DB_OPT,
) -> None:
    """Log a session; retrorun decides progress / hold / regress / stop and re-plans.

    With --activity the file's day picks the planned session (unless --session/--date say
    otherwise), its laps give minutes, repetitions and surface, and its warnings are stored
    with the log. Pain and effort always come from you. Missing answers are asked for when run
    in a terminal; otherwise they are an error. Nothing is stored unless everything is valid.
    """
    from retrorun.store.repository import (
        ensure_can_log,
        get_athlete,
        log_session,
        logs_of,
        schedule,
    )
    from retrorun.training.logs import SessionLogEntry
    from retrorun.training.report import describe_decision

    now = _today()
    d = _date(day)
    interactive = _interactive()
    if activity is None and (backward_laps or tz):
        _fail("--backward-laps and --tz need --activity FILE", code=2)
    if tz:
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(tz)
        except Exception:
            _fail(f"--tz: unknown time zone {tz!r} (use an IANA name like Europe/Berlin)", code=2)
    lap_list = _lap_numbers(backward_laps)
    act = _read_activity(activity) if activity is not None else None
    act_day = _activity_day(act, tz) if act is not None else None
    missing: list[str] = []
    with _session(db) as s:
        a = get_athlete(s, athlete)
        ensure_can_log(a)
        cal = schedule(s, a)
        logged = {r.session_id for r in logs_of(s, a)}
        if act is not None:
            dated_by = "--date" if d else (f"the day {activity.name} was recorded, "
                                           f"{_day_basis(act, tz)}")
            planned = _pick_for_activity(cal, logged, d or act_day, session, activity, dated_by)
        else:
            planned = _pick_session(cal, logged, d or now, session)
        if planned is None:
            near = [
                x["session_id"]
                for x in cal
                if abs((date.fromisoformat(x["date"]) - (d or now)).days) <= 7
            ]
            _fail(
                f"no unlogged session planned on or in the 6 days before {d or now}; "
                f"give --session (sessions near that day: {', '.join(near) or 'none'})"
            )
        meta = None
        warnings: tuple[str, ...] = ()
        if act is not None:
            from retrorun.activities.matching import log_fields_from_activity

            try:
                fields = log_fields_from_activity(act, planned, lap_list, tz=tz)
            except ValueError as exc:
                _fail(f"{activity}: {exc}", code=2)
            fields["warnings"] = list(fields.get("warnings") or ())
            meta = _activity_meta(activity, act, fields, tz)
            found = fields.get("backward_minutes")
            broken = fields.get("truncated") and fields.get("block_complete") is False
            if broken and minutes is None and done != "no":
                # a log from part of the block would understate what was done: ask, don't guess
                why = (
                    f"{activity} is truncated: only {len(fields.get('backward_laps') or ())} of "
                    f"{fields['expected_backward_laps']} backward laps could be read"
                )
                if interactive:
                    typer.echo(why)
                    minutes = typer.prompt("Backward minutes done (your own count)", type=float)
                else:
                    missing.append(f"--minutes ({why}; give the minutes you did)")
            if broken:
                found = None  # neither minutes nor repetitions from part of the block
            elif found is not None:
                typer.echo(
                    f"From {activity.name}: laps "
                    f"{','.join(map(str, fields.get('backward_laps') or ())) or '?'} backward "
                    f"({fields.get('identified_by') or '?'}), {found:g} min, "
                    f"{fields.get('repetitions')} repetitions, surface "
                    f"{fields.get('surface') or 'unknown'} ({fields.get('surface_detail') or '?'})."
                )
            if fields.get("backward_minutes") is None and minutes is None and done != "no":
                if interactive:
                    typer.echo(
                        f"{activity.name}: its {len(act.laps)} laps do not follow the workout of "
                        f"{planned['session_id']}; `retrorun activity {activity}` lists them."
                    )
                    minutes = typer.prompt("Backward minutes done", type=float)
                else:
                    missing.append(
                        f"--backward-laps or --minutes ({activity}: its {len(act.laps)} laps do "
                        f"not follow the workout of {planned['session_id']}; "
                        f"`retrorun activity {activity}` lists them)"
                    )
            rec_day = act_day
            if d is not None and rec_day is not None and d != rec_day:
                fields["warnings"].append(
                    f"--date {d} given, but {activity.name} was recorded on {rec_day} "
                    f"({tz or 'UTC'})"
                )
            d = d or rec_day
            minutes = found if minutes is None else minutes
            if reps is None and found is not None:
                reps = fields.get("repetitions")
            surface = fields.get("surface") if surface is None else surface
            warnings = tuple(str(w) for w in fields.get("warnings", ()))
            if done is None and minutes is not None:
                plan_min = float(planned.get("backward_minutes", 0) or 0)
                done = "yes" if plan_min and minutes >= 0.85 * plan_min else "partly"
        d = d or now

        def ask(value, flag: str, prompt: str, typ=str, default=None):
            if value is not None:
                return value
            if interactive:
                return typer.prompt(prompt, type=typ, default=default)
            if default is not None:
                return default
            missing.append(flag)
            return None

        if not (act is not None and missing):  # laps unknown: the minutes decide, not --done
            done = ask(done, "--done", "Done? (yes / partly / no)")
        if done is not None:
            done = str(done).strip().lower()
        if done in ("yes", "partly"):
            plan_min = planned.get("backward_minutes")
            minutes = ask(
                minutes,
                "--minutes",
                "Backward minutes done",
                float,
                default=plan_min if done == "yes" else None,
            )
            rpe = ask(rpe, "--rpe", "Effort, CR-10 (0 rest … 10 maximal)", float)
            pain_during = ask(pain_during, "--pain-during", "Pain during (0–10)", int)
            pain_after = ask(pain_after, "--pain-after", "Pain right after (0–10)", int)
            if interactive:
                if looks_left is None and looks_right is None:
                    looks_left = typer.prompt("Looks over the left shoulder", type=int, default=0)
                    looks_right = typer.prompt("Looks over the right shoulder", type=int, default=0)
                if surface is None:
                    surface = typer.prompt("Surface", default="track")
        if interactive:
            if swelling is None:
                swelling = typer.confirm("Any swelling?", default=False)
            if limp is None:
                limp = typer.confirm("Did you limp?", default=False)
            if red_flag is None and typer.confirm(
                "Any red flag (knee locking or giving way, hot swollen joint with fever, "
                "night or rest pain, numbness, dizziness or a fall)?",
                default=False,
            ):
                red_flag = typer.prompt("Describe it")
        if missing:
            _fail(
                "missing " + ", ".join(missing) + " (run in a terminal to be asked, or give "
                "the flags)",
                code=2,
            )
        entry = SessionLogEntry(
            date=d,
            session_id=planned["session_id"],
            done=done,  # type: ignore[arg-type]
            backward_minutes=float(minutes or 0.0),
            repetitions=reps,
            surface=surface,
            looks_left=looks_left,
            looks_right=looks_right,
            rpe=rpe,
            pain_during=pain_during,
            pain_after=pain_after,
            pain_next_morning=pain_next_morning,
            stiffness_next_morning=stiffness_next_morning,
            swelling=bool(swelling),
            limp=bool(limp),
            red_flag=red_flag,
            notes=notes or "",
            warnings=warnings,
        )
        res = log_session(s, a.name, entry, today=now, activity=meta)
        r = res.log
        typer.echo(
            f"Logged {r.session_id} ({r.date}): done {r.done}, "
            f"{round(r.backward_minutes, 1):g} of {round(r.planned_minutes, 1):g} min backward."
        )
        for w in r.warnings:
            typer.echo(f"  warning: {w}")
        _print_result(s, a, res, describe_decision)
    _disclaimer()


def _print_result(s, a, res, describe_decision) -> None:
    from retrorun.store.repository import schedule

    for line in describe_decision(res.decision):
        typer.echo(line)
    if res.plan is None:
        typer.echo("Plan: unchanged.")
    elif res.plan.plan is None:
        typer.echo(f"Plan v{res.plan.version}: no more sessions (stopped). See a clinician.")
    else:
        nxt = [x for x in schedule(s, a) if x["date"] >= res.plan.valid_from.isoformat()]
        first = (
            f" Next: {nxt[0]['date']}, level {nxt[0]['level']}, "
            f"{round(nxt[0]['backward_minutes'], 1):g} min."
            if nxt
            else ""
        )
        typer.echo(f"Plan: re-planned as v{res.plan.version} from {res.plan.valid_from}.{first}")


def morning(
    pain: int = typer.Option(..., "--pain", help="Pain this morning, 0–10."),
    athlete: str = ATHLETE_OPT,
    session: str = typer.Option(
        None,
        "--session",
        "-s",
        help="Session the morning follows (default: the latest one waiting for it).",
    ),
    limp: bool = typer.Option(None, "--limp/--no-limp", help="Limping this morning?"),
    swelling: bool = typer.Option(None, "--swelling/--no-swelling", help="Swelling this morning?"),
    stiffness: int = typer.Option(
        None, "--stiffness", help="Stiffness this morning, 0–10 (must not rise week to week)."
    ),
    db: str = DB_OPT,
) -> None:
    """Add the next-morning pain (and stiffness) to a logged session; decide again."""
    from retrorun.store.repository import add_morning, get_athlete
    from retrorun.training.report import describe_decision

    with _session(db) as s:
        a = get_athlete(s, athlete)
        res = add_morning(
            s,
            a.name,
            pain,
            today=_today(),
            session_id=session,
            limp=limp,
            swelling=swelling,
            stiffness=stiffness,
        )
        what = f"pain {pain}/10" + ("" if stiffness is None else f", stiffness {stiffness}/10")
        typer.echo(f"Next-morning {what} added to {res.log.session_id} ({res.log.date}).")
        _print_result(s, a, res, describe_decision)
    _disclaimer()


def history(
    athlete: str = ATHLETE_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print the logs as JSON."),
    db: str = DB_OPT,
) -> None:
    """Show every logged session with its decision (and the warnings of its watch file)."""
    from retrorun.store.repository import decisions_of, get_athlete, logs_of
    from retrorun.training.report import history_table, warning_lines

    with _session(db) as s:
        a = get_athlete(s, athlete)
        rows = logs_of(s, a)
        outcomes = {}
        for d in decisions_of(s, a):
            if not d.superseded:
                outcomes[d.log_id] = d.outcome + (" (prov.)" if d.provisional else "")
        if as_json:
            typer.echo(
                json.dumps(
                    {"athlete": a.name, "logs": [_log_json(r, outcomes) for r in rows]},
                    indent=1,
                    ensure_ascii=False,
                )
            )
            return
        if not rows:
            typer.echo(f"{a.name}: nothing logged yet.")
            return
        typer.echo(f"{a.name}: {len(rows)} logged sessions")
        for line in history_table(rows, outcomes):
            typer.echo(line)
        for line in warning_lines(rows):
            typer.echo(line)


def _log_json(r: Any, outcomes: dict) -> dict:
    """One stored log as JSON-safe data (``history --json``)."""
    keys = (
        "session_id", "done", "backward_minutes", "planned_minutes", "repetitions", "surface",
        "level", "rpe", "pain_during", "pain_after", "pain_next_morning", "stiffness_next_morning",
        "swelling", "limp",
        "looks_left", "looks_right", "red_flag", "notes",
    )  # fmt: skip
    return {
        "date": r.date.isoformat(),
        "planned_date": r.planned_date.isoformat(),
        **{k: getattr(r, k) for k in keys},
        "decision": outcomes.get(r.id),
        "warnings": list(r.warnings or []),
        "activity": r.activity,
    }


def why(
    athlete: str = ATHLETE_OPT,
    last: int = typer.Option(3, "--last", "-n", help="How many decisions to show."),
    all_: bool = typer.Option(False, "--all", help="Show all decisions, superseded ones too."),
    db: str = DB_OPT,
) -> None:
    """Explain the latest decisions: outcome, reasons and the evidence behind each."""
    from retrorun.store.repository import decisions_of, get_athlete, logs_of, plan_versions
    from retrorun.training.report import describe_decision

    with _session(db) as s:
        a = get_athlete(s, athlete)
        ds = decisions_of(s, a)
        if not all_:
            ds = [d for d in ds if not d.superseded][-last:]
        if not ds:
            typer.echo(f"{a.name}: no decisions yet (log a session first).")
        logs = {r.id: r for r in logs_of(s, a)}
        pvs = {p.id: p for p in plan_versions(s, a)}
        for d in ds:
            r = logs[d.log_id]
            typer.echo(
                f"\n{r.date} {r.session_id} — after {d.trigger} ({d.created_at:%Y-%m-%d %H:%M} UTC)"
            )
            for line in describe_decision(d, cite=_cite):
                typer.echo(line)
            if d.plan_version_id is not None:
                pv = pvs[d.plan_version_id]
                typer.echo(f"  plan → v{pv.version} from {pv.valid_from}: {pv.reason}")
    _disclaimer()


def progress(
    athlete: str = ATHLETE_OPT,
    png: Annotated[
        Path | None, typer.Option("--png", help="PNG plot path (default NAME-progress.png).")
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="HTML page path (default NAME-progress.html).")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the numbers as JSON.")
    ] = None,
    no_plot: bool = typer.Option(False, "--no-plot", help="Print only, write no plot files."),
    db: str = DB_OPT,
) -> None:
    """Weekly load, monotony, strain, ACWR (info), compliance, look balance and pain trend."""
    from retrorun import DISCLAIMER
    from retrorun.store.repository import (
        get_athlete,
        logged_sessions,
        logs_of,
        plan_versions,
        schedule,
    )
    from retrorun.training.load import progress_report
    from retrorun.training.report import progress_lines

    now = _today()
    with _session(db) as s:
        a = get_athlete(s, athlete)
        versions = plan_versions(s, a)
        rows = logs_of(s, a)
        if not versions and not rows:
            _fail(f"{a.name} has no plan and no logs")
        start = versions[0].valid_from if versions else rows[0].date
        rep = progress_report(logged_sessions(rows), schedule(s, a), start=start, today=now)
        typer.echo(f"{a.name}: progress {rep.start} to {rep.end}")
        for line in progress_lines(rep):
            typer.echo(line)
        if json_out is not None:
            data = {
                "athlete": a.name,
                **rep.to_dict(),
                # the same warnings, structured: which log, which file
                "activity_warnings": [
                    {
                        "date": r.date.isoformat(),
                        "session_id": r.session_id,
                        "file": (r.activity or {}).get("file"),
                        "warning": str(w),
                    }
                    for r in rows
                    for w in (r.warnings or ())
                ],
            }
            json_out.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
            typer.echo(f"Wrote {json_out}.")
        if not no_plot:
            from retrorun.store.repository import _slug
            from retrorun.training.plots import write_html, write_png

            stem = _slug(a.name)
            title = f"{a.name}: backward-running progress"
            p1 = write_png(rep, png or Path(f"{stem}-progress.png"), title)
            p2 = write_html(rep, html or Path(f"{stem}-progress.html"), title, DISCLAIMER)
            typer.echo(f"Wrote {p1} and {p2}.")


def export(
    name: Annotated[str, typer.Argument(help="Athlete to export.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSON file to write.")],
    db: str = DB_OPT,
) -> None:
    """Write everything stored about an athlete to one JSON file."""
    from retrorun.store.repository import export_athlete, get_athlete

    with _session(db) as s:
        data = export_athlete(s, get_athlete(s, name))
    from retrorun._atomic import write_atomic

    write_atomic(output, json.dumps(data, indent=1, ensure_ascii=False))
    typer.echo(
        f"Exported {name}: {len(data['logs'])} logs, {len(data['plans'])} plan "
        f"versions, {len(data['decisions'])} decisions → {output}"
    )


def import_(
    file: Annotated[Path, typer.Argument(help="JSON file written by `retrorun export`.")],
    name: str = typer.Option(None, "--name", help="Store under another name."),
    db: str = DB_OPT,
) -> None:
    """Import an athlete from a `retrorun export` file (all or nothing)."""
    from retrorun.store.repository import import_athlete

    try:
        data: Any = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        _fail(f"{file}: {exc.strerror or exc}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        _fail(f"{file}: not a JSON file ({exc})")
    with _session(db) as s:
        a = import_athlete(s, data, name=name, source=str(file))
        typer.echo(f"Imported {a.name} from {file}.")


def register(app: typer.Typer) -> None:
    """Add this area's commands to *app*."""
    athletes = typer.Typer(
        help="Add, list, resume, renew and delete athletes.", no_args_is_help=True
    )
    athletes.command("add")(athlete_add)
    athletes.command("list")(athlete_list)
    athletes.command("delete")(athlete_delete)
    athletes.command("resume")(athlete_resume)
    athletes.command("renew")(athlete_renew)
    app.add_typer(athletes, name="athlete")
    app.command("today")(today)
    app.command("log")(log)
    app.command("morning")(morning)
    app.command("history")(history)
    app.command("why")(why)
    app.command("progress")(progress)
    app.command("export")(export)
    app.command("import")(import_)
