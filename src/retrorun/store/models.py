"""SQLAlchemy 2 models of the training store.

History is append-only where it matters: a re-plan adds a :class:`PlanVersion` and marks
the previous one superseded; a decision updated by a later next-morning pain value adds a
new :class:`Decision` and marks the provisional one superseded. Deleting an athlete
cascades to every row that belongs to them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware current time (UTC)."""
    return datetime.now(UTC)


def new_feed_token() -> str:
    """A fresh unguessable calendar-feed token (32 random bytes, URL-safe base64, 43 chars)."""
    import secrets

    return secrets.token_urlsafe(32)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Athlete(Base):
    __tablename__ = "athlete"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: ``active`` (has a plan), ``no_plan`` (screened "refer" at sign-up) or ``stopped``
    #: (a decision said stop and refer).
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Secret in the athlete's calendar-feed URL (``retrorun serve``); rotate it to revoke
    #: a leaked link. Not exported: an imported athlete gets a new one.
    feed_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_feed_token)

    profiles: Mapped[list[ProfileVersion]] = relationship(
        back_populates="athlete",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ProfileVersion.version",
    )
    plans: Mapped[list[PlanVersion]] = relationship(
        back_populates="athlete",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PlanVersion.version",
    )
    logs: Mapped[list[SessionLog]] = relationship(
        back_populates="athlete",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SessionLog.date",
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="athlete",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Decision.id",
    )


class ProfileVersion(Base):
    __tablename__ = "profile_version"
    __table_args__ = (UniqueConstraint("athlete_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    screening_outcome: Mapped[str] = mapped_column(String(20))
    screening_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    athlete: Mapped[Athlete] = relationship(back_populates="profiles")


class PlanVersion(Base):
    """One version of an athlete's plan.

    Versions are never rewritten. The calendar in force is the union, over versions in
    order, of each version's sessions dated from its ``valid_from`` up to the next
    version's ``valid_from``: a re-plan replaces only the future.
    """

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("athlete_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    #: The plan (``Plan.to_dict()``) in force from ``valid_from``; ``None`` means no
    #: sessions from that day on (stopped and referred).
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: First day this version governs; earlier days keep the sessions of earlier versions.
    valid_from: Mapped[date] = mapped_column(Date)
    #: Last day of the training block this version belongs to (re-plans stop there).
    block_end: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    athlete: Mapped[Athlete] = relationship(back_populates="plans")


class SessionLog(Base):
    """What the runner did in one planned session and how it felt.

    One log per planned session (``athlete_id``, ``session_id`` unique); the next-morning
    pain and stiffness may arrive a day later and update the row.
    """

    __tablename__ = "session_log"
    __table_args__ = (
        UniqueConstraint("athlete_id", "session_id"),
        CheckConstraint("done IN ('yes', 'partly', 'no')", name="done"),
        CheckConstraint("pain_during BETWEEN 0 AND 10", name="pain_during"),
        CheckConstraint("pain_after BETWEEN 0 AND 10", name="pain_after"),
        CheckConstraint("pain_next_morning BETWEEN 0 AND 10", name="pain_next_morning"),
        CheckConstraint(
            "stiffness_next_morning BETWEEN 0 AND 10", name="stiffness_next_morning"
        ),
        CheckConstraint("rpe BETWEEN 0 AND 10", name="rpe"),
        CheckConstraint("backward_minutes >= 0", name="minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    plan_version_id: Mapped[int] = mapped_column(
        ForeignKey("plan_version.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[str] = mapped_column(String(100))
    date: Mapped[date] = mapped_column(Date)
    planned_date: Mapped[date] = mapped_column(Date)
    level: Mapped[int] = mapped_column(Integer)
    planned_minutes: Mapped[float] = mapped_column(Float)
    done: Mapped[str] = mapped_column(String(10))
    backward_minutes: Mapped[float] = mapped_column(Float, default=0.0)
    repetitions: Mapped[int | None] = mapped_column(Integer, nullable=True)
    surface: Mapped[str | None] = mapped_column(String(50), nullable=True)
    looks_left: Mapped[int | None] = mapped_column(Integer, nullable=True)
    looks_right: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rpe: Mapped[float | None] = mapped_column(Float, nullable=True)
    pain_during: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pain_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pain_next_morning: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Morning stiffness 0–10 the day after (known, like the next-morning pain, a day later).
    stiffness_next_morning: Mapped[int | None] = mapped_column(Integer, nullable=True)
    swelling: Mapped[bool] = mapped_column(Boolean, default=False)
    limp: Mapped[bool] = mapped_column(Boolean, default=False)
    red_flag: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: Warnings from an imported watch activity (surface, pace...), shown by ``progress``.
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: Where the log came from when it was made from a watch file (name, sha256, ...).
    activity: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    athlete: Mapped[Athlete] = relationship(back_populates="logs")


class Decision(Base):
    """Outcome of the pain-monitoring model after a log (or a next-morning update)."""

    __tablename__ = "decision"
    __table_args__ = (
        CheckConstraint("outcome IN ('progress', 'hold', 'regress', 'stop_refer')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    log_id: Mapped[int] = mapped_column(
        ForeignKey("session_log.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(20))
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    #: ``log``, ``morning`` (next-morning pain arrived) or ``import``.
    trigger: Mapped[str] = mapped_column(String(20), default="log")
    level_before: Mapped[int] = mapped_column(Integer)
    level_after: Mapped[int] = mapped_column(Integer)
    #: ``[{"text": ..., "evidence": [keys...]}, ...]``
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    evidence_keys: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: Plan version this decision created (``None`` when the plan did not change).
    plan_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_version.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    athlete: Mapped[Athlete] = relationship(back_populates="decisions")


TABLES = ("athlete", "profile_version", "plan_version", "session_log", "decision")
