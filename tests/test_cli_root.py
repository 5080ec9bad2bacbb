"""The root command line: version, help, and that ``--help`` imports nothing heavy."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from retrorun import __version__
from retrorun.cli import app


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"retrorun {__version__}"


def test_help_imports_no_heavy_modules() -> None:
    code = (
        "import sys; from retrorun.cli import app; from typer.testing import CliRunner; "
        "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
        "heavy = [m for m in ('numpy', 'scipy', 'ezc3d', 'sqlalchemy', 'matplotlib', 'pandas', "
        "'fitdecode', 'icalendar', 'dask') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
