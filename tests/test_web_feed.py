"""Calendar subscription feeds: token-protected, parse with icalendar, hold the calendar in
force, and keep their event UIDs across a re-plan so clients update instead of duplicating."""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import pytest

pytest.importorskip("fastapi")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from icalendar import Calendar

from retrorun import DISCLAIMER
from retrorun.export.ics import session_title
from store_helpers import entry_for
from web_fixtures import TODAY, fill_clinic


@pytest.fixture
def clinic(tmp_path):
    from retrorun.store.db import make_engine, session_factory

    url = f"sqlite:///{tmp_path / 'clinic.sqlite'}"
    engine = make_engine(url)
    factory = session_factory(engine)
    with factory() as s:
        ids = fill_clinic(s)
    yield url, ids, factory
    engine.dispose()


@pytest.fixture
def client(clinic):
    from retrorun.web.app import create_app

    with TestClient(create_app(clinic[0], today=TODAY, web_token="")) as c:
        yield c


def token_of(factory, name: str) -> str:
    from retrorun.store.repository import get_athlete

    with factory() as s:
        return get_athlete(s, name).feed_token


def schedule_of(factory, name: str) -> list[dict]:
    from retrorun.store.repository import get_athlete, schedule

    with factory() as s:
        return schedule(s, get_athlete(s, name))


def events(body: bytes, *, cancelled: bool = False) -> list:
    """The live events of a feed (or, with *cancelled*, the ``STATUS:CANCELLED`` ones)."""
    return [e for e in Calendar.from_ical(body).walk("VEVENT")
            if (str(e.get("STATUS", "")) == "CANCELLED") == cancelled]


