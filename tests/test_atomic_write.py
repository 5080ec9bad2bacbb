"""Atomic writes leave files with the umask-derived mode (0o666 & ~umask), not mkstemp's 0o600.

Before the shared :func:`retrorun._atomic.write_atomic`, ``retrorun plan -o`` and ``save_profile``
wrote through ``tempfile.mkstemp`` and produced 0o600 handouts other users could not read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _plan_fixture import plan
from retrorun._atomic import write_atomic
from retrorun.cli import app
from retrorun.export.fit_workout import write_fit_workouts
from retrorun.export.ics import write_ics
from retrorun.prescription.profile import load_profile, save_profile

NOVICE = Path(__file__).resolve().parents[1] / "examples" / "profiles" / "novice-lateral-knee.toml"


@pytest.fixture(params=[0o022, 0o027])
def umask(request):
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_write_atomic_mode_content_and_no_leftovers(tmp_path, umask) -> None:
    p = tmp_path / "a.txt"
    write_atomic(p, "héllo\n")
    assert p.read_bytes() == "héllo\n".encode()
    assert _mode(p) == 0o666 & ~umask
    write_atomic(p, b"\x00\x01")  # replaces the whole file
    assert p.read_bytes() == b"\x00\x01"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.txt"]


def test_write_atomic_failure_keeps_old_file(tmp_path, monkeypatch) -> None:
    p = tmp_path / "a.txt"
    p.write_text("old")
    with pytest.raises(TypeError):
        write_atomic(p, 12345)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "missing" / "b.txt", "x")
    def boom(*_a):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(p, "new")
    assert p.read_text() == "old"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.txt"]


def test_plan_output_and_writers_are_readable(tmp_path, umask) -> None:
    want = 0o666 & ~umask
    out = tmp_path / "plan.html"
    r = CliRunner().invoke(app, ["plan", str(NOVICE), "--start", "2026-12-01", "-f", "html",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert _mode(out) == want
    prof = save_profile(load_profile(NOVICE), tmp_path / "p.toml")
    assert _mode(prof) == want and load_profile(prof).name == load_profile(NOVICE).name
    assert _mode(write_ics(plan(2), tmp_path / "c.ics")) == want
    fits = write_fit_workouts(plan(2), tmp_path / "fit")
    assert fits and all(_mode(f) == want for f in fits)
    assert not list(tmp_path.rglob("*.tmp"))
