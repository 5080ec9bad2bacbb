"""Development helper: autogenerate a migration revision from the models.

``python -m retrorun.store.revision "message"`` compares the models with a scratch
SQLite database migrated to head and writes a new file in ``migrations/versions``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def main(message: str) -> None:
    from alembic import command

    from retrorun.store.db import _alembic_config, make_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'scratch.sqlite'}")
        with engine.begin() as conn:
            command.revision(_alembic_config(conn), message=message, autogenerate=True)
        engine.dispose()


if __name__ == "__main__":  # pragma: no cover
    main(" ".join(sys.argv[1:]) or "schema change")
