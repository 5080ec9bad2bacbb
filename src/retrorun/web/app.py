"""The retrorun web app for coaches and clinics (FastAPI, server-rendered HTML + JSON).

Read-only: logging stays in the command line. Pages (coach):

==========================================  ==============================================
``GET /``                                   athletes, the one who needs attention first
``GET /athletes/{id}``                      flags, plan, next sessions, logs + decisions
                                            with reasons and evidence, progress
``GET /athletes/{id}/progress.svg``         the progress plot
``GET /athletes/{id}/handout``              printable handout of the current plan version
``GET /athletes/{id}/plan.md``              the same as Markdown
``GET /api/athletes``, ``/api/athletes/{id}``  the same data as JSON
==========================================  ==============================================

Feeds (calendar clients; the secret token is the only credential, so a feed works in
Google/Apple/Outlook without the coach password):

``GET /feeds/{token}/plan.ics`` and ``GET /athletes/{id}/plan.ics?token=TOKEN``;
optional ``tz`` (IANA zone) and ``time`` (HH:MM) query parameters.

Coach pages need ``RETRORUN_WEB_TOKEN`` (when set) as HTTP Basic password (any user name)
or as ``Authorization: Bearer TOKEN``. ``RETRORUN_TODAY=YYYY-MM-DD`` overrides today's date
(demos, tests) as in the command line.
"""

from __future__ import annotations

import base64
import hmac
import os
import threading
from collections.abc import Iterator
from contextlib import asynccontextmanager
from datetime import date, time
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from retrorun import DISCLAIMER, __version__
from retrorun._clock import today as _today
from retrorun._clock import today_override
from retrorun.training.report import describe_session
from retrorun.web import data
from retrorun.web.flags import SEVERITY_NAMES

TOKEN_ENV = "RETRORUN_WEB_TOKEN"

