"""Tickets (工单), their departments, callers, immutable event history, returns and extensions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy import true as sql_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.database import Base, UTCDateTime, utcnow

# Partial-index predicates (migrations 0003 and 0005 create these indexes; see their docstrings for why).
_OPEN = text("status IN ('registered', 'triaged', 'dispatched', 'returned', 'accepted', 'replied')")
_LIVE = text("status <> 'withdrawn'")
_LEAD = text("role = 'lead'")
_CLOSED = text("closed_at IS NOT NULL")
_LIVE_OPEN = text("status <> 'withdrawn' AND ticket_open")


def _partial(name: str, *columns: str, where) -> Index:
    return Index(name, *columns, postgresql_where=where, sqlite_where=where)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_created", "status", "created_at"),
        Index("ix_tickets_dept_status_created", "lead_department_id", "status", "created_at"),
        Index("ix_tickets_status_due", "status", "due_at"),
        Index("ix_tickets_caller_created", "caller_phone", "created_at"),
        Index("ix_tickets_caller_name_queue", "caller_name", "urgency", "created_at", "id"),  # 0017 (+ a tail index)
        Index("ix_tickets_address_category", "address", "category_id"),
        Index("ix_tickets_created", "created_at"),
        _partial("ix_tickets_open_queue", "urgency", "created_at", "id", where=_OPEN),
        _partial("ix_tickets_open_created", "created_at", "id", where=_OPEN),
        _partial("ix_tickets_open_due", "due_at", "id", where=_OPEN),
        Index("ix_tickets_dept_created", "lead_department_id", "created_at", "id"),
        _partial("ix_tickets_closed", "closed_at", "lead_department_id", where=_CLOSED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    caller_phone: Mapped[str | None] = mapped_column(String(32))  # normalised, stored once
    caller_name: Mapped[str | None] = mapped_column(String(100))
    ticket_type: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    district: Mapped[str | None] = mapped_column(String(64))
    urgency: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))

    # Deadlines. accepted_at is the hotline's acceptance (受理) time the clocks count from.
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_contact_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 答复 limit (migration 0014)
    # 简单/一般/复杂, set at triage; the rule set and the rules the case got (the limits it keeps).
    complexity: Mapped[str] = mapped_column(String(16), default="general", server_default="general")
    rule_set: Mapped[str | None] = mapped_column(String(64))
    limits: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    light: Mapped[str] = mapped_column(String(8), default="green")  # last light the sweep announced
    overdue_raised: Mapped[bool] = mapped_column(Boolean, default=False)

    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # department accepted (签收)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    supervise_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)

    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # first receiver (首接负责)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    # Filled by the phone issue: the call, its recording and transcript.
    call_ref: Mapped[str | None] = mapped_column(String(128))
    recording_url: Mapped[str | None] = mapped_column(String(500))
    transcript: Mapped[str | None] = mapped_column(Text)
    suggestions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    search_tokens: Mapped[str] = mapped_column(Text, default="")  # jieba-segmented title + content

    assignments: Mapped[list[TicketAssignment]] = relationship(
        back_populates="ticket", order_by="TicketAssignment.id", lazy="selectin"
    )
    callers: Mapped[list[TicketCaller]] = relationship(
        order_by="TicketCaller.id", lazy="selectin", foreign_keys="TicketCaller.ticket_id"
    )

    __mapper_args__ = {"version_id_col": version}


class TicketAssignment(Base):
    """One department's part in a case: the lead (主办) or a co-handling unit (协办)."""

    __tablename__ = "ticket_assignments"
    __table_args__ = (
        Index("ix_assignments_dept_status", "department_id", "status"),
        _partial("ix_assignments_dept_ticket", "department_id", "ticket_id", where=_LIVE),
        _partial("ix_assignments_lead_assigned", "assigned_at", "department_id", where=_LEAD),
        _partial("ix_assignments_dept_newest", "department_id", "ticket_created_at", "ticket_id", where=_LIVE),
        _partial("ix_assignments_dept_open", "department_id", "ticket_urgency", "ticket_created_at", "ticket_id",
                 where=_LIVE_OPEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    role: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    # Copies of the ticket's created_at (never changes), urgency (service.save_tickets keeps it) and "its status
    # is open" (flows.common.transition keeps it): a department's queues are read from its own assignments
    # in the order they show (migration 0011).
    ticket_created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ticket_urgency: Mapped[str] = mapped_column(String(16), server_default="normal")
    ticket_open: Mapped[bool] = mapped_column(Boolean, server_default=sql_true())

    ticket: Mapped[Ticket] = relationship(back_populates="assignments")


class TicketCaller(Base):
    """Everyone who called about a case; merges (并单) move the callers of the merged case here."""

    __tablename__ = "ticket_callers"
    __table_args__ = (UniqueConstraint("ticket_id", "phone", "source_ticket_id", name="uq_ticket_callers_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(100))
    source_ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketEvent(Base):
    """Immutable history. (ticket_id, seq) is unique, so two concurrent writers cannot both append #n."""

    __tablename__ = "ticket_events"
    __table_args__ = (UniqueConstraint("ticket_id", "seq", name="uq_ticket_events_ticket_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_name: Mapped[str] = mapped_column(String(100))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # field -> [before, after]


class ReturnRequest(Base):
    """退单: a department says the case is not theirs; a supervisor reviews it (异议审核)."""

    __tablename__ = "return_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    reason: Mapped[str] = mapped_column(Text)
    suggested_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    previous_status: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    new_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))


class ExtensionRequest(Base):
    """延期: a department asks for more working days; a supervisor approves or denies."""

    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    working_days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    old_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketSequence(Base):
    """Per-day counter behind human-readable numbers like 2026112300042."""

    __tablename__ = "ticket_sequences"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class TicketClaim(Base):
    """认领: an agent holds a case while working on it, so others see who has it; the claim lapses at expires_at
    (migration 0017). One row per case, taken over when lapsed (ticketing.claims)."""

    __tablename__ = "ticket_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user_name: Mapped[str] = mapped_column(String(100))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
