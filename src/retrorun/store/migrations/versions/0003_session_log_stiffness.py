"""session log next-morning stiffness

Adds ``session_log.stiffness_next_morning`` (0–10, nullable): morning stiffness the day
after a session, which the pain-monitoring model asks not to rise week to week
(``pain.no_week_to_week_rise``). Existing logs keep ``NULL`` (not reported).

On SQLite the column and its CHECK constraint are added with one ``ALTER TABLE ... ADD
COLUMN`` and dropped with ``DROP COLUMN`` (SQLite ≥ 3.35): no table rebuild, so no row of
``session_log`` or ``decision`` is touched.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 18:11:18.125061
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_CK = "ck_session_log_stiffness_next_morning"
_RULE = "stiffness_next_morning BETWEEN 0 AND 10"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE session_log ADD COLUMN stiffness_next_morning INTEGER "
            f"CONSTRAINT {_CK} CHECK ({_RULE})"
        )
        return
    op.add_column("session_log", sa.Column("stiffness_next_morning", sa.Integer(), nullable=True))
    op.create_check_constraint(op.f(_CK), "session_log", _RULE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite ≥ 3.35 drops a column together with its own CHECK (no table rebuild).
        op.execute("ALTER TABLE session_log DROP COLUMN stiffness_next_morning")
        return
    op.drop_constraint(op.f(_CK), "session_log", type_="check")
    op.drop_column("session_log", "stiffness_next_morning")
