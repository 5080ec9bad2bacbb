"""Live iCalendar subscription feed of an athlete's calendar in force.

The events come from :func:`retrorun.export.ics.build_calendar` (steps, cues, looks, a
30-minute alarm, ``VTIMEZONE``). The feed changes three things so calendar clients that
poll a subscription update events after a re-plan instead of duplicating them:

- ``UID`` = ``<scope>-<date>@retrorun`` (``build_calendar(uid_prefix=...)``): one event per
  athlete and training day. The prescription engine's session ids restart their week numbers
  after every re-plan, so they are not stable; the day is. *scope* is a hash of the athlete's
  feed token: unique per athlete, and it reveals nothing.
- ``SEQUENCE`` = the number of the plan version the session comes from; it grows with
  every re-plan, which is what RFC 5545 asks of a revised event. Days a re-plan dropped are
  sent as ``STATUS:CANCELLED`` events (``retrorun.export.plan_source.plan_from_store``).
- ``REFRESH-INTERVAL`` / ``X-PUBLISHED-TTL`` ask clients to poll every
  :data:`REFRESH` (clients may poll less often: Google Calendar refreshes subscriptions
  every few hours to a day).

The feed holds the plan only: the notes of logged sessions (pain, RPE) that
``export-plan --athlete`` writes into its file are left out, since a feed link is shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from retrorun import DISCLAIMER

#: How often calendar clients are asked to poll the feed.
REFRESH = timedelta(hours=6)


def feed_ics(
    sessions: Sequence[dict[str, Any]],
    *,
    athlete: str,
    scope: str,
    tz: str = "Europe/Berlin",
    at: time = time(7, 0),
    stamp: datetime | None = None,
    cancelled: Sequence[dict[str, Any]] = (),
) -> bytes:
    """The iCalendar bytes of *sessions* (a calendar in force, each with ``plan_version``).

    Parameters
    ----------
    sessions
        Session dicts (``Session.to_dict()`` plus ``plan_version``).
    athlete
        Name shown in the calendar's title.
    scope
        Stable per-athlete prefix of the event UIDs.
    tz, at
        IANA time zone and local start time of every session.
    stamp
        ``DTSTAMP`` (default: now, UTC).
    cancelled
        Sessions a re-plan dropped (``StoredPlanExport.cancelled``): ``STATUS:CANCELLED``.
    """
    from icalendar import vDuration

    from retrorun.export.ics import build_calendar

    by_day = {str(s.get("date")): str(s.get("session_id")) for s in sessions}
    plan = {
        "plan_id": f"{scope}-feed",
        "athlete": athlete,
        "disclaimer": DISCLAIMER,
        "sessions": list(sessions),
    }
    cal = build_calendar(
        plan, tz=tz, at=at, stamp=stamp or datetime.now(UTC), uid_prefix=scope,
        cancelled=cancelled,
    )
    cal.add("method", "PUBLISH")
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal["X-PUBLISHED-TTL"] = vDuration(REFRESH)
    for ev in cal.walk("VEVENT"):
        day = ev.decoded("DTSTART").date().isoformat()
        if str(ev.get("STATUS", "")) != "CANCELLED" and day in by_day:
            ev.add("X-RETRORUN-SESSION", by_day[day])
    return cal.to_ical()


def rotate_token(session, athlete) -> str:
    """Give *athlete* a new feed token (the old feed URL stops working); return it."""
    from retrorun.store.models import new_feed_token

    athlete.feed_token = new_feed_token()
    session.commit()
    return athlete.feed_token
