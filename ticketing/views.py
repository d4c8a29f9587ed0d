"""REST routes for tickets under /api/v1. Every action answers with the ticket as it now stands."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status

from hotline.deps import Ctx
from hotline.errors import ValidationFailed
from ticketing import flows
from ticketing.enums import Channel, Light, Role, Status, TicketType, Urgency
from ticketing.flows import queries
from ticketing.org.auth import CurrentActor
from ticketing.schemas import (
    DecisionIn,
    DispatchIn,
    EventOut,
    ExtensionIn,
    MergeIn,
    NoteIn,
    OptionalNoteIn,
    ReopenIn,
    RepeatOut,
    ReplyIn,
    RequestOut,
    ReturnIn,
    ReviewReturnIn,
    TicketCreate,
    TicketOut,
    TicketPage,
    TriageIn,
)
from ticketing.service import TicketFilter

router = APIRouter(prefix="/api/v1", tags=["tickets"])
NUMBER = "/tickets/{number}"


@router.post("/tickets", status_code=status.HTTP_201_CREATED, response_model=TicketOut)
def create(data: TicketCreate, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    number = flows.create_ticket(ctx, data=data, actor=actor)
    return queries.ticket_view(ctx, number=number, actor=actor)


@router.get("/tickets", response_model=TicketPage)
def list_tickets(
    ctx: Ctx, actor: CurrentActor,
    status_: Annotated[list[Status] | None, Query(alias="status")] = None,
    light: Light | None = None,
    department_id: int | None = None,
    ticket_type: Annotated[TicketType | None, Query(alias="type")] = None,
    urgency: Urgency | None = None,
    channel: Channel | None = None,
    caller: Annotated[str | None, Query(max_length=40)] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Chinese full-text search")] = None,
    order: Annotated[str, Query(pattern="^(newest|queue|due)$")] = "newest",
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> TicketPage:
    for name, value in (("created_from", created_from), ("created_to", created_to)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailed(f"{name} needs a UTC offset", field=name)
        if value is not None and not 1900 <= value.year <= 2999:
            raise ValidationFailed(f"{name} must lie between the years 1900 and 2999", field=name)
    if caller is not None and actor.role.value not in ctx.settings.roles_seeing_caller:
        raise ValidationFailed("your role may not search by caller number", field="caller")
    flt = TicketFilter(
        statuses=[s.value for s in status_] if status_ else None, light=light, department_id=department_id,
        ticket_type=ticket_type.value if ticket_type else None, urgency=urgency.value if urgency else None,
        channel=channel.value if channel else None, caller_phone=caller, created_from=created_from,
        created_to=created_to, text=q.strip() if q and q.strip() else None,
    )
    return queries.list_tickets(ctx, flt=flt, actor=actor, order=order, limit=limit, offset=offset)


@router.get(NUMBER, response_model=TicketOut)
def get(number: str, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    return queries.ticket_view(ctx, number=number, actor=actor)


@router.get(NUMBER + "/events", response_model=list[EventOut])
def events(number: str, ctx: Ctx, actor: CurrentActor) -> list[EventOut]:
    return queries.history(ctx, number=number, actor=actor)


@router.get(NUMBER + "/repeats", response_model=list[RepeatOut])
def repeats(number: str, ctx: Ctx, actor: CurrentActor) -> list[RepeatOut]:
    return queries.repeats(ctx, number=number, actor=actor)


def _action(path: str, summary: str):
    return router.post(NUMBER + path, response_model=TicketOut, summary=summary)


@_action("/triage", "分类 triage: type, category, urgency, address")
def triage(number: str, data: TriageIn, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.triage(ctx, number=number, data=data, actor=actor)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/dispatch", "派单 dispatch to a lead department and co-handling departments")
def dispatch(number: str, data: DispatchIn, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.dispatch(ctx, number=number, data=data, actor=actor)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/answer", "直接答复 answer a consultation directly and close it")
def answer(number: str, data: ReplyIn, ctx: Ctx, actor: CurrentActor,
           article_id: Annotated[int | None, Query()] = None) -> TicketOut:
    flows.answer(ctx, number=number, reply=data.reply, actor=actor, article_id=article_id)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/accept", "签收 department accepts the case")
def accept(number: str, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.accept(ctx, number=number, actor=actor)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/contact", "首次联系 department records first contact with the citizen")
def contact(number: str, ctx: Ctx, actor: CurrentActor, data: OptionalNoteIn | None = None) -> TicketOut:
    flows.contact(ctx, number=number, actor=actor, note=data.note if data else None)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/notes", "办理进展 progress note")
def note(number: str, data: NoteIn, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.add_note(ctx, number=number, actor=actor, note=data.note)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/reply", "答复 department replies with the result")
def reply(number: str, data: ReplyIn, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.reply(ctx, number=number, actor=actor, text=data.reply)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/close", "办结 close after the department's reply")
def close(number: str, ctx: Ctx, actor: CurrentActor, data: OptionalNoteIn | None = None) -> TicketOut:
    flows.close(ctx, number=number, actor=actor, note=data.note if data else None)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/send-back", "退回重办 reply not accepted, department handles again")
def send_back(number: str, data: NoteIn, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.send_back(ctx, number=number, actor=actor, note=data.note)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/return", "退单 department returns a mis-dispatched case for dispute review")
def return_(number: str, data: ReturnIn, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.request_return(ctx, number=number, data=data, actor=actor)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/return/review", "异议审核 supervisor upholds (改派) or rejects a return")
def review_return(number: str, data: ReviewReturnIn, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.review_return(ctx, number=number, data=data, actor=actor)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/extensions", "延期 department requests more working days")
def request_extension(number: str, data: ExtensionIn, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.request_extension(ctx, number=number, data=data, actor=actor)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/extensions/{extension_id}/decision", "延期审批 supervisor approves or denies an extension")
def decide_extension(number: str, extension_id: int, data: DecisionIn, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.decide_extension(ctx, number=number, extension_id=extension_id, data=data, actor=actor)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/supervise", "督办 supervise (再督办 once the case was reopened)")
def supervise(number: str, data: NoteIn, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.supervise(ctx, number=number, note=data.note, actor=actor)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/reopen", "重启 reopen a closed case (再督办)")
def reopen(number: str, data: ReopenIn, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.reopen(ctx, number=number, data=data, actor=actor)
    return queries.ticket_view(ctx, number=number, actor=actor)


@_action("/merge", "并单 merge this repeat case into another, keeping every caller")
def merge(number: str, data: MergeIn, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.merge(ctx, number=number, data=data, actor=actor)
    return queries.ticket_view(ctx, number=number, actor=actor)


@router.get("/review/returns", response_model=list[RequestOut], tags=["supervision"])
def pending_returns(ctx: Ctx, actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                    offset: Annotated[int, Query(ge=0)] = 0) -> list[RequestOut]:
    return queries.pending_requests(ctx, kind="return", actor=actor, limit=limit, offset=offset)


@router.get("/review/extensions", response_model=list[RequestOut], tags=["supervision"])
def pending_extensions(ctx: Ctx, actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                       offset: Annotated[int, Query(ge=0)] = 0) -> list[RequestOut]:
    return queries.pending_requests(ctx, kind="extension", actor=actor, limit=limit, offset=offset)


@router.get("/reports/repeats", tags=["supervision"])
def repeat_report(ctx: Ctx, actor: CurrentActor, days: Annotated[int, Query(ge=1, le=3660)] = 30,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict]:
    """重复投诉: matters raised by at least `repeat_min_count` cases (merged), with their callers."""
    actor.require(Role.SUPERVISOR, Role.ADMIN, Role.AGENT)
    return queries.repeat_report(ctx, days=days, limit=limit)

