"""Headless Chromium for the browser tests: Debian's ``/usr/bin/chromium`` driven by the PyPI
``playwright`` package (``playwright install`` is never used). Without Chromium or playwright
the tests skip, and fail when ``CI`` is set (CI installs Chromium in ``.ci/run``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

#: the flags of the team's browser rule (fresh profile, no network side channels)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def missing(msg: str):
    """Skip outside CI; fail in CI, where the browser must be there."""
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


def chromium_path() -> str | None:
    """``RETRORUN_CHROMIUM``, else Debian's chromium on the PATH."""
    env = os.environ.get("RETRORUN_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    return next((p for p in ("/usr/bin/chromium", shutil.which("chromium"),
                             shutil.which("chromium-browser")) if p and Path(p).is_file()), None)
