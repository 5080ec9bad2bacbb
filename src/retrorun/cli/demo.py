"""``retrorun demo``: the main job, end to end, on a fresh SQLite database.

It runs the real commands in this process, in the order a runner and their coach meet
them: screen → plan → deliver (handout, calendar, watch workouts) → two weeks of logging
with the pain-monitoring model → why → progress, then measures the mechanics of a real
running trial, forward against a time-reversed (synthetic, labelled) backward copy.
Everything it writes goes to one output folder; nothing touches the user's own database.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

_PROFILE = "novice-lateral-knee.toml"
_TRIAL = ("rbds_fukuchi2017", "RBDS001runT35.c3d", "RBDS001static.c3d")

#: The demo runner's two weeks: pain during, pain after, next-morning pain, extra log flags.
_SESSIONS: tuple[tuple[int, int, int, tuple[str, ...]], ...] = (
    (2, 2, 1, ()),
    (2, 1, 1, ()),
    (3, 3, 1, ()),
    (2, 2, 1, ()),
    (6, 5, 3, ("--notes", "windy; knee sore after 4 min")),
    (2, 2, 1, ()),
)


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def _find_profile() -> Path:
    for base in (Path.cwd(), _repo_root()):
        p = base / "examples" / "profiles" / _PROFILE
        if p.is_file():
            return p
    raise typer.BadParameter(
        f"example profile {_PROFILE} not found under ./examples/profiles; pass --profile FILE"
    )


def _find_data() -> Path | None:
    env = os.environ.get("RETRORUN_REAL_DATA")
    if env:
        candidates = [Path(env)]
    else:
        candidates = [b.parent / "shared" / "data" / "real" for b in (Path.cwd(), _repo_root())]
    return next((c for c in candidates if (c / _TRIAL[0] / _TRIAL[1]).is_file()), None)


def _default_start(today: date) -> date:
    """Monday three weeks ago: the demo's two logged weeks then lie in the past."""
    return today - timedelta(days=today.weekday() + 21)


def register(app: typer.Typer) -> None:
    """Add ``retrorun demo``."""

    @app.command("demo")
    def demo(
        out: Annotated[
            Path, typer.Option("--out", "-o", help="Folder for everything the demo writes.")
        ] = Path("retrorun-demo"),
        profile: Annotated[
            Path | None,
            typer.Option("--profile", "-p", help="Runner profile (default: the novice example)."),
        ] = None,
        data: Annotated[
            Path | None,
            typer.Option("--data", help="Real recordings folder (default ../shared/data/real)."),
        ] = None,
        start: Annotated[
            str | None,
            typer.Option("--start", help="Plan start, YYYY-MM-DD (default Monday 3 weeks ago)."),
        ] = None,
    ) -> None:
        """Run the main job end to end on a fresh SQLite database in --out."""
        from rich.console import Console
        from typer.main import get_command

        console = Console()
        cli = get_command(app)
        prof = profile or _find_profile()
        begin = date.fromisoformat(start) if start else _default_start(date.today())
        out.mkdir(parents=True, exist_ok=True)
        db_file = out / "retrorun.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        db = f"sqlite:///{db_file.resolve()}"

        def run(title: str, *args: str, today: date | None = None) -> None:
            console.rule(f"[bold]{title}")
            console.print(f"[dim]$ retrorun {' '.join(args)}[/]")
            if today is not None:
                os.environ["RETRORUN_TODAY"] = today.isoformat()
            try:
                cli.main(list(args), prog_name="retrorun", standalone_mode=False)
            except SystemExit as exc:  # a command that ends with typer.Exit(code)
                if exc.code not in (0, None, 2):
                    raise
            finally:
                os.environ.pop("RETRORUN_TODAY", None)

        p = str(prof)
        run("1. Screen the runner", "screen", p)
        run("2. Their backward-running plan", "plan", p, "--start", begin.isoformat())
        run(
            "3. Deliver it: printable handout",
            "plan",
            p,
            "--start",
            begin.isoformat(),
            "-f",
            "html",
            "-o",
            str(out / "plan.html"),
        )
        run(
            "3. Deliver it: calendar and watch workouts",
            "export-plan",
            p,
            "--start",
            begin.isoformat(),
            "--ics",
            str(out / "plan.ics"),
            "--fit",
            str(out / "workouts"),
        )
        run(
            "4. Store the athlete",
            "athlete",
            "add",
            "Sam",
            "--profile",
            p,
            "--start",
            begin.isoformat(),
            "--db",
            db,
            today=begin,
        )

        from retrorun.store import repository as repo
        from retrorun.store.db import open_session

        for i, (during, after, morning, extra) in enumerate(_SESSIONS, 1):
            with open_session(db) as s:
                athlete = repo.get_athlete(s)
                done = {r.session_id for r in repo.logs_of(s, athlete)}
                todo = [x for x in repo.schedule(s, athlete) if x["session_id"] not in done]
            if not todo:
                break
            day = date.fromisoformat(todo[0]["date"])
            run(
                f"5.{i} Log session {i} ({day})",
                "log",
                "--db",
                db,
                "--done",
                "yes",
                "--rpe",
                "4",
                "--pain-during",
                str(during),
                "--pain-after",
                str(after),
                "--looks-left",
                "5",
                "--looks-right",
                "5",
                "--surface",
                "track",
                *extra,
                today=day,
            )
            run(
                f"5.{i} Next morning",
                "morning",
                "--db",
                db,
                "--pain",
                str(morning),
                today=day + timedelta(days=1),
            )
        run("6. Why the plan changed", "why", "--db", db, "--last", "2")
        run(
            "7. Progress",
            "progress",
            "--db",
            db,
            "--png",
            str(out / "progress.png"),
            "--html",
            str(out / "progress.html"),
        )

        root = data or _find_data()
        if root is None:
            console.rule("[bold]8. Mechanics")
            console.print(
                "Skipped: the real recordings were not found (pass --data DIR, or set "
                "RETRORUN_REAL_DATA); see ../shared/data/real/README.md."
            )
        else:
            folder = root / _TRIAL[0]
            trial, static = str(folder / _TRIAL[1]), str(folder / _TRIAL[2])
            run(
                "8. Mechanics of a real run (treadmill, 3.5 m/s)",
                "analyze",
                trial,
                "--static",
                static,
                "--json",
                str(out / "forward.json"),
                "--html",
                str(out / "forward.html"),
            )
            run(
                "8. The same run time-reversed (SYNTHETIC backward running)",
                "analyze",
                trial,
                "--static",
                static,
                "--time-reverse",
                "--no-forces",
                "--json",
                str(out / "backward.json"),
                "--html",
                str(out / "backward.html"),
            )
            run(
                "9. Forward vs backward",
                "compare",
                str(out / "forward.json"),
                str(out / "backward.json"),
                "--html",
                str(out / "compare.html"),
                "--json",
                str(out / "compare.json"),
            )
        console.rule("[bold]Done")
        console.print(f"Everything the demo wrote is in [bold]{out}[/]:")
        for f in sorted(out.rglob("*")):
            if f.is_file() and "workouts" not in f.parts:
                console.print(f"  {f}")
        n_fit = len(list((out / "workouts").glob("*.fit")))
        console.print(f"  {out / 'workouts'}/ ({n_fit} FIT workouts)")
