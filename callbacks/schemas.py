"""API shapes of return visits."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ticketing.enums import Satisfaction


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    digit: str | None
    detail: str | None


class VisitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ticket_number: str
    round: int
    status: str
    due_at: datetime
    call_attempts: int
    sms_attempts: int
    rating: int | None
    satisfaction: str | None
    channel: str | None
    finished_at: datetime | None
    attempts: list[AttemptOut] = []


class OptOutIn(BaseModel):
    phone: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=4000)


class OptOutOut(BaseModel):
    id: int
    phone: str  # masked for roles that do not see caller numbers
    source: str  # sms (a STOP reply) | staff
    reason: str | None
    created_by: str | None
    created_at: datetime


class ReplyOut(BaseModel):
    id: int
    phone: str | None
    body: str
    reason: str  # no_visit | unreadable | stop
    received_at: datetime
    status: str  # open | attached | dismissed | opt_out
    visit_id: int | None
    note: str | None
    handled_at: datetime | None


class AttachIn(BaseModel):
    ticket_number: str = Field(min_length=1, max_length=32)
    rating: Satisfaction | None = None  # default: what the reply itself says
    note: str | None = Field(None, max_length=4000)


class DismissIn(BaseModel):
    note: str | None = Field(None, max_length=4000)


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_name: str
    action: str
    phone: str | None
    ticket_number: str | None
    visit_id: int | None
    reply_id: int | None
    reason: str | None
    detail: str | None
