"""HTTP API of the deadline engine: rules, holiday overrides, the calendar and a due-time preview.
Reads: any authenticated actor. Writes: admins only."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from hotline.deps import Ctx, DbSession
from hotline.errors import ValidationFailed
from ticketing.deadlines import service
from ticketing.deadlines.schemas import (
    CalendarDay,
    CalendarOut,
    HolidayIn,
    HolidayOut,
    PreviewIn,
    PreviewOut,
    RuleIn,
    RuleOut,
)
from ticketing.deadlines.sla import DeadlineKind
from ticketing.deadlines.workdays import MAX_YEAR, MIN_YEAR
from ticketing.enums import Channel, Complexity, Role, TicketType, Urgency
from ticketing.org.auth import CurrentActor

router = APIRouter(prefix="/api/v1", tags=["deadlines"])

Year = Annotated[int, Query(ge=MIN_YEAR, le=MAX_YEAR)]
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_day(value: str) -> date:
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"day must be a date written YYYY-MM-DD, got {value!r}", field="day") from None


# --- rules ---------------------------------------------------------------------------------------------
@router.get("/deadline-rules", response_model=list[RuleOut])
def list_rules(actor: CurrentActor, session: DbSession, context: Ctx,
               locality: Annotated[str | None, Query(max_length=64)] = None) -> list[RuleOut]:
    rows = service.list_rules(session, locality=locality or context.settings.locality)
    return [RuleOut.model_validate(r) for r in rows]


@router.put("/deadline-rules", response_model=RuleOut)
def put_rule(body: RuleIn, actor: CurrentActor, session: DbSession, context: Ctx) -> RuleOut:
    actor.require(Role.ADMIN)
    rule = service.upsert_rule(
        session, locality=body.locality or context.settings.locality, kind=body.kind.value,
        ticket_type=body.ticket_type.value if body.ticket_type else None, urgency=body.urgency.value,
        complexity=body.complexity.value if body.complexity else None,
        channel=body.channel.value if body.channel else None, unit=body.unit.value, amount=body.amount,
        settings=context.settings, actor_id=actor.id, actor_name=actor.name, reason=body.reason,
    )
    session.commit()
    service.invalidate_policy_cache()
    return RuleOut.model_validate(rule)


@router.delete("/deadline-rules", status_code=204)
def delete_rule(
    actor: CurrentActor, session: DbSession, context: Ctx,
    urgency: Annotated[Urgency, Query()],
    kind: Annotated[DeadlineKind, Query()] = DeadlineKind.HANDLE,
    ticket_type: Annotated[TicketType | None, Query()] = None,
    locality: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    complexity: Annotated[Complexity | None, Query()] = None,
    channel: Annotated[Channel | None, Query()] = None,
    reason: Annotated[str, Query(max_length=400)] = "",
) -> Response:
    actor.require(Role.ADMIN)
    service.delete_rule(session, locality=locality or context.settings.locality, kind=kind.value,
                        ticket_type=ticket_type.value if ticket_type else None, urgency=urgency.value,
                        complexity=complexity.value if complexity else None,
                        channel=channel.value if channel else None, settings=context.settings,
                        actor_id=actor.id, actor_name=actor.name, reason=reason)
    session.commit()
    service.invalidate_policy_cache()
    return Response(status_code=204)


# --- holiday overrides ---------------------------------------------------------------------------------
@router.get("/holidays", response_model=list[HolidayOut])
def list_holidays(actor: CurrentActor, session: DbSession, year: Year | None = None) -> list[HolidayOut]:
    return [HolidayOut.model_validate(o) for o in service.list_overrides(session, year=year)]


@router.get("/holidays/{day}", response_model=HolidayOut)
def get_holiday(day: str, actor: CurrentActor, session: DbSession) -> HolidayOut:
    return HolidayOut.model_validate(service.get_override(session, day=_parse_day(day)))


@router.put("/holidays/{day}", response_model=HolidayOut)
def put_holiday(day: str, body: HolidayIn, actor: CurrentActor, session: DbSession) -> HolidayOut:
    actor.require(Role.ADMIN)
    the_day = _parse_day(day)
    if not MIN_YEAR <= the_day.year <= MAX_YEAR:
        raise ValidationFailed(f"year must be between {MIN_YEAR} and {MAX_YEAR}", field="day")
    override = service.upsert_override(session, day=the_day, is_workday=body.is_workday, note=body.note)
    session.commit()
    service.invalidate_policy_cache()
    return HolidayOut.model_validate(override)


@router.delete("/holidays/{day}", status_code=204)
def delete_holiday(day: str, actor: CurrentActor, session: DbSession) -> Response:
    actor.require(Role.ADMIN)
    service.delete_override(session, day=_parse_day(day))
    session.commit()
    service.invalidate_policy_cache()
    return Response(status_code=204)


# --- calendar and preview ---------------------------------------------------------------------------------
@router.get("/calendar/{year}", response_model=CalendarOut)
def get_calendar(year: int, actor: CurrentActor, session: DbSession, context: Ctx) -> CalendarOut:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(f"year must be between {MIN_YEAR} and {MAX_YEAR}", field="year", year=year)
    calendar = service.load_policy(session, settings=context.settings).calendar
    days = [CalendarDay(day=d, weekday=d.isoweekday(), is_workday=flag, source=source)
            for d, flag, source in calendar.year_days(year)]
    return CalendarOut(year=year, working_days=sum(d.is_workday for d in days), days=days)


@router.post("/deadlines/preview", response_model=PreviewOut)
def preview(body: PreviewIn, actor: CurrentActor, session: DbSession, context: Ctx) -> PreviewOut:
    policy = service.load_policy(session, settings=context.settings, locality=body.locality)
    limits = policy.limits(body.accepted_at, urgency=body.urgency.value,
                           ticket_type=body.ticket_type.value if body.ticket_type else None,
                           complexity=body.complexity.value if body.complexity else None,
                           channel=body.channel.value if body.channel else None)
    calendar = policy.calendar
    first_day, due_day = calendar.local_day(body.accepted_at), calendar.local_day(limits.handle)
    return PreviewOut(
        accepted_at=policy.local(body.accepted_at), due_at=policy.local(limits.handle),
        first_contact_due_at=policy.local(limits.first_contact), reply_due_at=policy.local(limits.reply),
        working_days_to_due=calendar.working_days_between(first_day, due_day), locality=policy.name,
        calendar_warnings=[f"holiday calendar of {year} not published: weekends and fixed-date holidays only"
                           for year in calendar.fallback_years(first_day, due_day)],
    )
