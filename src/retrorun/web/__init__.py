"""The retrorun web app for coaches and clinics: ``create_app`` (FastAPI, lazy imports).

Install with ``pip install 'retrorun[web]'`` and run ``retrorun serve``; see ``docs/web.md``.
"""

from __future__ import annotations

from typing import Any


def create_app(database_url: str | None = None, **kw: Any):
    """Build the FastAPI app (see :func:`retrorun.web.app.create_app`)."""
    from retrorun.web.app import create_app as _create

    return _create(database_url, **kw)


__all__ = ["create_app"]
