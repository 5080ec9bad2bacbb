"""Alembic environment for retrorun's store.

Run programmatically by :func:`retrorun.store.db.upgrade`, which passes an open
connection in ``config.attributes["connection"]``; there is no alembic.ini. To write a
new revision during development::

    python -m retrorun.store.revision "message"
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from retrorun.store.models import Base

target_metadata = Base.metadata
config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # pragma: no cover - development only
    url = config.get_main_option("sqlalchemy.url")
    with create_engine(url).connect() as conn:
        _run(conn)
