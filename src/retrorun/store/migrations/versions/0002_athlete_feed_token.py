"""athlete feed token

Adds ``athlete.feed_token``: the secret in each athlete's calendar-feed URL served by
``retrorun serve`` (``/feeds/<token>/plan.ics``). Existing athletes get a fresh random
token each (``secrets.token_urlsafe(32)``) before the column becomes NOT NULL and unique.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:08:37.507712
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("athlete", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feed_token", sa.String(length=64), nullable=True))
    athlete = sa.table("athlete", sa.column("id", sa.Integer), sa.column("feed_token", sa.String))
    conn = op.get_bind()
    for (aid,) in conn.execute(sa.select(athlete.c.id)).all():
        conn.execute(
            athlete.update().where(athlete.c.id == aid).values(feed_token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table("athlete", schema=None) as batch_op:
        batch_op.alter_column("feed_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_athlete_feed_token"), ["feed_token"])


def downgrade() -> None:
    with op.batch_alter_table("athlete", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_athlete_feed_token"), type_="unique")
        batch_op.drop_column("feed_token")
