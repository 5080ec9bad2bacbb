"""``retrorun activity`` (summarise a FIT/GPX/TCX file) and ``retrorun export-plan`` (ICS + FIT)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def _parse_laps(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        laps = [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise typer.BadParameter(
            f"--backward-laps must be comma-separated lap numbers like 1,3,5, not {text!r}"
        ) from None
    if any(n < 1 for n in laps):
        raise typer.BadParameter("--backward-laps counts laps from 1")
    return laps


def _fmt_s(s: float | None) -> str:
    if s is None:
        return "–"
    s = round(s)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def register(app: typer.Typer) -> None:
    """Add this area's commands to *app*."""

    @app.command("activity")
    def activity_cmd(
        file: Annotated[Path, typer.Argument(help="FIT, GPX or TCX activity file.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
        backward_laps: Annotated[
            str | None,
            typer.Option(
                "--backward-laps",
                help="Laps (1-based, comma-separated) that were run backwards, e.g. 1,3,5: "
                "checks surface, pace and heart rate over them.",
            ),
        ] = None,
    ) -> None:
        """Summarise an activity file: start, duration, distance, laps, HR, cadence, surface."""
        from retrorun.activities.model import ActivityError
        from retrorun.activities.reader import read_activity
        from retrorun.activities.summary import summarise

        laps = _parse_laps(backward_laps)
        try:
            act = read_activity(file)
        except ActivityError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        summary = summarise(act)
        if laps:
            from retrorun.activities.matching import backward_block_checks

            try:
                summary["backward_block"] = backward_block_checks(act, laps)
            except ValueError as exc:
                typer.echo(f"error: {file}: {exc}", err=True)
                raise typer.Exit(2) from None
        if as_json:
            typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
            return
        _print_summary(summary)

    @app.command("export-plan")
    def export_plan_cmd(
        profile: Annotated[
            Path | None,
            typer.Argument(
                help="Athlete profile file (TOML, or a plan .json). Leave out to export a "
                "stored athlete's plan (--athlete)."
            ),
        ] = None,
        athlete: Annotated[
            str | None,
            typer.Option(
                "--athlete",
                "-a",
                help="Export this stored athlete's plan in force (may be left out when the "
                "database holds one athlete and no PROFILE is given).",
            ),
        ] = None,
        ics: Annotated[
            Path | None, typer.Option("--ics", help="Write the plan as an iCalendar file.")
        ] = None,
        fit: Annotated[
            Path | None,
            typer.Option("--fit", help="Write one FIT workout per session into this folder."),
        ] = None,
        start: Annotated[
            str | None,
            typer.Option("--start", help="PROFILE only: first day of the plan (YYYY-MM-DD)."),
        ] = None,
        weeks: Annotated[
            int | None,
            typer.Option("--weeks", min=1, max=52, help="PROFILE only: plan length in weeks [6]."),
        ] = None,
        tz: Annotated[
            str, typer.Option("--tz", help="IANA time zone of the events.")
        ] = "Europe/Berlin",
        time: Annotated[
            str, typer.Option("--time", help="Local start time of each session (HH:MM).")
        ] = "07:00",
        db: Annotated[
            str | None,
            typer.Option(
                "--db", help="Database URL with --athlete (default: RETRORUN_DATABASE_URL, else "
                "the SQLite file in your user data folder)."
            ),
        ] = None,
    ) -> None:
        """Export a plan as an ICS calendar and/or FIT workout files for a watch.

        With PROFILE the plan is built from the profile; without it, the stored athlete's plan in
        force is exported: the calendar gets every session of the block (past ones with what was
        logged; sessions dropped by a re-plan as cancelled events), the watch folder the sessions
        from today on that are not logged yet.
        """
        from datetime import date
        from datetime import time as dtime

        from retrorun import DISCLAIMER

        if ics is None and fit is None:
            raise typer.BadParameter("give --ics FILE and/or --fit DIR")
        try:
            hh, mm = (int(x) for x in time.split(":"))
            at = dtime(hh, mm)
        except ValueError:
            raise typer.BadParameter(f"--time must be HH:MM, not {time!r}") from None
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(tz)
        except Exception:
            raise typer.BadParameter(f"--tz: unknown time zone {tz!r}") from None
        if profile is None:
            if start is not None or weeks is not None:
                raise typer.BadParameter(
                    "--start and --weeks build a plan from a PROFILE; a stored athlete's plan "
                    "is exported as stored (re-plan with `retrorun athlete renew`)"
                )
            _export_stored(athlete, db, ics, fit, tz, at)
            typer.echo(DISCLAIMER)
            return
        if athlete is not None:
            raise typer.BadParameter("give either PROFILE or --athlete NAME, not both")
        try:
            start_day = date.fromisoformat(start) if start else date.today()
        except ValueError:
            raise typer.BadParameter(f"--start must be YYYY-MM-DD, not {start!r}") from None
        from retrorun.export.plan_source import plan_dict_from_profile

        try:
            plan = plan_dict_from_profile(profile, start_day, weeks or 6)
        except (OSError, ValueError) as exc:
            typer.echo(f"error: {profile}: {exc}", err=True)
            raise typer.Exit(2) from None
        from retrorun.export.plan_dict import plan_sessions

        n = len(plan_sessions(plan))
        if ics is not None:
            from retrorun.export.ics import write_ics

            write_ics(plan, ics, tz=tz, at=at)
            typer.echo(f"wrote {ics} ({n} events, time zone {tz})")
        if fit is not None:
            from retrorun.export.fit_workout import write_fit_workouts

            paths = write_fit_workouts(plan, fit)
            typer.echo(f"wrote {len(paths)} FIT workouts to {fit}")
        typer.echo(DISCLAIMER)


def _today():
    """Today's date (``RETRORUN_TODAY`` overrides it, as for the training-log commands)."""
    from retrorun._clock import TodayError, today

    try:
        return today()
    except TodayError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _export_stored(athlete, db, ics, fit, tz, at) -> None:
    """``export-plan --athlete``: the stored plan in force → ICS (whole block) + FIT (upcoming)."""
    from retrorun.export.plan_dict import plan_sessions
    from retrorun.export.plan_source import plan_from_store
    from retrorun.store.db import StoreError, make_engine, session_factory
    from retrorun.store.repository import RepositoryError

    today = _today()
    try:
        engine = make_engine(db)
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        with session_factory(engine)() as s:
            exp = plan_from_store(s, athlete, today)
    except RepositoryError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    cal_sessions = plan_sessions(exp.calendar)
    typer.echo(
        f"{exp.athlete}: plan v{exp.version}"
        + (" (STOPPED after a stop-and-refer decision)" if exp.status == "stopped" else "")
        + f", {len(cal_sessions)} sessions in force, "
        f"{len(plan_sessions(exp.upcoming))} from {today} on not logged yet"
    )
    if ics is not None:
        from retrorun.export.ics import write_ics

        write_ics(
            exp.calendar,
            ics,
            tz=tz,
            at=at,
            uid_prefix=exp.uid_prefix,
            cancelled=exp.cancelled,
            sequence=exp.version,
        )
        n_cancel = len({c["date"] for c in exp.cancelled} - {s["date"] for s in cal_sessions})
        typer.echo(
            f"wrote {ics} ({len(cal_sessions)} events"
            + (f" + {n_cancel} cancelled by re-plans" if n_cancel else "")
            + f", time zone {tz})"
        )
    if fit is not None:
        from retrorun.export.fit_workout import workout_filename, write_fit_workouts

        paths = write_fit_workouts(exp.upcoming, fit)
        written = {p.name for p in paths}
        removed = []
        for sid in sorted(exp.stale_session_ids):
            old = fit / workout_filename({"session_id": sid})
            if old.name not in written and old.is_file():
                old.unlink()
                removed.append(old.name)
        typer.echo(
            f"wrote {len(paths)} FIT workouts to {fit}"
            + (
                f"; removed {len(removed)} stale ones (sessions re-planned or dropped)"
                if removed
                else ""
            )
        )


def _print_summary(s: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    con.print(f"[bold]{Path(s['file']).name}[/bold] ({s['format']}, {s['device'] or 'device ?'})")
    dist = s["distance_m"]
    con.print(
        f"start {s['start'] or 'unknown'} · {_fmt_s(s['duration_s'])} · "
        + (f"{dist / 1000:.2f} km" if dist is not None else "distance unknown")
        + f" · HR {s['avg_hr'] or '–'} bpm · cadence {s['avg_cadence_spm'] or '–'} steps/min"
    )
    flat = {True: "flat", False: "NOT flat", None: "unknown"}[s["flat"]]
    track = {True: "yes", False: "no", None: "unknown"}[s["on_track"]]
    con.print(
        f"elevation range {s['elevation_range_m']} m, ascent {s['ascent_m']} m "
        f"({s['ascent_per_km']} m/km): {flat}; on a 400 m track: {track}"
    )
    if s["laps"]:
        tab = Table("lap", "start", "time", "distance m", "HR", "cadence")
        for i, lap in enumerate(s["laps"], 1):
            tab.add_row(
                str(i),
                _fmt_s(lap["start_s"]),
                _fmt_s(lap["duration_s"]),
                str(lap["distance_m"]),
                str(lap["avg_hr"] or "–"),
                str(lap["avg_cadence_spm"] or "–"),
            )
        con.print(tab)
    if "backward_block" in s:
        b = s["backward_block"]
        con.print(f"backward laps {b['laps']}: {b['minutes']} min")
        for w in b["warnings"]:
            con.print(f"[yellow]warning:[/yellow] {w}")
    if s["truncated"]:
        con.print("[red]file truncated:[/red] the summary covers only what was readable")
    for w in s["warnings"]:
        con.print(f"[yellow]note:[/yellow] {w}")
