"""Engine, URL handling and migrations on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from retrorun.store import db as dbmod
from retrorun.store.models import TABLES
from store_fixtures import db, db_url  # noqa: F401  (fixtures)


def test_default_url_uses_env_then_user_data_dir(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(dbmod.ENV_URL, "sqlite:///elsewhere.sqlite")
    assert dbmod.default_database_url() == "sqlite:///elsewhere.sqlite"
    monkeypatch.delenv(dbmod.ENV_URL)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    url = dbmod.default_database_url()
    assert url == f"sqlite:///{tmp_path / 'retrorun' / 'retrorun.sqlite'}"
    assert (tmp_path / "retrorun").is_dir()


def test_first_use_creates_and_migrates(db_url) -> None:  # noqa: F811
    engine = dbmod.make_engine(db_url)
    try:
        names = set(inspect(engine).get_table_names())
        assert set(TABLES) <= names and "alembic_version" in names
        assert dbmod.current_revision(engine) == dbmod.head_revision()
        dbmod.upgrade(engine)  # idempotent
    finally:
        engine.dispose()


def test_sqlite_pragmas(tmp_path) -> None:
    engine = dbmod.make_engine(f"sqlite:///{tmp_path / 'x' / 'db.sqlite'}")
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == dbmod.SQLITE_BUSY_TIMEOUT_MS
        assert c.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    engine.dispose()
    assert Path(tmp_path / "x" / "db.sqlite").exists()


def test_downgrade_and_upgrade_round_trip(db_url) -> None:  # noqa: F811
    from alembic import command

    engine = dbmod.make_engine(db_url)
    with engine.begin() as conn:
        command.downgrade(dbmod._alembic_config(conn), "base")
    assert not set(TABLES) & set(inspect(engine).get_table_names())
    dbmod.upgrade(engine)
    assert set(TABLES) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(dbmod.StoreError, match="invalid database URL"):
        dbmod.make_engine("not a url")
    with pytest.raises(dbmod.StoreError, match="cannot open database"):
        dbmod.make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_session_works(db) -> None:  # noqa: F811
    assert db.execute(text("SELECT 1")).scalar() == 1


def test_migrations_match_the_models(db_url) -> None:  # noqa: F811
    """Autogenerate finds nothing to change: the shipped migrations build the models' schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from retrorun.store.models import Base

    engine = dbmod.make_engine(db_url)
    with engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(mc, Base.metadata) == []
    engine.dispose()
