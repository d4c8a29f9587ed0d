"""Request and response bodies of the deadline API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ticketing.deadlines.sla import MAX_AMOUNT, DeadlineKind, DeadlineUnit
from ticketing.enums import Channel, Complexity, TicketType, Urgency


class RuleKeyQuery(BaseModel):
    locality: str | None = Field(None, min_length=1, max_length=64,
                                 description="Rule set; default: the configured locality.")
    kind: DeadlineKind = DeadlineKind.HANDLE
    ticket_type: TicketType | None = Field(None, description="Omit for the rule that applies to any type.")
    urgency: Urgency
    complexity: Complexity | None = Field(None, description="Omit for any complexity.")
    channel: Channel | None = Field(None, description="Omit for any intake channel.")


class RuleIn(RuleKeyQuery):
    model_config = ConfigDict(extra="forbid")

    unit: DeadlineUnit
    amount: int = Field(ge=0, le=MAX_AMOUNT, description="Hours, natural or working days, depending on unit.")
    reason: str = Field("", max_length=400, description="Why the rule changes (kept in the audit trail).")


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    locality: str
    kind: str
    ticket_type: str | None
    urgency: str
    complexity: str | None = None
    channel: str | None = None
    unit: str
    amount: int


class HolidayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    is_workday: bool = Field(description="True: a working day (e.g. late 调休 notice); False: a day off.")
    note: str = Field("", max_length=200)


class HolidayOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: date
    is_workday: bool
    note: str
    updated_at: datetime


class CalendarDay(BaseModel):
    day: date
    weekday: int = Field(description="1 = Monday ... 7 = Sunday.")
    is_workday: bool
    source: str = Field(description="library, override or fallback.")


class CalendarOut(BaseModel):
    year: int
    working_days: int
    days: list[CalendarDay]


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accepted_at: datetime = Field(description="ISO 8601 with a UTC offset.")
    urgency: Urgency = Urgency.NORMAL
    ticket_type: TicketType | None = None
    complexity: Complexity | None = None
    channel: Channel | None = None
    locality: str | None = Field(None, min_length=1, max_length=64, description="Default: the configured one.")

    @field_validator("accepted_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("accepted_at must include a UTC offset, e.g. 2026-09-25T10:00:00+08:00")
        return value


class PreviewOut(BaseModel):
    accepted_at: datetime
    due_at: datetime = Field(description="Handling deadline, in the local time zone.")
    first_contact_due_at: datetime = Field(description="First-contact deadline, in the local time zone.")
    reply_due_at: datetime | None = Field(None, description="Reply (答复) deadline, in the local time zone.")
    locality: str | None = Field(None, description="The rule set used.")
    calendar_warnings: list[str] = Field(default_factory=list, description="Years counted without a published "
                                         "holiday calendar (weekends and fixed-date holidays only).")
    working_days_to_due: int = Field(description="Working days from the acceptance day to the due day.")
