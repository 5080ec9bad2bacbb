"""The prescription commands: profile new/check, screen, plan (all formats)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retrorun import DISCLAIMER
from retrorun.cli import app
from retrorun.prescription.model import Plan
from retrorun.prescription.profile import load_profile

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "profiles"
NOVICE = str(EXAMPLES / "novice-lateral-knee.toml")
runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_plan_table_shows_weeks_next_session_and_disclaimer() -> None:
    r = run("plan", NOVICE, "--start", "2026-12-01")
    assert r.exit_code == 0, r.output
    out = r.output
    assert "retrorun plan" in out and "Sam" in out
    assert "Next session" in out and "Wednesday 02 December 2026" in out
    assert "2 × 2:30 backward walk" in out
    assert "L R L R" in out
    assert "Evidence gap" in out
    assert " ".join(DISCLAIMER.split()[:6]) in " ".join(out.split())


def test_plan_explain_lists_sources() -> None:
    r = run("plan", NOVICE, "--start", "2026-12-01", "--explain")
    assert r.exit_code == 0, r.output
    flat = " ".join(r.output.split())
    for needle in ("Sterzing", "Frandsen", "Nielsen", "design rule", "Why these numbers"):
        assert needle in flat


def test_plan_json_round_trips(tmp_path) -> None:
    out = tmp_path / "plan.json"
    r = run("plan", NOVICE, "--start", "2026-12-01", "--weeks", "12", "-f", "json", "-o", str(out))
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    assert d["schema_version"] == 1 and len(d["weeks"]) == 12
    plan = Plan.from_dict(d)
    assert plan.sessions[0].session_id == "2026-12-02-w1s1"
    r = run("plan", NOVICE, "--start", "2026-12-01", "-f", "json", "--explain")
    assert any(x["topic"] == "Pace ceiling" for x in json.loads(r.output)["explanations"])


def test_plan_markdown_and_html(tmp_path) -> None:
    r = run("plan", NOVICE, "--start", "2026-12-01", "-f", "markdown")
    assert r.exit_code == 0
    md = r.output
    assert md.startswith("# Backward-running plan: Sam")
    assert "| Week | Dates |" in md and "## Evidence gaps" in md and DISCLAIMER in md
    html_file = tmp_path / "h.html"
    r = run("plan", NOVICE, "--start", "2026-12-01", "-f", "html", "-o", str(html_file),
            "--explain")
    assert r.exit_code == 0
    html = html_file.read_text()
    assert html.startswith("<!doctype html>")
    assert "@media print" in html and "break-before: page" in html
    assert html.count('class="session"') == 18
    assert DISCLAIMER in html and "Why these numbers" in html and "Evidence gaps" in html


def test_refer_exit_code_and_message() -> None:
    r = run("plan", str(EXAMPLES / "referred-red-flags.toml"))
    assert r.exit_code == 2
    assert "Refer: no plan" in r.output
    r = run("screen", str(EXAMPLES / "referred-red-flags.toml"), "-f", "json")
    assert r.exit_code == 0
    assert json.loads(r.output)["outcome"] == "refer"


def test_screen_text_supervised() -> None:
    r = run("screen", str(EXAMPLES / "supervised-balance.toml"))
    assert r.exit_code == 0
    assert "Supervised only" in r.output and "3 m backward walk took 6.2 s" in r.output


def test_invalid_profile_names_file_and_field(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text((EXAMPLES / "novice-lateral-knee.toml").read_text()
                   .replace("during_running = 3", "during_running = 11"))
    for cmd in (("profile", "check"), ("screen",), ("plan",)):
        r = run(*cmd, str(bad))
        assert r.exit_code == 1
        assert "bad.toml: pain.during_running: Input should be less than or equal to 10" \
            in r.output


def test_profile_check_ok() -> None:
    r = run("profile", "check", NOVICE)
    assert r.exit_code == 0
    assert "ok — Sam: lateral knee pain (right)" in r.output


def test_bad_options() -> None:
    assert run("plan", NOVICE, "--format", "pdf").exit_code == 1
    assert run("plan", NOVICE, "--start", "tomorrow").exit_code == 1
    assert run("plan", NOVICE, "--weeks", "0").exit_code == 2  # click range error


ANSWERS = "\n".join([
    "Robin",            # name
    "lateral_knee_pain",
    "left",
    "6",                # weeks
    "n",                # clinician cleared
    "1", "3", "2",      # pain now / during / after
    "walks_backwards",
    "4.1",              # 3 m backward walk
    "",                 # single-leg stance: skip
    "3", "90", "40", "6:00",
    "mon,wed,fri",
    "track",
    "34", "", "",       # age, mass, height
    *["n"] * 8,         # PAR-Q
    *["n"] * 9,         # 7 knee flags + 2 running flags
    "n", "n",           # safety
]) + "\n"


def test_profile_new_writes_valid_file(tmp_path) -> None:
    out = tmp_path / "robin.toml"
    r = run("profile", "new", "-o", str(out), input=ANSWERS)
    assert r.exit_code == 0, r.output
    p = load_profile(out)
    assert p.name == "Robin" and p.condition.kind == "lateral_knee_pain"
    assert p.pain.during_running == 3 and p.skill.backward_walk_3m_s == 4.1
    assert p.schedule.training_days == ["mon", "wed", "fri"]
    assert p.body.age == 34 and p.body.mass_kg is None


def test_profile_new_reasks_bad_answers_and_refuses_overwrite(tmp_path) -> None:
    out = tmp_path / "p.toml"
    answers = ANSWERS.replace("\n1\n3\n2\n", "\n1\n11\n3\n2\n", 1)  # 11 is re-asked
    r = run("profile", "new", "-o", str(out), input=answers)
    assert r.exit_code == 0, r.output
    assert load_profile(out).pain.during_running == 3
    r = run("profile", "new", "-o", str(out), input=ANSWERS)
    assert r.exit_code == 1 and "exists" in r.output


@pytest.mark.parametrize("pace", ["fast"])
def test_profile_new_invalid_pace_writes_nothing(tmp_path, pace) -> None:
    out = tmp_path / "p.toml"
    r = run("profile", "new", "-o", str(out), input=ANSWERS.replace("6:00", pace))
    assert r.exit_code == 1
    assert "endurance.easy_pace" in r.output and "nothing was written" in r.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_html_is_well_formed() -> None:
    from html.parser import HTMLParser

    r = run("plan", NOVICE, "--start", "2026-12-01", "-f", "html", "--explain", "--compact")
    assert r.exit_code == 0
    assert '<body class="layout-compact">' in r.output

    class Check(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.errors: list[str] = []

        def handle_starttag(self, tag, attrs) -> None:
            if tag not in ("meta", "br", "img", "input", "link", "hr"):
                self.stack.append(tag)

        def handle_endtag(self, tag) -> None:
            if self.stack and self.stack[-1] == tag:
                self.stack.pop()
            else:
                self.errors.append(f"{tag} at {self.getpos()}")

    c = Check()
    c.feed(r.output)
    assert c.errors == [] and c.stack == []


def test_html_escapes_profile_text(tmp_path) -> None:
    f = tmp_path / "x.toml"
    f.write_text(Path(NOVICE).read_text().replace('name = "Sam"', 'name = "<script>x</script>"'))
    r = run("plan", str(f), "--start", "2026-12-01", "-f", "html")
    assert "<script>" not in r.output and "&lt;script&gt;" in r.output
