"""``retrorun`` commands of this area (see ``retrorun.cli``)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to *app*."""
