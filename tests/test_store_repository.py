"""The store on SQLite and PostgreSQL: athletes, versioned plans, the log → decide → re-plan
transaction, next-morning updates, invalid entries, export / import / delete."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from retrorun.store import repository as repo
from retrorun.store.models import Athlete, Decision, PlanVersion, ProfileVersion, SessionLog
from retrorun.training.logs import LogError
from store_fixtures import db, db_url  # noqa: F401  (fixtures)
from store_helpers import START, entry_for, profile, referred_profile

LATER = START + timedelta(days=90)  # "today" after the whole block


def counts(s) -> dict[str, int]:
    return {m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (Athlete, ProfileVersion, PlanVersion, SessionLog, Decision)}


def future(s, a, after: date) -> list[dict]:
    return [x for x in repo.schedule(s, a) if x["date"] > after.isoformat()]


def add(s, name="Sam", **kw):
    return repo.add_athlete(s, profile(name, **kw), start=START, name=name)


def nth(s, a, i: int) -> dict:
    """The i-th session of the calendar in force that is not logged yet."""
    logged = {r.session_id for r in repo.logs_of(s, a)}
    return [x for x in repo.schedule(s, a) if x["session_id"] not in logged][i]


def test_add_athlete_screens_and_plans(db) -> None:  # noqa: F811
    res = add(db)
    assert res.screening_outcome in ("cleared", "supervised")
    assert res.plan is not None and res.plan.version == 1 and res.athlete.status == "active"
    cal = repo.schedule(db, res.athlete)
    assert cal and cal[0]["date"] >= START.isoformat()
    assert all(x["plan_version"] == 1 for x in cal)
    with pytest.raises(repo.RepositoryError, match="already exists"):
        add(db)


def test_referred_athlete_is_stored_without_plan(db) -> None:  # noqa: F811
    res = repo.add_athlete(db, referred_profile(), start=START)
    assert res.screening_outcome == "refer" and res.plan is None
    assert res.screening_reasons
    a = repo.get_athlete(db, "Ref")
    assert a.status == "no_plan" and repo.current_plan(db, a) is None
    with pytest.raises(repo.RepositoryError, match="no plan"):
        repo.log_session(db, "Ref", entry_for({"date": "2026-03-02", "session_id": "x",
                                                "backward_minutes": 5}), today=LATER)


def test_only_athlete_may_be_implicit(db) -> None:  # noqa: F811
    with pytest.raises(repo.RepositoryError, match="no athlete yet"):
        repo.get_athlete(db)
    add(db, "A")
    assert repo.get_athlete(db).name == "A"
    add(db, "B")
    with pytest.raises(repo.RepositoryError, match="--athlete"):
        repo.get_athlete(db)


def test_pain_2_then_2_progresses_and_replans_without_rewriting_history(db) -> None:  # noqa: F811
    a = add(db).athlete
    v1 = json.dumps(repo.current_plan(db, a).plan, sort_keys=True)
    s1 = nth(db, a, 0)
    r1 = repo.log_session(db, None, entry_for(s1, pain=2, morning=0), today=LATER)
    assert r1.decision.outcome == "hold" and not r1.decision.provisional
    s2 = nth(db, a, 0)
    assert s2["level"] == s1["level"]
    r2 = repo.log_session(db, None, entry_for(s2, pain=2, morning=0), today=LATER)
    assert r2.decision.outcome == "progress"
    assert r2.decision.level_after == s1["level"] + 1
    assert r2.plan is not None and r2.plan.version >= 2
    nxt = future(db, a, date.fromisoformat(s2["date"]))
    assert nxt and nxt[0]["level"] == s1["level"] + 1
    # History: version 1 is stored unchanged and marked superseded; the past is kept.
    old = db.scalar(select(PlanVersion).where(PlanVersion.version == 1))
    assert json.dumps(old.plan, sort_keys=True) == v1 and old.superseded
    past = {x["session_id"] for x in repo.schedule(db, a) if x["date"] <= s2["date"]}
    assert {s1["session_id"], s2["session_id"]} <= past
    assert r2.decision.plan_version_id == r2.plan.id


def test_pain_6_regresses_with_rest_days(db) -> None:  # noqa: F811
    a = add(db).athlete
    for _ in range(2):
        repo.log_session(db, None, entry_for(nth(db, a, 0), pain=1, morning=0), today=LATER)
    up = nth(db, a, 0)
    r = repo.log_session(db, None, entry_for(up, pain=6, morning=2), today=LATER)
    assert r.decision.outcome == "regress"
    assert r.decision.level_after == up["level"] - 1
    nxt = future(db, a, date.fromisoformat(up["date"]))
    assert nxt[0]["level"] == up["level"] - 1
    assert (date.fromisoformat(nxt[0]["date"]) - date.fromisoformat(up["date"])).days >= 3


def test_next_morning_higher_regresses_via_morning_update(db) -> None:  # noqa: F811
    a = add(db).athlete
    s1 = nth(db, a, 0)
    d1 = date.fromisoformat(s1["date"])
    r = repo.log_session(db, None, entry_for(s1, pain=2, morning=None), today=d1)
    assert r.decision.outcome == "hold" and r.decision.provisional
    # The morning value cannot be given on the same day.
    with pytest.raises(LogError, match="has not come yet"):
        repo.add_morning(db, None, 3, today=d1, session_id=s1["session_id"])
    m = repo.add_morning(db, None, 3, today=d1 + timedelta(days=1))
    assert m.decision.outcome == "regress" and not m.decision.provisional
    ds = repo.decisions_of(db, a)
    assert [d.outcome for d in ds] == ["hold", "regress"]
    assert ds[0].superseded and not ds[1].superseded and ds[1].trigger == "morning"


def test_swelling_regresses(db) -> None:  # noqa: F811
    a = add(db).athlete
    repo.log_session(db, None, entry_for(nth(db, a, 0), pain=1), today=LATER)
    r = repo.log_session(db, None, entry_for(nth(db, a, 0), pain=1, swelling=True), today=LATER)
    assert r.decision.outcome == "regress"
    assert any("swelling" in x["text"].lower() for x in r.decision.reasons)


def test_red_flag_stops_and_refers_then_resume(db) -> None:  # noqa: F811
    a = add(db).athlete
    s1 = nth(db, a, 0)
    r = repo.log_session(db, None, entry_for(s1, pain=1, red_flag="knee locked on the track"),
                         today=LATER)
    assert r.decision.outcome == "stop_refer"
    assert r.plan is not None and r.plan.plan is None
    assert repo.get_athlete(db).status == "stopped"
    assert future(db, a, date.fromisoformat(s1["date"])) == []
    before = counts(db)
    with pytest.raises(repo.RepositoryError, match="stopped"):
        repo.log_session(db, None, entry_for(nth(db, a, 0) if future(db, a, START) else s1),
                         today=LATER)
    assert counts(db) == before
    res = repo.resume_athlete(db, "Sam", cleared="Dr Who, 2026-03-20",
                              start=date.fromisoformat(s1["date"]) + timedelta(days=14))
    assert res.plan is not None and repo.get_athlete(db).status == "active"
    assert future(db, a, date.fromisoformat(s1["date"]))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"pain_during": 12}, "pain_during"),
        ({"date": LATER + timedelta(days=1)}, "in the future"),
        ({"session_id": "2099-01-01-w1s1"}, "unknown session"),
        ({"rpe": -1}, "rpe"),
    ],
)
def test_invalid_entries_write_nothing(db, change, match) -> None:  # noqa: F811
    a = add(db).athlete
    e = entry_for(nth(db, a, 0)).with_(**change)
    before = counts(db)
    with pytest.raises(LogError, match=match):
        repo.log_session(db, None, e, today=LATER)
    assert counts(db) == before


def test_same_session_twice_is_refused(db) -> None:  # noqa: F811
    a = add(db).athlete
    s1 = nth(db, a, 0)
    repo.log_session(db, None, entry_for(s1), today=LATER)
    before = counts(db)
    with pytest.raises(LogError, match="already logged"):
        repo.log_session(db, None, entry_for(s1), today=LATER)
    assert counts(db) == before


def _normal(d: dict) -> dict:
    d = dict(d)
    d.pop("exported_at")
    return json.loads(json.dumps(d, sort_keys=True))


def test_export_delete_import_round_trip(db) -> None:  # noqa: F811
    a = add(db).athlete
    add(db, "Other")
    for pain, morning in ((1, 0), (2, 0), (5, 1), (2, None)):
        repo.log_session(db, "Sam", entry_for(nth(db, a, 0), pain=pain, morning=morning,
                                              notes="unique-note-7f3a"), today=LATER)
    exported = repo.export_athlete(db, a)
    assert len(exported["logs"]) == 4 and len(exported["decisions"]) == 4
    json.dumps(exported)  # JSON-safe
    removed = repo.delete_athlete(db, repo.get_athlete(db, "Sam"))
    assert removed["logs"] == 4
    left = counts(db)
    assert left["athlete"] == 1 and left["session_log"] == 0 and left["decision"] == 0
    b = repo.import_athlete(db, exported)
    assert _normal(repo.export_athlete(db, b)) == _normal(exported)
    with pytest.raises(repo.RepositoryError, match="already exists"):
        repo.import_athlete(db, exported)
    renamed = repo.import_athlete(db, exported, name="Sam 2")
    assert renamed.name == "Sam 2"


def test_export_format_versions(db) -> None:  # noqa: F811
    """Version 2 carries next-morning stiffness; a version-1 file (no stiffness) still
    imports, a file newer than this retrorun is refused and stores nothing."""
    a = add(db).athlete
    repo.log_session(db, None, entry_for(nth(db, a, 0), pain=2, morning=1), today=LATER)
    data = json.loads(json.dumps(repo.export_athlete(db, a)))
    assert data["format_version"] == repo.EXPORT_VERSION == 2
    assert "stiffness_next_morning" in data["logs"][0]
    repo.delete_athlete(db, repo.get_athlete(db, "Sam"))
    v1 = json.loads(json.dumps(data))
    v1["format_version"] = 1
    for log in v1["logs"]:
        log.pop("stiffness_next_morning")
    b = repo.import_athlete(db, v1, source="v1.json")
    assert repo.export_athlete(db, b)["logs"][0]["stiffness_next_morning"] is None
    repo.delete_athlete(db, b)
    before = counts(db)
    newer = dict(data, format_version=3)
    with pytest.raises(repo.RepositoryError, match=r"v3\.json: export format 3 is newer"):
        repo.import_athlete(db, newer, source="v3.json")
    assert counts(db) == before


def test_import_rejects_bad_files_and_stores_nothing(db) -> None:  # noqa: F811
    before = counts(db)
    with pytest.raises(repo.RepositoryError, match="not a retrorun athlete export"):
        repo.import_athlete(db, {"hello": 1}, source="x.json")
    a = add(db).athlete
    repo.log_session(db, None, entry_for(nth(db, a, 0)), today=LATER)
    data = repo.export_athlete(db, a)
    repo.delete_athlete(db, repo.get_athlete(db, "Sam"))
    before = counts(db)
    broken = json.loads(json.dumps(data))
    del broken["decisions"][0]["outcome"]
    with pytest.raises(repo.RepositoryError, match="malformed"):
        repo.import_athlete(db, broken, source="broken.json")
    assert counts(db) == before


def test_renew_block_after_the_end_keeps_the_level(db) -> None:  # noqa: F811
    a = add(db).athlete
    for _ in range(2):
        repo.log_session(db, None, entry_for(nth(db, a, 0), pain=1, morning=0), today=LATER)
    level = repo.decisions_of(db, a)[-1].level_after
    end = repo.current_plan(db, a).block_end
    with pytest.raises(repo.RepositoryError, match="runs until"):
        repo.renew_block(db, None, start=end)
    pv = repo.renew_block(db, None, start=end + timedelta(days=1), weeks=4)
    assert pv.plan["start_level"] == level and pv.block_end == end + timedelta(days=28)
    cal = repo.schedule(db, a)
    assert any(x["date"] > end.isoformat() for x in cal)
    assert {r.session_id for r in repo.logs_of(db, a)} <= {x["session_id"] for x in cal}


def test_referred_athlete_resumes_with_a_cleared_profile(db) -> None:  # noqa: F811
    repo.add_athlete(db, referred_profile(), start=START)
    still = repo.resume_athlete(db, "Ref", cleared="GP", start=START)
    assert still.screening_outcome == "refer" and still.plan is None
    assert repo.get_athlete(db, "Ref").status == "no_plan"
    ok = repo.resume_athlete(db, "Ref", cleared="Physio, 2026-03-01", start=START,
                             profile_data=profile("Ref"))
    assert ok.plan is not None and repo.get_athlete(db, "Ref").status == "active"
    versions = db.scalars(select(ProfileVersion.version).where(
        ProfileVersion.athlete_id == ok.athlete.id)).all()
    assert sorted(versions) == [1, 2]
    assert "Physio" in ok.plan.reason
