"""Database engine, sessions and schema migrations.

The database is chosen, in order, by an explicit URL, the ``RETRORUN_DATABASE_URL``
environment variable, or a SQLite file ``retrorun.sqlite`` in the user's data
directory (``platformdirs.user_data_dir("retrorun")``), created on first use.

SQLite connections run in WAL mode with ``busy_timeout``, foreign keys and
``secure_delete`` on (so a deleted athlete's data is overwritten in the file, not
just unlinked), and every transaction starts with ``BEGIN IMMEDIATE`` so two processes
writing at once queue on the lock instead of failing with a stale snapshot.
The schema is created and upgraded by the Alembic migrations shipped in
``retrorun/store/migrations`` the first time an engine is opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

ENV_URL = "RETRORUN_DATABASE_URL"
#: SQLite lock wait, milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Arbitrary constant key of the PostgreSQL advisory lock taken while migrating.
_PG_MIGRATION_LOCK = 0x72657472  # "retr"

_MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(Exception):
    """A database problem explained for the user (bad URL, unreachable server...)."""


def default_database_url() -> str:
    """URL of the default database: env ``RETRORUN_DATABASE_URL`` or the user's SQLite file."""
    env = os.environ.get(ENV_URL, "").strip()
    if env:
        return env
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("retrorun", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'retrorun.sqlite'}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is deferred
    # and would not take the write lock up front).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA secure_delete = ON")
    cur.close()


def _sqlite_begin(conn) -> None:  # pragma: no cover - trivial
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_query_only(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA query_only = ON")
    cur.close()


def _sqlite_begin_deferred(conn) -> None:  # pragma: no cover - trivial
    conn.exec_driver_sql("BEGIN")


def make_engine(url: str | None = None, *, migrate: bool = True, read_only: bool = False) -> Engine:
    """Create an engine for *url* (default: :func:`default_database_url`) and migrate it.

    Parameters
    ----------
    url
        Any SQLAlchemy URL, e.g. ``sqlite:////path/db.sqlite`` or
        ``postgresql+psycopg://user@host/db``.
    migrate
        Bring the schema to the newest Alembic revision (creating it on first use).
    read_only
        An engine that cannot write (the web app): SQLite connections run with
        ``PRAGMA query_only`` and plain deferred ``BEGIN``, so a reader never holds the write
        lock and never delays a ``log``; PostgreSQL transactions are ``READ ONLY``. The
        migration (when asked) runs first on a separate, writable engine.
    """
    if read_only and migrate:
        make_engine(url, migrate=True).dispose()
        migrate = False
    url = url or default_database_url()
    try:
        parsed = make_url(url)
    except Exception as exc:  # ArgumentError and friends
        raise StoreError(f"invalid database URL {url!r}: {exc}") from exc
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
            event.listen(engine, "connect", _sqlite_pragmas)
            if read_only:
                event.listen(engine, "connect", _sqlite_query_only)
                event.listen(engine, "begin", _sqlite_begin_deferred)
            else:
                event.listen(engine, "begin", _sqlite_begin)
        else:
            engine = create_engine(parsed, pool_pre_ping=True)
            if read_only and parsed.get_backend_name() == "postgresql":
                engine = engine.execution_options(postgresql_readonly=True)
    except Exception as exc:  # unknown dialect, missing driver, unwritable folder...
        raise StoreError(
            f"cannot use database {parsed.render_as_string()}: {type(exc).__name__}: {exc}"
        ) from exc
    if migrate:
        try:
            upgrade(engine)
        except StoreError:
            raise
        except Exception as exc:
            engine.dispose()
            raise StoreError(f"cannot open database {parsed.render_as_string()}: {exc}") from exc
    return engine


def _alembic_config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """Newest migration revision shipped with this version of retrorun."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """Revision the database is at (``None`` for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to *revision* in one transaction.

    Concurrent first uses are safe: SQLite serialises them with ``BEGIN IMMEDIATE``,
    PostgreSQL with a transaction-scoped advisory lock.
    """
    from alembic import command

    head = head_revision()
    if revision == "head" and current_revision(engine) == head:
        return
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        raw = conn.connection.dbapi_connection if sqlite else None
        if raw is not None:
            # SQLite batch migrations rebuild tables (copy, DROP, rename): with foreign keys on,
            # the DROP would cascade and delete every child row. The pragma cannot change
            # inside a transaction, so it is switched off before BEGIN and the references are
            # checked before COMMIT.
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK}
                    )
                command.upgrade(_alembic_config(conn), revision)
                if sqlite:
                    bad = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if bad:
                        raise StoreError(f"migration left broken references: {bad[:5]}")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Session factory bound to *engine* (objects stay readable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def open_session(url: str | None = None) -> Iterator[Session]:
    """Open (and migrate) the database at *url* and yield a session; dispose afterwards."""
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()
