"""Shared fixtures: where the real third-party recordings live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
#: ``../shared/data/real`` from the repository root (CI lays ``shared/`` beside the clone).
REAL_DATA = Path(
    os.environ.get("RETRORUN_REAL_DATA", REPO_ROOT.parent / "shared" / "data" / "real")
)


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Folder of real recordings; skipped outside CI when it is absent, an error in CI."""
    if not REAL_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"real data folder missing: {REAL_DATA}")
        pytest.skip(f"real data folder missing: {REAL_DATA}")
    return REAL_DATA


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    """A headless Chromium with a fresh user-data dir (one per test module); see chromium.py."""
    from chromium import CHROMIUM_ARGS, chromium_path, missing

    exe = chromium_path()
    if exe is None:
        missing("Chromium not found (apt-get install chromium, or set RETRORUN_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (pip install playwright)")
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=exe,
            args=CHROMIUM_ARGS, headless=True, viewport={"width": 1280, "height": 900})
        try:
            yield ctx
        finally:
            ctx.close()
