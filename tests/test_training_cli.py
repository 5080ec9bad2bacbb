"""The daily loop through the command line: athlete add → today → log → morning → why →
history → progress → export / import / delete, and its error messages."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import tomli_w
from typer.testing import CliRunner

from retrorun.cli import app
from store_fixtures import db_url  # noqa: F401  (fixture)
from store_helpers import START, profile, referred_profile

runner = CliRunner()


def run(*args: str, ok: bool = True, **kw):
    r = runner.invoke(app, list(args), **kw)
    if ok:
        assert r.exit_code == 0, r.output
    return r


@pytest.fixture
def env(tmp_path, monkeypatch, db_url):  # noqa: F811
    monkeypatch.setenv("RETRORUN_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    prof = tmp_path / "sam.toml"
    prof.write_text(tomli_w.dumps(profile("Sam")))
    ref = tmp_path / "ref.toml"
    ref.write_text(tomli_w.dumps(referred_profile("Ref")))
    return tmp_path


def set_today(monkeypatch, d: date) -> None:
    monkeypatch.setenv("RETRORUN_TODAY", d.isoformat())


def test_daily_loop(env, monkeypatch) -> None:
    set_today(monkeypatch, START)
    out = run("athlete", "add", "Sam", "--profile", "sam.toml", "--start", START.isoformat())
    assert "Screening: cleared" in out.output and "Plan v1" in out.output
    today = run("today").output
    assert "session 2026-03-02" in today and "backward" in today
    sid = today.split("session ")[1].split()[0]
    log = run("log", "--done", "yes", "--rpe", "4", "--pain-during", "2", "--pain-after", "2",
              "--looks-left", "5", "--looks-right", "5", "--surface", "track").output
    assert f"Logged {sid}" in log and "HOLD (provisional)" in log
    set_today(monkeypatch, START + timedelta(days=1))
    assert "Waiting for next-morning pain" in run("today").output
    m = run("morning", "--pain", "0").output
    assert "Next-morning pain 0/10 added" in m and "HOLD:" in m
    set_today(monkeypatch, START + timedelta(days=2))
    run("log", "--done", "yes", "--rpe", "4", "--pain-during", "2", "--pain-after", "1")
    set_today(monkeypatch, START + timedelta(days=3))
    m2 = run("morning", "--pain", "0").output
    assert "PROGRESS" in m2 and "re-planned as v2" in m2
    why = run("why", "--all").output
    assert "progression.min_compliant_sessions" in why and "[V] RunCalcs" in why
    assert "[superseded]" in why
    hist = run("history").output
    assert "2 logged sessions" in hist and "progress" in hist
    prog = run("progress").output
    assert "Compliance" in prog and "ACWR" in prog and "information only" in prog
    assert (env / "sam-progress.png").stat().st_size > 10_000
    html = (env / "sam-progress.html").read_text()
    assert "<svg" in html and "not medical advice" in html
    run("export", "Sam", "-o", "sam.json")
    data = json.loads((env / "sam.json").read_text())
    assert data["format"] == "retrorun-athlete" and len(data["logs"]) == 2
    run("athlete", "delete", "Sam", "--yes")
    assert "No athletes" in run("athlete", "list").output
    run("import", "sam.json")
    assert "Sam" in run("athlete", "list").output
    assert "2 logged sessions" in run("history").output


def test_refer_stores_athlete_without_plan(env, monkeypatch) -> None:
    set_today(monkeypatch, START)
    out = run("athlete", "add", "Ref", "--profile", "ref.toml").output
    assert "Screening: refer" in out and "No plan" in out
    r = run("today", ok=False)
    assert r.exit_code == 1 and "no plan" in r.output


def test_invalid_log_is_a_clear_error_and_stores_nothing(env, monkeypatch) -> None:
    set_today(monkeypatch, START)
    run("athlete", "add", "Sam", "--profile", "sam.toml")
    r = run("log", "--done", "yes", "--rpe", "4", "--pain-during", "12", "--pain-after", "2",
            ok=False)
    assert r.exit_code == 1
    assert "nothing was stored" in r.output and "pain_during" in r.output and "0 to 10" in r.output
    r = run("log", "--date", (START + timedelta(days=3)).isoformat(), "--session",
            "2026-03-04-w1s2", "--done", "yes", "--rpe", "4", "--pain-during", "1",
            "--pain-after", "1", ok=False)
    assert "in the future" in r.output
    r = run("log", "--session", "nope", "--done", "no", ok=False)
    assert "unknown session" in r.output
    assert "nothing logged yet" in run("history").output


def test_missing_answers_without_a_terminal(env, monkeypatch) -> None:
    set_today(monkeypatch, START)
    run("athlete", "add", "Sam", "--profile", "sam.toml")
    r = run("log", "--done", "yes", ok=False)
    assert r.exit_code == 2 and "missing --rpe, --pain-during, --pain-after" in r.output


def test_bad_database_url(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    r = run("athlete", "list", "--db", "nonsense://", ok=False)
    assert r.exit_code == 1 and "error:" in r.output


def test_interactive_log_asks_for_what_is_missing(env, monkeypatch) -> None:
    import retrorun.cli.log as cli_log

    set_today(monkeypatch, START)
    run("athlete", "add", "Sam", "--profile", "sam.toml")
    monkeypatch.setattr(cli_log, "_interactive", lambda: True)
    # done, minutes (default = planned), RPE, pain during, pain after, looks L, looks R,
    # surface, swelling?, limp?, red flag?
    answers = "yes\n\n4\n2\n1\n5\n5\ntrack\nn\nn\nn\n"
    out = run("log", input=answers).output
    assert "Done?" in out and "Pain during" in out and "Logged 2026-03-02" in out
    hist = run("history").output
    assert "2/1/–" in hist


def test_interactive_red_flag_refers(env, monkeypatch) -> None:
    import retrorun.cli.log as cli_log

    set_today(monkeypatch, START)
    run("athlete", "add", "Sam", "--profile", "sam.toml")
    monkeypatch.setattr(cli_log, "_interactive", lambda: True)
    answers = "yes\n\n4\n2\n2\n5\n5\ntrack\nn\nn\ny\nknee gave way twice\n"
    out = run("log", input=answers).output
    assert "STOP REFER" in out and "knee gave way twice" in out and "no more sessions" in out
    assert "STOPPED" in run("today").output
    r = run("log", "--session", "x", "--done", "no", ok=False)
    assert "stopped" in r.output


def test_data_commands_name_the_bad_input(env, monkeypatch) -> None:
    set_today(monkeypatch, START)
    (env / "junk.json").write_text("{not json")
    r = run("import", "junk.json", ok=False)
    assert r.exit_code == 1 and "junk.json: not a JSON file" in r.output
    (env / "other.json").write_text('{"format": "something-else"}')
    r = run("import", "other.json", ok=False)
    assert "other.json: not a retrorun athlete export" in r.output
    r = run("export", "Nobody", "-o", "n.json", ok=False)
    assert "no athlete called 'Nobody'" in r.output and not (env / "n.json").exists()
    (env / "bad.toml").write_text('name = "X"\n[pain]\nnow = 14\n')
    r = run("athlete", "add", "X", "--profile", "bad.toml", ok=False)
    assert r.exit_code == 1 and "bad.toml" in r.output
    r = run("athlete", "delete", "Nobody", "--yes", ok=False)
    assert "no athlete called 'Nobody'" in r.output
