"""``retrorun`` commands of the prescription area: profiles, screening and plans.

- ``retrorun profile new [--output FILE] [--force]`` — interactive questionnaire, writes TOML
  atomically and only when the answers are valid;
- ``retrorun profile check FILE`` — validate a profile file;
- ``retrorun screen PROFILE [--format text|json]`` — cleared / supervised / refer;
- ``retrorun plan PROFILE [--start DATE] [--weeks N] [--format table|json|markdown|html]
  [--output FILE] [--explain] [--compact]`` — the plan.

Exit codes: 0 ok, 1 invalid input (the message names the file and field), 2 referred (no plan).
Only typer, rich and the standard library are imported at module level.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

FORMATS = ("table", "json", "markdown", "html")
_DEFAULT_OUT = Path("profile.toml")


def _err(msg: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {msg}", err=True)
    return typer.Exit(code)


def _load(path: Path):  # -> AthleteProfile
    from retrorun.prescription.profile import ProfileError, load_profile

    try:
        return load_profile(path)
    except ProfileError as exc:
        raise _err(str(exc)) from None


def _parse_date(s: str | None) -> dt.date:
    if s is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise _err(f"--start: {s!r} is not a date (YYYY-MM-DD)") from None


def _write_atomic(path: Path, text: str) -> None:
    from retrorun._atomic import write_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)


def register(app: typer.Typer) -> None:
    """Add this area's commands to *app*."""
    profile_app = typer.Typer(
        help="Create and check athlete profiles (TOML).", no_args_is_help=True
    )
    app.add_typer(profile_app, name="profile")

    @profile_app.command("new")
    def profile_new(
        output: Annotated[Path, typer.Option("--output", "-o",
                                             help="Where to write the profile.")] = _DEFAULT_OUT,
        force: Annotated[bool, typer.Option("--force",
                                            help="Overwrite an existing file.")] = False,
    ) -> None:
        """Answer a short questionnaire; writes the profile only when every answer is valid."""
        from retrorun.cli._questionnaire import ask_profile
        from retrorun.prescription.profile import ProfileError, profile_from_dict, save_profile

        if output.exists() and not force:
            raise _err(f"{output}: exists (use --force to overwrite)")
        data = ask_profile()
        try:
            profile = profile_from_dict(data, source=output)
        except ProfileError as exc:
            raise _err(f"{exc}\nnothing was written") from None
        save_profile(profile, output)
        typer.echo(f"wrote {output}")
        typer.echo(f"next: retrorun screen {output}   then   retrorun plan {output}")

    @profile_app.command("check")
    def profile_check(
        file: Annotated[Path, typer.Argument(help="A profile TOML file.")],
    ) -> None:
        """Validate a profile file; prints a one-line summary when it is valid."""
        p = _load(file)
        e = p.endurance
        typer.echo(
            f"{file}: ok — {p.name}: {p.condition.kind.replace('_', ' ')}"
            f"{'' if p.condition.side == 'none' else f' ({p.condition.side})'}, "
            f"skill {p.skill.backward}, {e.runs_per_week} runs / {e.weekly_minutes:g} min a "
            f"week, easy pace {e.easy_pace}, days {', '.join(p.schedule.training_days)}"
        )

    @app.command("screen")
    def screen_cmd(
        profile: Annotated[Path, typer.Argument(help="A profile TOML file.")],
        fmt: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
    ) -> None:
        """Screen a runner before backward running: cleared / supervised only / refer."""
        import json

        from retrorun.prescription.screening import screen

        if fmt not in ("text", "json"):
            raise _err(f"--format: {fmt!r} is not one of text, json")
        res = screen(_load(profile))
        if fmt == "json":
            typer.echo(json.dumps(res.to_dict(), indent=2, ensure_ascii=False))
            return
        from retrorun.export.terminal import print_screening

        print_screening(res)

    @app.command("plan")
    def plan_cmd(
        profile: Annotated[Path, typer.Argument(help="A profile TOML file.")],
        start: Annotated[str | None, typer.Option(
            "--start", help="First day, YYYY-MM-DD (default today).")] = None,
        weeks: Annotated[int, typer.Option(
            "--weeks", "-w", min=1, max=52, help="Plan length, weeks.")] = 6,
        fmt: Annotated[str, typer.Option(
            "--format", "-f", help="table | json | markdown | html")] = "table",
        output: Annotated[Path | None, typer.Option(
            "--output", "-o", help="Write to this file instead of the terminal.")] = None,
        explain: Annotated[bool, typer.Option(
            "--explain", help="Show why each number is what it is.")] = False,
        compact: Annotated[bool, typer.Option(
            "--compact", help="HTML: pack the weeks instead of one printed page per week.")
        ] = False,
    ) -> None:
        """Screen the runner and print a tailored backward-running plan."""
        if fmt not in FORMATS:
            raise _err(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
        p = _load(profile)
        start_date = _parse_date(start)
        from retrorun.prescription.planner import ReferralError, build_plan

        try:
            plan = build_plan(p, start_date, weeks)
        except ReferralError as exc:
            from retrorun.export.terminal import print_screening

            print_screening(exc.result, file=sys.stderr)
            raise typer.Exit(2) from None
        if fmt == "table":
            from retrorun.export.terminal import plan_to_text, print_plan

            if output is not None:
                _write_atomic(output, plan_to_text(plan, explain=explain, today=start_date))
                typer.echo(f"wrote {output}")
            else:
                print_plan(plan, explain=explain, today=start_date)
            return
        if fmt == "json":
            import json

            d = plan.to_dict()
            if explain:
                from retrorun.prescription.evidence import explain as _explain

                d["explanations"] = [
                    {"topic": x.topic, "value": x.value, "why": x.why,
                     "evidence_keys": list(x.evidence_keys), "source": x.source}
                    for x in _explain(plan)
                ]
            text = json.dumps(d, indent=2, ensure_ascii=False) + "\n"
        elif fmt == "markdown":
            from retrorun.export.handout import render_markdown

            text = render_markdown(plan, explain=explain)
        else:
            from retrorun.export.handout import render_html

            text = render_html(plan, explain=explain, layout="compact" if compact else "weekly")
        if output is not None:
            _write_atomic(output, text)
            typer.echo(f"wrote {output}")
        else:
            sys.stdout.write(text)
