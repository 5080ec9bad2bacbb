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
        profile: Annotated[Path, typer.Argument(help="Athlete profile file (TOML/JSON).")],
        ics: Annotated[
            Path | None, typer.Option("--ics", help="Write the plan as an iCalendar file.")
        ] = None,
        fit: Annotated[
            Path | None,
            typer.Option("--fit", help="Write one FIT workout per session into this folder."),
        ] = None,
        start: Annotated[
            str | None, typer.Option("--start", help="First day of the plan (YYYY-MM-DD).")
        ] = None,
        weeks: Annotated[
            int, typer.Option("--weeks", min=1, max=52, help="Plan length in weeks.")
        ] = 6,
        tz: Annotated[
            str, typer.Option("--tz", help="IANA time zone of the events.")
        ] = "Europe/Berlin",
        time: Annotated[
            str, typer.Option("--time", help="Local start time of each session (HH:MM).")
        ] = "07:00",
    ) -> None:
        """Export a plan as an ICS calendar and/or FIT workout files for a watch."""
        from datetime import date
        from datetime import time as dtime

        from retrorun import DISCLAIMER

        if ics is None and fit is None:
            raise typer.BadParameter("give --ics FILE and/or --fit DIR")
        try:
            start_day = date.fromisoformat(start) if start else date.today()
        except ValueError:
            raise typer.BadParameter(f"--start must be YYYY-MM-DD, not {start!r}") from None
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
        from retrorun.export.plan_source import plan_dict_from_profile

        try:
            plan = plan_dict_from_profile(profile, start_day, weeks)
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
