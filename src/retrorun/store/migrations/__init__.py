"""Alembic migrations of the retrorun store (run by ``retrorun.store.db.upgrade``)."""