_SECURITY_HEADERS = {
    # No scripts at all; inline CSS only; images from this server (the progress plot).
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # Feed URLs carry a secret: never send them on as a Referer.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
#: Matplotlib's pyplot state is global: draw one figure at a time.
_PLOT_LOCK = threading.Lock()
#: Progress plots kept per app (≈ 60 kB each): a plot is drawn again only when its numbers
#: change (a new log, a new day).
PLOT_CACHE_SIZE = 256


@lru_cache(maxsize=1)
def _env():  # -> jinja2.Environment
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("retrorun.web", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["num"] = _num
    env.globals["SEVERITY_NAMES"] = SEVERITY_NAMES
    env.globals["describe_session"] = describe_session
    return env


def _num(v: Any, fmt: str = "{:.1f}") -> str:
    if v is None:
        return "–"
    if isinstance(v, float) and fmt == "{:.1f}" and float(v).is_integer():
        return f"{v:g}"
    return fmt.format(v)


def _parse_time(s: str) -> time:
    hh, mm = s.split(":")
    return time(int(hh), int(mm))


def _get_session(request: Request) -> Iterator[Session]:
    with request.app.state.session_factory() as s:
        yield s


#: A database session per request (closed when the response is sent).
DbSession = Annotated[Session, Depends(_get_session)]


def create_app(
    database_url: str | None = None,
    *,
    web_token: str | None = None,
    tz: str = "Europe/Berlin",
    at: str = "07:00",
    today: date | None = None,
) -> FastAPI:
    """Build the app on the database at *database_url* (migrated on first use).

    Parameters
    ----------
    database_url
        SQLAlchemy URL; default ``RETRORUN_DATABASE_URL`` or the user's SQLite file.
    web_token
        Coach password/token; default the ``RETRORUN_WEB_TOKEN`` environment variable.
        Empty means no password (fine on 127.0.0.1, not on a network).
    tz, at
        Default time zone and local start time (``HH:MM``) of the feed's events.
    today
        Fixed "today" (tests); default ``RETRORUN_TODAY`` or the real date, per request.

    Raises
    ------
    retrorun.store.db.StoreError
        The database cannot be opened.
    retrorun._clock.TodayError
        ``RETRORUN_TODAY`` is set but is not an ISO date (checked at start and per request).
    ValueError
        *tz* or *at* is invalid.
    """
    from retrorun.store.db import make_engine, session_factory

    if today is None:
        today_override()  # an invalid RETRORUN_TODAY stops the start with a clear message

    ZoneInfo(tz)  # raises on an unknown zone
    default_at = _parse_time(at)
    token = os.environ.get(TOKEN_ENV, "") if web_token is None else web_token
    engine = make_engine(database_url, read_only=True)
    factory = session_factory(engine)
    cache = data.CalendarCache()
    plots: dict[tuple[str, str], str] = {}  # drawn SVGs, oldest first

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        engine.dispose()

    app = FastAPI(
        title="retrorun",
        version=__version__,
        description=DISCLAIMER,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.engine = engine
    app.state.session_factory = factory
    app.state.cache = cache
    app.state.plots = plots
    app.state.auth = bool(token)

    def day() -> date:
        return today or _today()

    def coach(request: Request) -> None:
        if not token:
            return
        header = request.headers.get("authorization", "")
        scheme, _, cred = header.partition(" ")
        given = ""
        if scheme.lower() == "bearer":
            given = cred.strip()
        elif scheme.lower() == "basic":
            try:
                given = base64.b64decode(cred.strip()).decode("utf-8").partition(":")[2]
            except (ValueError, UnicodeDecodeError):
                given = ""
        if not given or not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(
                status_code=401,
                detail="coach password needed (RETRORUN_WEB_TOKEN)",
                headers={"WWW-Authenticate": 'Basic realm="retrorun", charset="UTF-8"'},
            )

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        for k, v in _SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        # Health data: no shared or browser caching of coach pages or feeds.
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def page(name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        html = _env().get_template(name).render(
            disclaimer=DISCLAIMER, version=__version__, today=day().isoformat(), **ctx
        )
        return HTMLResponse(html, status_code=status)

    @app.exception_handler(data.NotFound)
    async def not_found(request: Request, exc: data.NotFound):
        if request.url.path.startswith("/api/") or request.url.path.endswith(".ics"):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        return page("error.html.j2", 404, title="Not found", message=str(exc))

    coach_router = APIRouter(dependencies=[Depends(coach)])

    @coach_router.get("/", response_class=HTMLResponse)
    def overview_page(request: Request, s: DbSession):
        rows = data.overview(s, cache, day())
        counts = {n: sum(r["severity"] == i for r in rows) for i, n in enumerate(SEVERITY_NAMES)}
        counts["ok"] = sum(r["severity"] is None for r in rows)
        return page("overview.html.j2", title="Athletes", rows=rows, counts=counts)

    @coach_router.get("/api/athletes")
    def overview_json(s: DbSession) -> dict[str, Any]:
        return {
            "today": day().isoformat(),
            "disclaimer": DISCLAIMER,
            "athletes": data.overview(s, cache, day()),
        }

    @coach_router.get("/athletes/{athlete_id}", response_class=HTMLResponse)
    def athlete_page(athlete_id: int, request: Request, s: DbSession):
        d = data.athlete_detail(s, cache, athlete_id, day())
        a = data.get_athlete(s, athlete_id)
        feed = str(request.url_for("feed_by_token", token=a.feed_token))
        return page(
            "athlete.html.j2",
            title=d["name"],
            a=d,
            feed_url=feed,
            webcal_url="webcal://" + feed.split("://", 1)[1],
        )

    @coach_router.get("/api/athletes/{athlete_id}")
    def athlete_json(
        athlete_id: int, request: Request, s: DbSession
    ) -> dict[str, Any]:
        d = data.athlete_detail(s, cache, athlete_id, day())
        a = data.get_athlete(s, athlete_id)
        return {
            "today": day().isoformat(),
            "disclaimer": DISCLAIMER,
            "feed_url": str(request.url_for("feed_by_token", token=a.feed_token)),
            **d,
        }

    @coach_router.get("/athletes/{athlete_id}/progress.svg")
    def progress_svg(athlete_id: int, s: DbSession):
        import io

        name, rep = data.progress_for_plot(s, cache, athlete_id, day())
        if rep is None:
            raise data.NotFound(f"{name} has no plan and no logs: nothing to plot")
        from retrorun.training.plots import progress_figure

        key = (name, repr(rep))  # the report holds every number the plot draws
        with _PLOT_LOCK:
            svg = plots.get(key)
            if svg is None:
                import matplotlib.pyplot as plt

                fig = progress_figure(rep, f"{name}: backward-running progress")
                buf = io.StringIO()
                fig.savefig(buf, format="svg")
                plt.close(fig)
                svg = plots[key] = buf.getvalue()
                while len(plots) > PLOT_CACHE_SIZE:
                    plots.pop(next(iter(plots)))
        return Response(svg, media_type="image/svg+xml")

    @coach_router.get("/athletes/{athlete_id}/handout", response_class=HTMLResponse)
    def handout(athlete_id: int, s: DbSession):
        from retrorun.export.handout import render_html

        a, plan = data.current_plan_object(s, athlete_id)
        if plan is None:
            raise data.NotFound(f"{a.name} has no plan in force ({a.status})")
        return HTMLResponse(render_html(plan))

    @coach_router.get("/athletes/{athlete_id}/plan.md")
    def handout_md(athlete_id: int, s: DbSession):
        from retrorun.export.handout import render_markdown

        a, plan = data.current_plan_object(s, athlete_id)
        if plan is None:
            raise data.NotFound(f"{a.name} has no plan in force ({a.status})")
        return Response(render_markdown(plan), media_type="text/markdown; charset=utf-8")

    app.include_router(coach_router)

    # ------------------------------------------------------------------ feeds (token only)

    def ics_response(s: Session, a, tz_q: str | None, time_q: str | None) -> Response:
        from retrorun.web.feed import feed_ics

        zone = tz_q or tz
        try:
            ZoneInfo(zone)
        except Exception:
            raise HTTPException(400, f"tz: unknown time zone {zone!r}") from None
        try:
            start = _parse_time(time_q) if time_q else default_at
        except ValueError:
            raise HTTPException(400, f"time must be HH:MM, not {time_q!r}") from None
        sessions: list[dict[str, Any]] = []
        cancelled: list[dict[str, Any]] = []
        if a.status != "no_plan":
            from retrorun.export.plan_source import plan_from_store

            exp = plan_from_store(s, a.name, day())
            # The plan only: no notes of logged sessions (pain) in a link that gets shared.
            sessions = [
                {k: v for k, v in x.items() if k != "log_note"}
                for x in exp.calendar["sessions"]
            ]
            cancelled = exp.cancelled
        body = feed_ics(
            sessions,
            athlete=a.name,
            scope=data.feed_scope(a),
            tz=zone,
            at=start,
            cancelled=cancelled,
        )
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": 'inline; filename="retrorun-plan.ics"'},
        )

    # HEAD too: some calendar clients check a subscription URL before fetching it.
    @app.api_route("/feeds/{token}/plan.ics", methods=["GET", "HEAD"], name="feed_by_token")
    def feed_by_token(
        token: str,
        s: DbSession,
        tz: str | None = None,
        time: str | None = None,
    ):
        return ics_response(s, data.athlete_by_token(s, token), tz, time)

    @app.api_route("/athletes/{athlete_id}/plan.ics", methods=["GET", "HEAD"])
    def feed_by_id(
        athlete_id: int,
        s: DbSession,
        token: str = "",
        tz: str | None = None,
        time: str | None = None,
    ):
        a = data.athlete_by_token(s, token)  # 404 without the right token
        if a.id != athlete_id:
            raise data.NotFound("unknown feed")
        return ics_response(s, a, tz, time)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)  # no icon; keeps browsers' request from a 404

    @app.api_route("/healthz", methods=["GET", "HEAD"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
