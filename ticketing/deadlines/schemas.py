"""Request and response bodies of the deadline API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ticketing.deadlines.sla import MAX_AMOUNT, DeadlineKind, DeadlineUnit
from ticketing.enums import TicketType, Urgency


class RuleKeyQuery(BaseModel):
    locality: str | None = Field(None, min_length=1, max_length=64,
                                 description="Rule set; default: the configured locality.")
    kind: DeadlineKind = DeadlineKind.HANDLE
    ticket_type: TicketType | None = Field(None, description="Omit for the rule that applies to any type.")
    urgency: Urgency


class RuleIn(RuleKeyQuery):
    model_config = ConfigDict(extra="forbid")

    unit: DeadlineUnit
    amount: int = Field(ge=0, le=MAX_AMOUNT, description="Working days or hours, depending on unit.")


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    locality: str
    kind: str
    ticket_type: str | None
    urgency: str
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
    working_days_to_due: int = Field(description="Working days from the acceptance day to the due day.")
