"""Today's date, overridable with ``RETRORUN_TODAY`` (stdlib only; CLI and web app share it).

``RETRORUN_TODAY=YYYY-MM-DD`` fixes "today" for demos and tests. An invalid value is an error
everywhere (the CLI exits with it, the web app refuses to start), never silently ignored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date

__all__ = ["TODAY_ENV", "TodayError", "today", "today_override"]

TODAY_ENV = "RETRORUN_TODAY"


class TodayError(ValueError):
    """``RETRORUN_TODAY`` is set but is not an ISO date."""


def today_override(environ: Mapping[str, str] | None = None) -> date | None:
    """The date ``RETRORUN_TODAY`` fixes, or ``None`` when it is unset or blank.

    Raises
    ------
    TodayError
        The value is not an ISO date (``YYYY-MM-DD``); the message names the variable.
    """
    raw = (os.environ if environ is None else environ).get(TODAY_ENV, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise TodayError(f"{TODAY_ENV}={raw!r} is not an ISO date (YYYY-MM-DD)") from None


def today(environ: Mapping[str, str] | None = None) -> date:
    """``RETRORUN_TODAY`` if set, else the real local date (raises :class:`TodayError`)."""
    return today_override(environ) or date.today()
