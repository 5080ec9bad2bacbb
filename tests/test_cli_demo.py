"""``retrorun demo``: the README's main job runs end to end and writes what it says."""

from __future__ import annotations

import json
from pathlib import Path

from icalendar import Calendar
from typer.testing import CliRunner

from retrorun.cli import app


def test_demo_runs_the_whole_loop(tmp_path: Path, real_data: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(
        app, ["demo", "--out", str(out), "--data", str(real_data), "--start", "2026-03-02"]
    )
    assert result.exit_code == 0, result.output
    # plan delivered: handout, calendar (parses, one event per session), watch workouts
    assert "<html" in (out / "plan.html").read_text().lower()
    cal = Calendar.from_ical((out / "plan.ics").read_bytes())
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == len(list((out / "workouts").glob("*.fit"))) > 0
    # six sessions logged, decisions made: a progress after two safe sessions, then a regress
    assert result.output.count("Logged ") == 6
    assert "PROGRESS: level 0 → 1" in result.output
    assert "REGRESS" in result.output
    assert (out / "progress.png").stat().st_size > 10_000
    # mechanics: forward real trial, time-reversed synthetic backward, comparison
    fwd = json.loads((out / "forward.json").read_text())
    bwd = json.loads((out / "backward.json").read_text())
    assert fwd["direction"] == "forward" and fwd["events_source"] == "force"
    assert bwd["direction"] == "backward" and bwd["events_source"] == "kinematic"
    assert 160 < fwd["spatiotemporal"]["cadence_steps_per_min"] < 185
    assert (out / "compare.json").is_file()


def test_demo_without_data_skips_mechanics(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RETRORUN_REAL_DATA", str(tmp_path / "nowhere"))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--start", "2026-03-02"])
    assert result.exit_code == 0, result.output
    assert "Skipped: the real recordings were not found" in result.output
    assert not (out / "forward.json").exists()
    assert (out / "plan.ics").is_file()
