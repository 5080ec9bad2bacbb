"""``RETRORUN_TODAY``: one parser (retrorun._clock) for the CLI and the web app.

Before it, the web app silently ignored an invalid value (and served the real date) while the
CLI refused it; now every entry point refuses it with the same message naming the variable.
"""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from retrorun._clock import TODAY_ENV, TodayError, today, today_override
from retrorun.cli import app

BAD = "2026-13-45"
MESSAGE = f"{TODAY_ENV}='{BAD}' is not an ISO date (YYYY-MM-DD)"


def test_parser() -> None:
    assert today_override({}) is None and today_override({TODAY_ENV: "  "}) is None
    assert today_override({TODAY_ENV: " 2026-03-12 "}) == date(2026, 3, 12)
    assert today({TODAY_ENV: "2026-03-12"}) == date(2026, 3, 12)
    assert today({}) == date.today()
    for bad in (BAD, "12.03.2026", "tomorrow"):
        with pytest.raises(TodayError, match="is not an ISO date") as ei:
            today({TODAY_ENV: bad})
        assert TODAY_ENV in str(ei.value) and isinstance(ei.value, ValueError)


def test_web_app_refuses_to_start_with_an_invalid_today(tmp_path, monkeypatch) -> None:
    pytest.importorskip("fastapi")
    from retrorun.web.app import create_app

    monkeypatch.setenv(TODAY_ENV, BAD)
    with pytest.raises(TodayError) as ei:
        create_app(f"sqlite:///{tmp_path / 'r.sqlite'}", web_token="")
    assert str(ei.value) == MESSAGE


@pytest.mark.timeout(60)  # before the fix `serve` started the server instead of failing
@pytest.mark.parametrize("args", [["serve"], ["today"], ["export-plan", "--ics", "x.ics"]])
def test_cli_commands_refuse_an_invalid_today(tmp_path, monkeypatch, args) -> None:
    monkeypatch.setenv(TODAY_ENV, BAD)
    r = CliRunner().invoke(app, [*args, "--db", f"sqlite:///{tmp_path / 'r.sqlite'}"])
    assert r.exit_code in (1, 2), r.output
    assert f"error: {MESSAGE}" in r.output
    assert not (tmp_path / "r.sqlite").exists()
