"""API shapes of abuse screening."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Kind = Literal["insult", "threat", "harassment", "pestering", "line_tying"]


class IncidentIn(BaseModel):
    kind: Kind
    note: str | None = Field(None, max_length=2000)
    caller: str | None = Field(None, max_length=40)
    call_id: int | None = None
    ticket_number: str | None = Field(None, max_length=32)


class IncidentOut(BaseModel):
    id: int
    caller: str
    kind: str
    source: str
    note: str | None
    call_id: int | None
    ticket_number: str | None
    recording_path: str | None
    excerpt: str | None
    evidence: list[Any]
    reported_by: int | None
    warned_at: datetime | None
    created_at: datetime


class EntryOut(BaseModel):
    id: int
    caller: str
    status: str
    level: int
    days: int
    reason: str
    automatic: bool
    incident_ids: list[int]
    created_by: int | None
    confirmed_by: int | None
    starts_at: datetime | None
    expires_at: datetime | None
    ended_at: datetime | None
    appeal_status: str
    appeal_text: str | None
    created_at: datetime


class IncidentResult(BaseModel):
    incident: IncidentOut
    proposed: EntryOut | None


class BlacklistIn(BaseModel):
    caller: str = Field(max_length=40)
    days: int = Field(ge=1, le=3650)
    reason: str = Field(min_length=1, max_length=2000)


class ReasonIn(BaseModel):
    reason: str | None = Field(None, max_length=2000)


class AppealIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class AppealDecisionIn(BaseModel):
    grant: bool
    reason: str = Field(min_length=1, max_length=2000)


class AttemptOut(BaseModel):
    id: int
    caller: str
    entry_id: int | None
    attempted_at: datetime
    call_id: int | None
    emergency: bool
    ticket_number: str | None
    reviewed_by: int | None
    reviewed_at: datetime | None


class AuditOut(BaseModel):
    id: int
    caller: str
    action: str
    entry_id: int | None
    incident_id: int | None
    actor_id: int | None
    actor_name: str
    reason: str | None
    at: datetime


class HistoryOut(BaseModel):
    caller: str
    incidents: list[IncidentOut]
    entries: list[EntryOut]
    attempts: list[AttemptOut]
    audit: list[AuditOut]
