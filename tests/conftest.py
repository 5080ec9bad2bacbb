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
