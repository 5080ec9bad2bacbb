"""ICS export: RFC 5545 essentials and a parser round trip with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from _plan_fixture import plan
from retrorun.export.ics import build_calendar, session_seconds, write_ics


def test_ics_round_trip(tmp_path):
    p = plan(4)
    out = write_ics(
        p,
        tmp_path / "plan.ics",
        tz="Europe/Berlin",
        at=time(7, 30),
        stamp=datetime(2026, 11, 25, 12, tzinfo=UTC),
    )
    raw = out.read_bytes()
    # CRLF line ends, lines folded at ≤ 75 octets (RFC 5545 §3.1)
    lines = raw.split(b"\r\n")
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 75
    cal = icalendar.Calendar.from_ical(raw)
    assert cal["VERSION"] == "2.0" and "retrorun" in str(cal["PRODID"])
    tzs = list(cal.walk("VTIMEZONE"))
    assert [str(z["TZID"]) for z in tzs] == ["Europe/Berlin"]
    events = list(cal.walk("VEVENT"))
    assert len(events) == 4
    berlin = ZoneInfo("Europe/Berlin")
    for ev, s in zip(events, p["weeks"][0]["sessions"], strict=True):
        assert str(ev["UID"]) == f"{s['session_id']}@retrorun"
        assert ev["DTSTAMP"].dt == datetime(2026, 11, 25, 12, tzinfo=UTC)
        start = ev["DTSTART"].dt
        assert start.tzinfo is not None and start.utcoffset() == timedelta(hours=1)
        assert start.replace(tzinfo=None) == datetime.fromisoformat(s["date"] + "T07:30")
        assert ev["DTSTART"].params["TZID"] == "Europe/Berlin"
        assert ev["DTEND"].dt - start == timedelta(seconds=session_seconds(s))
        assert start.astimezone(berlin).hour == 7
        desc = str(ev["DESCRIPTION"])
        # steps and cues survive escaping and folding (commas, semicolons, newlines)
        assert "6 × 30 s Backward jog (≤ 1.90 m/s = 8:46/km" in desc
        assert "look over the left, then the right shoulder" in desc
        assert "Looks behind: 3 left / 3 right, every 20 s: L R L R L R" in desc
        assert "Cue: lane 1 is fine; keep clear of faster runners" in desc
        assert "Not medical advice." in desc
        assert "\n" in desc
        (alarm,) = list(ev.walk("VALARM"))
        assert alarm["TRIGGER"].dt == -timedelta(minutes=30)
    # re-serialising the parsed calendar gives the same bytes (stable feed)
    assert cal.to_ical() == raw


def test_uids_stable_across_exports():
    a = build_calendar(plan(2)).to_ical()
    b = build_calendar(plan(2)).to_ical()
    uid = [line for line in a.split(b"\r\n") if line.startswith(b"UID:")]
    assert uid == [line for line in b.split(b"\r\n") if line.startswith(b"UID:")]


def test_other_time_zone():
    cal = build_calendar(plan(1), tz="America/New_York", at=time(6, 0))
    (ev,) = list(cal.walk("VEVENT"))
    assert ev["DTSTART"].params["TZID"] == "America/New_York"
    assert ev["DTSTART"].dt.utcoffset() == timedelta(hours=-5)
