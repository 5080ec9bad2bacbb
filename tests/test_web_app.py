"""The coach web app through FastAPI's TestClient, on a clinic filled by the store's
repository functions (``web_fixtures.fill_clinic``): flags, pages, JSON, auth, feeds."""

from __future__ import annotations

import base64
import re
import warnings
from datetime import date, timedelta

import pytest

pytest.importorskip("fastapi")
with warnings.catch_warnings():  # starlette >= 1.x: "install httpx2" notice at import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from retrorun import DISCLAIMER
from store_fixtures import db_url  # noqa: F401  (fixture)
from web_fixtures import TODAY, fill_clinic


def _engine_session(url):
    from retrorun.store.db import make_engine, session_factory

    engine = make_engine(url)
    return engine, session_factory(engine)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    """A SQLite clinic shared by the read-only tests of this module: (url, ids)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'clinic.sqlite'}"
    engine, factory = _engine_session(url)
    with factory() as s:
        ids = fill_clinic(s)
    engine.dispose()
    return url, ids


@pytest.fixture(scope="module")
def client(clinic):
    from retrorun.web.app import create_app

    with TestClient(create_app(clinic[0], today=TODAY, web_token="")) as c:
        yield c


def names_in_page(html: str) -> list[str]:
    return re.findall(r'data-athlete="([^"]+)"', html)


def test_overview_sorts_by_severity(client) -> None:
    j = client.get("/api/athletes").json()
    rows = j["athletes"]
    assert [r["name"] for r in rows] == ["Tom", "Ref", "Mia", "Sam"]
    by = {r["name"]: r for r in rows}
    # Tom: stopped by a red flag (two critical flags) before Ref (referred at screening: one).
    assert [f["code"] for f in by["Tom"]["flags"]][:2] == ["stopped", "red_flag"]
    assert "knee gave way" in by["Tom"]["flags"][1]["detail"]
    assert [f["code"] for f in by["Ref"]["flags"]] == ["referred_at_screening"]
    assert by["Ref"]["status"] == "no_plan" and by["Ref"]["next_session"] is None
    # Mia: next-morning pain 0 → 2 → 3 with a 0 baseline: high.
    assert [(f["code"], f["severity_name"]) for f in by["Mia"]["flags"]] == [
        ("morning_pain_rising", "high")]
    assert "0 → 2 → 3/10" in by["Mia"]["flags"][0]["detail"]
    assert by["Sam"]["flags"] == [] and by["Sam"]["severity"] is None
    assert by["Sam"]["logs"] == 5 and by["Sam"]["last_log"] == "2026-03-11"
    assert date.fromisoformat(by["Sam"]["next_session"]["date"]) >= TODAY
    assert j["disclaimer"] == DISCLAIMER and j["today"] == TODAY.isoformat()

    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert names_in_page(r.text) == ["Tom", "Ref", "Mia", "Sam"]
    assert DISCLAIMER in r.text
    assert re.findall(r'data-severity="(\w+)"', r.text) == ["critical", "critical", "high", "ok"]


def test_athlete_page_shows_decisions_with_reasons_and_evidence(client, clinic) -> None:
    mia = clinic[1]["Mia"]
    r = client.get(f"/athletes/{mia}")
    assert r.status_code == 200 and DISCLAIMER in r.text
    html = r.text
    assert "Next-morning pain 3/10 is higher than your baseline 0/10" in html
    assert "pain.settle_by_next_morning" in html and "[V] Silbernagel et al. 2007" in html
    assert "design.morning_rise_points" in html and "design rule" in html
    assert "plan → v3 from 2026-03-10" in html
    # The superseded provisional decision is kept, folded away.
    assert "earlier decision(s)" in html and "[superseded]" in html
    assert f'src="/athletes/{mia}/progress.svg"' in html
    j = client.get(f"/api/athletes/{mia}").json()
    newest = j["logs"][0]
    assert newest["date"] == "2026-03-09" and newest["pain_next_morning"] == 3
    d = newest["decision"]
    assert d["outcome"] == "regress" and not d["provisional"] and d["trigger"] == "morning"
    assert d["reasons"][0]["evidence"][0] == {
        "key": "pain.settle_by_next_morning", "source": "[V] Silbernagel et al. 2007"}
    assert [e["provisional"] for e in newest["earlier_decisions"]] == [True]
    assert j["plan"]["version"] == 3 and j["plan"]["stopped"] is False
    assert all(date.fromisoformat(s["date"]) >= TODAY for s in j["upcoming"])
    assert 0 < len(j["upcoming"]) <= 5


def test_progress_numbers_match_the_training_model(client, clinic) -> None:
    from retrorun.store.repository import get_athlete, logged_sessions, logs_of, plan_versions
    from retrorun.store.repository import schedule as sched
    from retrorun.training.load import progress_report

    sam = clinic[1]["Sam"]
    j = client.get(f"/api/athletes/{sam}").json()
    engine, factory = _engine_session(clinic[0])
    with factory() as s:
        a = get_athlete(s, "Sam")
        rows = logs_of(s, a)
        rep = progress_report(logged_sessions(rows), sched(s, a),
                              start=plan_versions(s, a)[0].valid_from, today=TODAY)
        done = sum(r.backward_minutes for r in rows)
    engine.dispose()
    p = j["progress"]
    assert p == {**rep.to_dict(), "look_flag": False, "acwr_caveat": p["acwr_caveat"]}
    # The weekly minutes add up to what was logged (1e-9: float sums).
    assert abs(sum(w["backward_minutes"] for w in p["weeks"]) - done) < 1e-9
    assert p["band_counts"] == {"green": 5, "orange": 0, "red": 0}
    svg = client.get(f"/athletes/{sam}/progress.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.lstrip().startswith("<?xml") and "<svg" in svg.text


def test_handouts_reuse_the_export_renderers(client, clinic) -> None:
    sam, tom, ref = (clinic[1][n] for n in ("Sam", "Tom", "Ref"))
    h = client.get(f"/athletes/{sam}/handout")
    assert h.status_code == 200 and "Backward-running plan" in h.text and DISCLAIMER in h.text
    md = client.get(f"/athletes/{sam}/plan.md")
    assert md.text.startswith("# Backward-running plan: Sam")
    assert md.headers["content-type"].startswith("text/markdown")
    # No plan in force: a clear 404 page, not a crash.
    for aid in (tom, ref):
        r = client.get(f"/athletes/{aid}/handout")
        assert r.status_code == 404 and "has no plan in force" in r.text and DISCLAIMER in r.text


def test_unknown_athlete_is_404(client) -> None:
    r = client.get("/athletes/9999")
    assert r.status_code == 404 and "no athlete with id 9999" in r.text and DISCLAIMER in r.text
    assert client.get("/api/athletes/9999").json() == {"detail": "no athlete with id 9999"}
    assert client.get("/athletes/abc").status_code == 422


def test_pages_are_self_contained_and_send_security_headers(client, clinic) -> None:
    for path in ("/", f"/athletes/{clinic[1]['Mia']}", f"/athletes/{clinic[1]['Ref']}"):
        r = client.get(path)
        assert r.status_code == 200
        assert "<script" not in r.text.lower()
        # No CDN: every src/href is local (or the webcal/http feed link shown to copy).
        for url in re.findall(r'(?:src|href)="([^"]+)"', r.text):
            assert url.startswith(("/", "#", "webcal://testserver/")), url
        assert "default-src 'none'" in r.headers["content-security-policy"]
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-store"
    # Read-only: no write methods.
    assert client.post("/").status_code == 405
    assert client.delete(f"/athletes/{clinic[1]['Sam']}").status_code == 405


def test_coach_token(clinic) -> None:
    from retrorun.web.app import create_app

    with TestClient(create_app(clinic[0], today=TODAY, web_token="s3cret-coach")) as c:
        r = c.get("/")
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
        assert c.get("/api/athletes").status_code == 401
        basic = base64.b64encode(b"coach:s3cret-coach").decode()
        assert c.get("/", headers={"Authorization": f"Basic {basic}"}).status_code == 200
        bad = base64.b64encode(b"coach:wrong").decode()
        assert c.get("/", headers={"Authorization": f"Basic {bad}"}).status_code == 401
        assert c.get("/api/athletes",
                     headers={"Authorization": "Bearer s3cret-coach"}).status_code == 200
        assert c.get("/", headers={"Authorization": "Bearer nope"}).status_code == 401
        # Calendar clients cannot log in: a feed needs only its own secret.
        j = c.get(f"/api/athletes/{clinic[1]['Sam']}",
                  headers={"Authorization": "Bearer s3cret-coach"}).json()
        feed = j["feed_url"].removeprefix("http://testserver")
        assert c.get(feed).status_code == 200


def test_env_token_and_today(clinic, monkeypatch) -> None:
    from retrorun.web.app import create_app

    monkeypatch.setenv("RETRORUN_WEB_TOKEN", "from-env")
    monkeypatch.setenv("RETRORUN_TODAY", (TODAY + timedelta(days=30)).isoformat())
    with TestClient(create_app(clinic[0])) as c:
        assert c.get("/api/athletes").status_code == 401
        j = c.get("/api/athletes", headers={"Authorization": "Bearer from-env"}).json()
    assert j["today"] == "2026-04-11"
    by = {r["name"]: r for r in j["athletes"]}
    # A month later Sam has logged nothing: missed sessions show.
    assert "missing_logs" in [f["code"] for f in by["Sam"]["flags"]]


def test_postgres_overview(db_url) -> None:  # noqa: F811
    """The same clinic on both back ends (PostgreSQL through the store fixtures)."""
    from retrorun.web.app import create_app

    engine, factory = _engine_session(db_url)
    with factory() as s:
        ids = fill_clinic(s)
    engine.dispose()
    with TestClient(create_app(db_url, today=TODAY, web_token="")) as c:
        rows = c.get("/api/athletes").json()["athletes"]
        assert [r["name"] for r in rows] == ["Tom", "Ref", "Mia", "Sam"]
        page = c.get(f"/athletes/{ids['Mia']}").text
        assert "Next-morning pain 3/10 is higher than your baseline 0/10" in page


def test_web_engine_is_read_only_and_never_blocks_a_log(db_url) -> None:  # noqa: F811
    """The app's engine cannot write, and an open web read does not delay a CLI log
    (SQLite: deferred BEGIN + query_only under WAL; PostgreSQL: READ ONLY transactions)."""
    import threading
    import time

    from sqlalchemy import text

    from retrorun.store.db import make_engine, session_factory
    from retrorun.store.repository import add_athlete, get_athlete, log_session, schedule
    from store_helpers import START, entry_for, profile

    rw = make_engine(db_url)
    ro = make_engine(db_url, read_only=True)
    try:
        with session_factory(rw)() as s:
            add_athlete(s, profile("Sam"), start=START)
        with ro.connect() as c, pytest.raises(Exception, match=r"(?i)read.only|readonly"):
            c.execute(text("UPDATE athlete SET status = 'stopped'"))
        with ro.connect() as reader:
            reader.execute(text("SELECT count(*) FROM athlete")).scalar()  # read transaction open
            done = threading.Event()

            errors: list[BaseException] = []

            def write() -> None:
                try:
                    with session_factory(rw)() as s:
                        first = schedule(s, get_athlete(s, "Sam"))[0]
                        log_session(s, "Sam", entry_for(first, morning=None), today=START)
                    done.set()
                except BaseException as exc:  # reported below
                    errors.append(exc)
                    done.set()

            t0 = time.monotonic()
            th = threading.Thread(target=write)
            th.start()
            # A writer queued behind the reader would wait for the 30 s busy timeout.
            assert done.wait(20), "a log waited for an open web read"
            th.join()
            assert errors == []
            assert time.monotonic() - t0 < 20
    finally:
        ro.dispose()
        rw.dispose()


def test_stopped_and_referred_athlete_pages(client, clinic) -> None:
    tom = client.get(f"/athletes/{clinic[1]['Tom']}").text
    assert "Stopped: see a clinician before resuming" in tom
    assert "the plan is stopped until a clinician's review" in tom
    assert "knee gave way on the bend" in tom and "redflag.stop_and_refer" in tom
    j = client.get(f"/api/athletes/{clinic[1]['Tom']}").json()
    assert j["status"] == "stopped" and j["plan"]["stopped"] is True and j["upcoming"] == []
    assert j["logs"][0]["decision"]["outcome"] == "stop_refer"
    ref = client.get(f"/api/athletes/{clinic[1]['Ref']}").json()
    assert ref["plan"] is None and ref["logs"] == [] and ref["progress"] is None
    assert ref["screening"] == "refer" and ref["screening_reasons"]
    page = client.get(f"/athletes/{clinic[1]['Ref']}").text
    assert ref["screening_reasons"][0].replace("'", "&#39;") in page
    assert client.get(f"/athletes/{clinic[1]['Ref']}/progress.svg").status_code == 404
