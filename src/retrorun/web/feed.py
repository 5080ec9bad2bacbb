"""Live iCalendar subscription feed of an athlete's calendar in force.

The events come from :func:`retrorun.export.ics.build_calendar` (steps, cues, looks, a
30-minute alarm, ``VTIMEZONE``). The feed changes three things so calendar clients that
poll a subscription update events after a re-plan instead of duplicating them:

- ``UID`` = ``<scope>-<date>@retrorun``: one event per athlete and training day. The
  prescription engine's session ids restart their week numbers after every re-plan
  (``2026-03-07-w2s1`` may become ``2026-03-07-w1s1``), so they are not stable; the day is.
  *scope* is a hash of the athlete's feed token: unique per athlete, and it reveals nothing.
- ``SEQUENCE`` = the number of the plan version the session comes from; it grows with
  every re-plan, which is what RFC 5545 asks of a revised event.
- ``REFRESH-INTERVAL`` / ``X-PUBLISHED-TTL`` ask clients to poll every
  :data:`REFRESH` (clients may poll less often: Google Calendar refreshes subscriptions
  every few hours to a day).

Sessions a re-plan removed are simply absent from the next fetch; subscribed calendars
drop them.
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
    """
    from icalendar import vDuration

    from retrorun.export.ics import build_calendar

    by_id = {str(s.get("session_id")): s for s in sessions}
    plan = {
        "plan_id": f"{scope}-feed",
        "athlete": athlete,
        "disclaimer": DISCLAIMER,
        "sessions": list(sessions),
    }
    cal = build_calendar(plan, tz=tz, at=at, stamp=stamp or datetime.now(UTC))
    cal.add("method", "PUBLISH")
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal["X-PUBLISHED-TTL"] = vDuration(REFRESH)
    seen: dict[str, int] = {}
    for ev in cal.walk("VEVENT"):
        old_uid = str(ev["UID"])
        sid = old_uid.removesuffix("@retrorun")
        s = by_id.get(sid, {})
        day = str(s.get("date") or ev.decoded("DTSTART").date().isoformat())
        n = seen[day] = seen.get(day, 0) + 1
        ev["UID"] = f"{scope}-{day}{'' if n == 1 else f'-{n}'}@retrorun"
        ev.add("sequence", int(s.get("plan_version") or 0))
        if sid:
            ev.add("X-RETRORUN-SESSION", sid)
    return cal.to_ical()


def rotate_token(session, athlete) -> str:
    """Give *athlete* a new feed token (the old feed URL stops working); return it."""
    from retrorun.store.models import new_feed_token

    athlete.feed_token = new_feed_token()
    session.commit()
    return athlete.feed_token
