"""``retrorun serve`` (the coach web app) and ``retrorun feed`` (calendar-feed links).

Typer and the standard library only at module level: FastAPI, uvicorn and SQLAlchemy are
imported inside the commands, so ``retrorun --help`` stays fast and works without the
``web`` extra.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from typing import Annotated

import typer

TOKEN_ENV = "RETRORUN_WEB_TOKEN"


def _fail(msg: str, code: int = 1):
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default RETRORUN_DATABASE_URL or the user file)."),
    ] = None,
    tz: Annotated[str, typer.Option("--tz", help="Time zone of the feeds' events.")] = (
        "Europe/Berlin"
    ),
    time: Annotated[
        str, typer.Option("--time", help="Local start time of each session in the feeds (HH:MM).")
    ] = "07:00",
) -> None:
    """Serve the read-only coach web app and the athletes' calendar feeds.

    Binds to 127.0.0.1 unless told otherwise. Set RETRORUN_WEB_TOKEN to require a coach
    password (HTTP Basic, any user name, or a Bearer token); binding to any other address
    without it is refused. Calendar feeds need only their secret link.
    """
    token = os.environ.get(TOKEN_ENV, "")
    if not _is_loopback(host) and not token:
        _fail(
            f"refusing to serve athletes' health data on {host} without a password: "
            f"set {TOKEN_ENV} (and put HTTPS in front), or keep --host 127.0.0.1"
        )
    try:
        import uvicorn

        from retrorun.web.app import create_app
    except ImportError as exc:
        _fail(
            f"the web app needs the 'web' extra ({exc.name} is missing): "
            "pip install 'retrorun[web]'"
        )
    from retrorun._clock import TodayError
    from retrorun.store.db import StoreError

    try:
        app = create_app(db, tz=tz, at=time)
    except (StoreError, TodayError) as exc:
        _fail(str(exc))
    except ValueError as exc:
        _fail(f"--tz/--time: {exc}")
    except Exception as exc:  # unknown zone (ZoneInfoNotFoundError is a KeyError)
        _fail(f"cannot start: {type(exc).__name__}: {exc}")
    auth = "coach password required" if token else "no password: loopback only"
    typer.echo(f"retrorun web on http://{host}:{port}/ ({auth}); Ctrl+C stops it.", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def feed(
    name: Annotated[str, typer.Argument(help="Athlete name.")],
    rotate: Annotated[
        bool, typer.Option("--rotate", help="Make a new secret link; the old one stops working.")
    ] = False,
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where `retrorun serve` is reached from outside.")
    ] = "http://127.0.0.1:8000",
    db: Annotated[str | None, typer.Option("--db", help="Database URL.")] = None,
) -> None:
    """Print an athlete's private calendar-feed link (optionally a new one)."""
    from retrorun.store.db import StoreError, make_engine, session_factory
    from retrorun.store.repository import RepositoryError, get_athlete

    try:
        engine = make_engine(db)
    except StoreError as exc:
        _fail(str(exc))
    try:
        with session_factory(engine)() as s:
            try:
                a = get_athlete(s, name)
            except RepositoryError as exc:
                _fail(str(exc))
            if rotate:
                from retrorun.web.feed import rotate_token

                rotate_token(s, a)
                typer.echo("New link made; the old one no longer works.", err=True)
            url = f"{base_url.rstrip('/')}/feeds/{a.feed_token}/plan.ics"
            typer.echo(url)
            if sys.stdout.isatty():
                typer.echo("Subscribe to it in Google/Apple/Outlook calendar; keep it private.")
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``feed``."""
    app.command("serve")(serve)
    app.command("feed")(feed)
