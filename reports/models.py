"""Tables of the reports domain: report runs and their schedule due-rows, published monthly figures, warnings.

Schedules are rows (`report_schedules`): beat sweeps the rows whose `next_due_at` has come, claims each under
a lease, produces the period that was due and moves the row one period on; a missed tick is caught up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.database import Base, UTCDateTime, utcnow

KINDS = ("daily", "weekly", "monthly")
FORMATS = ("xlsx", "pdf", "csv")
RUN_STATUSES = ("running", "done", "failed")


class ReportRun(Base):
    """One generated report: who asked (or the schedule), when, which period, with which parameters, the file."""

    __tablename__ = "report_runs"
    __table_args__ = (
        UniqueConstraint("schedule_key", name="uq_report_runs_schedule_key"),
        Index("ix_report_runs_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    fmt: Mapped[str] = mapped_column(String(8))
    first_day: Mapped[str] = mapped_column(String(10))  # ISO local days, both included
    last_day: Mapped[str] = mapped_column(String(10))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | console | api | cli
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_by_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="running")
    error: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_size: Mapped[int | None] = mapped_column(Integer)
    # kind:fmt:first_day for scheduled runs: a second sweep of the same period cannot make a second run.
    schedule_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReportSchedule(Base):
    """Due-row of a recurring job: a report kind + format, or the early-warning scan (kind 'warnings')."""

    __tablename__ = "report_schedules"
    __table_args__ = (UniqueConstraint("kind", "fmt", name="uq_report_schedules_kind_fmt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    fmt: Mapped[str] = mapped_column(String(8), default="")
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Disclosure(Base):
    """One month's public figures per department: a draft a supervisor reviews, then publishes."""

    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)  # YYYY-MM
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    figures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_name: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DisclosureEvent(Base):
    """Audit trail of a disclosure: drafted, redrafted, published."""

    __tablename__ = "disclosure_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Alert(Base):
    """An early warning: a spike of one matter in one area (spike) or many callers on it (group, 群体性)."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("kind", "category_id", "district", "place", "window_start", name="uq_alerts_key"),
        Index("ix_alerts_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # spike | group
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    matter: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(64))  # '' when the cases carry no area
    place: Mapped[str] = mapped_column(String(300), default="")  # group: the one address; '' for spikes
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[str] = mapped_column(String(16))  # baseline mean, as text (portable decimals)
    callers: Mapped[int] = mapped_column(Integer, default=0)
    case_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | handed_off | dismissed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertHandoff(Base):
    """A warning sent to a unit (信访, 公安, a street): who sent it, to whom, when, with what note."""

    __tablename__ = "alert_handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    unit: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
