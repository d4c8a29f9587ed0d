"""Deadline rules and the admin-editable working-day override table."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.database import Base, UTCDateTime, utcnow


class DeadlineRule(Base):
    """How long a case may take. `ticket_type` NULL applies to every type without a rule of its own.

    kind: "handle" (the case deadline) or "first_contact"; unit: "working_days" (end of the Nth working day
    after the acceptance day) or "hours" (wall-clock, never paused by holidays).
    """

    __tablename__ = "deadline_rules"
    __table_args__ = (
        UniqueConstraint("locality", "kind", "ticket_type", "urgency", name="uq_deadline_rules_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    locality: Mapped[str] = mapped_column(String(64), default="default")
    kind: Mapped[str] = mapped_column(String(16), default="handle")
    ticket_type: Mapped[str | None] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(Integer)


class HolidayOverride(Base):
    """A day whose working status differs from the library's calendar (local holiday, late 调休 notice)."""

    __tablename__ = "holiday_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
