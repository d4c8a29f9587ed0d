"""Deadline rules (overrides of a locality's rule set), their audit trail, and the admin-editable
working-day override table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.database import Base, UTCDateTime, utcnow


class DeadlineRule(Base):
    """How long a case may take. `ticket_type` NULL applies to every type without a rule of its own.

    kind: "handle" (the case deadline) or "first_contact"; unit: "working_days" (end of the Nth working day
    after the acceptance day) or "hours" (wall-clock, never paused by holidays).
    """

    __tablename__ = "deadline_rules"
    __table_args__ = (
        UniqueConstraint("locality", "kind", "ticket_type", "urgency", "complexity", "channel",
                         name="uq_deadline_rules_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    locality: Mapped[str] = mapped_column(String(64), default="default")
    kind: Mapped[str] = mapped_column(String(16), default="handle")
    ticket_type: Mapped[str | None] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    complexity: Mapped[str | None] = mapped_column(String(16))  # NULL: any complexity (migration 0014)
    channel: Mapped[str | None] = mapped_column(String(16))  # NULL: any intake channel
    unit: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(Integer)


class DeadlineRuleChange(Base):
    """Audit trail of rule edits: who changed which rule of which rule set, before → after, and why."""

    __tablename__ = "deadline_rule_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    locality: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(120))  # kind/type/urgency/complexity/channel, * = any
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(400), default="")


class HolidayOverride(Base):
    """A day whose working status differs from the library's calendar (local holiday, late 调休 notice)."""

    __tablename__ = "holiday_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