def test_feed_has_the_plans_sessions(client, clinic) -> None:
    _, ids, factory = clinic
    tok = token_of(factory, "Sam")
    r = client.get(f"/feeds/{tok}/plan.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    assert str(cal["METHOD"]) == "PUBLISH" and "Sam" in str(cal["X-WR-CALNAME"])
    assert cal.decoded("REFRESH-INTERVAL") == timedelta(hours=6)
    evs = events(r.content)
    sched = schedule_of(factory, "Sam")
    # One event per session in force, past and future, on its day at 07:00 Berlin time.
    assert sorted(e.decoded("DTSTART").date().isoformat() for e in evs) == sorted(
        s["date"] for s in sched)
    assert all(e.decoded("DTSTART").strftime("%H:%M %Z") in ("07:00 CET", "07:00 CEST")
               for e in evs)
    by_day = {s["date"]: s for s in sched}
    for e in evs:
        day = e.decoded("DTSTART").date().isoformat()
        assert str(e["UID"]).endswith(f"-{day}@retrorun")
        assert int(e["SEQUENCE"]) == by_day[day]["plan_version"]
        assert str(e["X-RETRORUN-SESSION"]) == by_day[day]["session_id"]
        assert str(e["SUMMARY"]) == session_title(by_day[day])
        assert DISCLAIMER in str(e["DESCRIPTION"])
    assert len({str(e["UID"]) for e in evs}) == len(evs)
    # The plan only: the logged sessions' notes (pain, RPE) stay out of a shared link.
    assert "Logged 2026-03-02" not in r.text and "pain during/after" not in r.text
    # The same feed through the id route needs the same token.
    r2 = client.get(f"/athletes/{ids['Sam']}/plan.ics", params={"token": tok})
    assert r2.status_code == 200
    assert [str(e["UID"]) for e in events(r2.content)] == [str(e["UID"]) for e in evs]


def test_bad_or_missing_token_is_404(client, clinic) -> None:
    _, ids, factory = clinic
    sam, mia = ids["Sam"], ids["Mia"]
    tok = token_of(factory, "Sam")
    assert len(tok) >= 43  # 32 random bytes
    assert client.get(f"/feeds/{tok[:-1]}x/plan.ics").status_code == 404
    assert client.get("/feeds/x/plan.ics").status_code == 404
    assert client.get(f"/feeds/{'a' * 200}/plan.ics").status_code == 404
    # No token-less feed, and an athlete's token does not open another athlete's feed.
    assert client.get(f"/athletes/{sam}/plan.ics").status_code == 404
    assert client.get(f"/athletes/{sam}/plan.ics", params={"token": ""}).status_code == 404
    assert client.get(f"/athletes/{mia}/plan.ics", params={"token": tok}).status_code == 404
    assert client.get("/feeds//plan.ics").status_code == 404
    # Tokens differ between athletes, and the UIDs reveal neither token nor id.
    assert token_of(factory, "Mia") != tok
    body = client.get(f"/feeds/{tok}/plan.ics").text
    assert tok not in body


def test_feed_time_zone_and_start_time(client, clinic) -> None:
    tok = token_of(clinic[2], "Sam")
    r = client.get(f"/feeds/{tok}/plan.ics", params={"tz": "America/New_York", "time": "18:30"})
    e = events(r.content)[0]
    assert e.decoded("DTSTART").strftime("%H:%M") == "18:30"
    assert str(e.decoded("DTSTART").tzinfo) == "America/New_York"
    bad = client.get(f"/feeds/{tok}/plan.ics", params={"tz": "Mars/Olympus"})
    assert bad.status_code == 400 and "unknown time zone" in bad.text
    assert client.get(f"/feeds/{tok}/plan.ics", params={"time": "7h"}).status_code == 400


def test_replan_updates_events_in_place(client, clinic) -> None:
    """A painful session re-plans the future: same-day events keep their UID and get a higher
    SEQUENCE; dropped days disappear; past events are untouched."""
    from retrorun.store.repository import add_morning, get_athlete, log_session, logs_of

    factory = clinic[2]
    tok = token_of(factory, "Sam")
    before = {str(e["UID"]): e for e in events(client.get(f"/feeds/{tok}/plan.ics").content)}
    with factory() as s:
        logged = {r.session_id for r in logs_of(s, get_athlete(s, "Sam"))}
    nxt = next(x for x in schedule_of(factory, "Sam") if x["session_id"] not in logged)
    day = date.fromisoformat(nxt["date"])
    with factory() as s:
        log_session(s, "Sam", entry_for(nxt, pain=6, morning=None), today=day)
        add_morning(s, "Sam", 4, today=day + timedelta(days=1), session_id=nxt["session_id"])
    body = client.get(f"/feeds/{tok}/plan.ics").content
    after = {str(e["UID"]): e for e in events(body)}
    gone = {str(e["UID"]) for e in events(body, cancelled=True)}
    # A day the re-plan dropped is sent as cancelled under its old UID.
    assert set(before) - set(after) <= gone
    sched = schedule_of(factory, "Sam")
    assert sorted(e.decoded("DTSTART").date().isoformat() for e in after.values()) == sorted(
        s["date"] for s in sched)
    newest = max(s["plan_version"] for s in sched)
    assert newest > max(int(e["SEQUENCE"]) for e in before.values())
    kept = set(before) & set(after)
    changed = [u for u in kept if int(after[u]["SEQUENCE"]) > int(before[u]["SEQUENCE"])]
    assert changed, "a re-plan must bump SEQUENCE of the sessions it replaces"
    for u in kept:
        if after[u].decoded("DTSTART").date() <= day:  # the past is never rewritten
            assert after[u]["SEQUENCE"] == before[u]["SEQUENCE"]
            assert str(after[u]["SUMMARY"]) == str(before[u]["SUMMARY"])
    # A regress re-plan lowers the minutes: the same day now has a different summary.
    assert any(str(after[u]["SUMMARY"]) != str(before[u]["SUMMARY"]) for u in changed)


def test_referred_and_stopped_feeds(client, clinic) -> None:
    factory = clinic[2]
    ref = events(client.get(f"/feeds/{token_of(factory, 'Ref')}/plan.ics").content)
    assert ref == []  # screened "refer": no plan, an empty but valid calendar
    tom_sched = schedule_of(factory, "Tom")
    body = client.get(f"/feeds/{token_of(factory, 'Tom')}/plan.ics").content
    tom = events(body)
    # Stopped after the red flag on 2026-03-06: nothing live after that day any more, and the
    # days the first plan had after it are sent as cancelled so calendars drop them.
    assert tom and max(e.decoded("DTSTART").date() for e in tom) == date(2026, 3, 6)
    assert len(tom) == len(tom_sched)
    gone = events(body, cancelled=True)
    assert gone and min(e.decoded("DTSTART").date() for e in gone) > date(2026, 3, 6)
    assert all(str(e["SUMMARY"]).startswith("Cancelled: ") for e in gone)


def test_rotating_the_token_revokes_the_old_link(client, clinic) -> None:
    from typer.testing import CliRunner

    from retrorun.cli import app

    url, _, factory = clinic
    old = token_of(factory, "Sam")
    res = CliRunner().invoke(app, ["feed", "Sam", "--db", url, "--base-url", "https://c.example/"])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == f"https://c.example/feeds/{old}/plan.ics"
    res = CliRunner().invoke(app, ["feed", "Sam", "--rotate", "--db", url])
    assert res.exit_code == 0, res.output
    new = token_of(factory, "Sam")
    assert new != old and res.stdout.strip().endswith(f"/feeds/{new}/plan.ics")
    assert client.get(f"/feeds/{old}/plan.ics").status_code == 404
    assert client.get(f"/feeds/{new}/plan.ics").status_code == 200
    res = CliRunner().invoke(app, ["feed", "Nobody", "--db", url])
    assert res.exit_code == 1 and "no athlete called 'Nobody'" in res.output


def test_migration_gives_existing_athletes_unique_tokens(tmp_path) -> None:
    """A database made before feeds (revision 0001) gets a token per athlete on upgrade."""
    from sqlalchemy import text

    from retrorun.store import db as dbmod

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = dbmod.make_engine(url, migrate=False)
    dbmod.upgrade(engine, "0001")
    with engine.begin() as c:
        for i, n in enumerate(("A", "B", "C")):
            c.execute(text("INSERT INTO athlete (id, name, status, created_at) "
                           "VALUES (:i, :n, 'active', '2026-03-01 00:00:00')"),
                      {"i": i + 1, "n": n})
    dbmod.upgrade(engine)
    assert dbmod.current_revision(engine) == dbmod.head_revision() == "0003"
    with engine.connect() as c:
        toks = [r[0] for r in c.execute(text("SELECT feed_token FROM athlete ORDER BY name"))]
    assert len(toks) == 3 and len(set(toks)) == 3 and all(len(t) == 43 for t in toks)
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError, match=r"(?i)unique"), engine.begin() as c:
        # B takes A's token
        c.execute(text("UPDATE athlete SET feed_token = :t WHERE name = 'B'"), {"t": toks[0]})
    from alembic import command

    with engine.begin() as c:  # and back down
        command.downgrade(dbmod._alembic_config(c), "0001")
    with engine.connect() as c:
        cols = [r[1] for r in c.execute(text("PRAGMA table_info(athlete)"))]
    assert "feed_token" not in cols
    engine.dispose()


