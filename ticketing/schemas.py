"""Request and response shapes of the ticket API. Unknown fields are refused (extra="forbid")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ticketing.enums import Channel, Complexity, Light, Satisfaction, Status, TicketType, Urgency

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StrictIn(BaseModel):
    """A request body: unknown fields are refused, text is stripped."""

    model_config = Strict


# Hard ceilings; the configurable (usually lower) limits in Settings are checked in flows.
TEXT_CEILING = 200_000
NOTE_CEILING = 20_000


class TicketCreate(StrictIn):
    channel: Channel
    ticket_type: TicketType
    content: str = Field(min_length=1, max_length=TEXT_CEILING)
    title: str | None = Field(None, max_length=500, description="Default: the start of the content.")
    caller_phone: str | None = Field(None, max_length=40)
    caller_name: str | None = Field(None, max_length=100)
    category_id: int | None = None
    address: str | None = Field(None, max_length=300)
    district: str | None = Field(None, max_length=64)
    urgency: Urgency = Urgency.NORMAL
    complexity: Complexity = Field(Complexity.GENERAL, description="简单/一般/复杂; triage may change it.")
    accepted_at: datetime | None = Field(None, description="Default: now. Must not lie in the future.")

    @field_validator("accepted_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("accepted_at needs a UTC offset, e.g. 2026-11-23T09:30:00+08:00")
        return value


class TriageIn(StrictIn):
    """Only the fields sent change. ticket_type, urgency and title may be left out but never set to null (422:
    a case always has them). An explicit "category_id": null clears the category (the case goes back to
    "not yet classified"; the change is recorded in its history), as null clears address and district."""

    ticket_type: TicketType = Field(None, description="Left out: unchanged. null is refused.")
    category_id: int | None = Field(None, ge=1, lt=2**63, description="null clears the category (recorded).")
    urgency: Urgency = Field(None, description="Left out: unchanged. null is refused.")
    complexity: Complexity | None = Field(None, description="简单/一般/复杂; once triaged, a change needs a note.")
    title: str = Field(None, min_length=1, max_length=500, description="Left out: unchanged. null is refused.")
    address: str | None = Field(None, max_length=300)
    district: str | None = Field(None, max_length=64)
    note: str | None = Field(None, max_length=NOTE_CEILING)


class DispatchIn(StrictIn):
    lead_department_id: int | None = Field(None, description="Default: the dispatch catalogue's suggestion.")
    co_department_ids: list[int] = Field(default_factory=list, max_length=20)
    note: str | None = Field(None, max_length=NOTE_CEILING)


class NoteIn(StrictIn):
    note: str = Field(min_length=1, max_length=NOTE_CEILING)


class OptionalNoteIn(StrictIn):
    note: str | None = Field(None, max_length=NOTE_CEILING)


class ReplyIn(StrictIn):
    reply: str = Field(min_length=1, max_length=TEXT_CEILING)


class ReturnIn(StrictIn):
    reason: str = Field(min_length=2, max_length=NOTE_CEILING)
    suggested_department_id: int | None = None


class ReviewReturnIn(StrictIn):
    uphold: bool = Field(description="true: the return is justified, re-dispatch (改派); false: reject it.")
    new_department_id: int | None = Field(None, description="Required when upholding.")
    co_department_ids: list[int] = Field(default_factory=list, max_length=20)
    note: str | None = Field(None, max_length=NOTE_CEILING)


class ExtensionIn(StrictIn):
    working_days: int = Field(ge=1, le=365)
    reason: str = Field(min_length=2, max_length=NOTE_CEILING)


class DecisionIn(StrictIn):
    approve: bool
    note: str | None = Field(None, max_length=NOTE_CEILING)


class ReopenIn(StrictIn):
    reason: str = Field(min_length=2, max_length=NOTE_CEILING)
    resupervise: bool = Field(True, description="Also record a re-supervision (再督办).")


class MergeIn(StrictIn):
    into: str = Field(min_length=1, max_length=32, description="Number of the case that stays.")
    note: str | None = Field(None, max_length=NOTE_CEILING)


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    department_id: int
    role: str
    status: str
    assigned_at: datetime
    accepted_at: datetime | None
    replied_at: datetime | None
    reply: str | None


class TicketHead(BaseModel):
    """The fields every view of a ticket starts with, in this order."""

    number: str
    channel: Channel
    ticket_type: TicketType
    status: Status
    urgency: Urgency
    title: str
    content: str
    caller_masked: str | None


class TicketOut(TicketHead):
    caller_phone: str | None = Field(None, description="Only for roles allowed to see it.")
    caller_name: str | None
    callers_count: int
    category_id: int | None
    address: str | None
    district: str | None
    department_id: int | None
    department: str | None
    accepted_at: datetime
    due_at: datetime
    first_contact_due_at: datetime | None
    first_contact_at: datetime | None
    reply_due_at: datetime | None = Field(None, description="答复 limit (null for cases before rule sets).")
    complexity: Complexity = Complexity.GENERAL
    rule_set: str | None = Field(None, description="The locality whose deadline rules the case got.")
    light: Light = Field(description="The light of the limit next due (or, once closed, of the close limit).")
    lights: dict[str, Light | None] = Field(
        default_factory=dict, description="Each limit's light: first_contact, reply, handle (close).")
    dispatched_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    reply: str | None
    satisfaction: Satisfaction | None
    supervise_count: int
    reopen_count: int
    merged_into: str | None
    assignments: list[AssignmentOut]
    recording_url: str | None
    transcript: str | None
    suggestions: dict[str, Any] | None
    allowed_actions: list[str]
    created_at: datetime
    version: int


class TicketSummary(TicketHead):
    department_id: int | None
    department: str | None
    due_at: datetime
    light: Light
    created_at: datetime
    next_due_at: datetime | None = Field(None, description="The limit next due (its light is `light`).")


class TicketPage(BaseModel):
    items: list[TicketSummary]
    limit: int
    offset: int
    has_more: bool


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    action: str
    actor_role: str
    actor_name: str
    from_status: str | None
    to_status: str | None
    at: datetime
    note: str | None
    changes: dict[str, Any]


class RepeatOut(BaseModel):
    number: str
    status: Status
    title: str
    created_at: datetime
    reason: str


class RequestOut(BaseModel):
    """A return (退单) or extension (延期) request."""

    id: int
    ticket_number: str
    kind: str
    department_id: int
    status: str
    reason: str
    requested_at: datetime
    working_days: int | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