def test_head_request_on_a_feed(client, clinic) -> None:
    tok = token_of(clinic[2], "Sam")
    r = client.head(f"/feeds/{tok}/plan.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert r.content == b""
    assert client.head("/feeds/nope/plan.ics").status_code == 404


def test_progress_plot_is_redrawn_only_when_its_numbers_change(clinic) -> None:
    from retrorun.store.repository import get_athlete, log_session, logs_of
    from retrorun.web.app import create_app

    _, ids, factory = clinic
    app = create_app(clinic[0], today=TODAY + timedelta(days=7), web_token="")
    with TestClient(app) as c:
        first = c.get(f"/athletes/{ids['Sam']}/progress.svg").text
        assert c.get(f"/athletes/{ids['Sam']}/progress.svg").text == first
        assert len(app.state.plots) == 1
        with factory() as s:
            logged = {r.session_id for r in logs_of(s, get_athlete(s, "Sam"))}
        nxt = next(x for x in schedule_of(factory, "Sam") if x["session_id"] not in logged)
        with factory() as s:
            log_session(s, "Sam", entry_for(nxt, morning=None),
                        today=date.fromisoformat(nxt["date"]))
        c.get(f"/athletes/{ids['Sam']}/progress.svg")
        assert len(app.state.plots) == 2  # a new log: new numbers, drawn again
