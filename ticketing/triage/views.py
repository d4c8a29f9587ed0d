"""REST routes of triage: suggestions for a text, the emergency hand-off record, undoing an automatic dispatch."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from hotline.context import AppContext
from hotline.deps import get_context
from ticketing.enums import Role
from ticketing.flows import queries
from ticketing.org.auth import CurrentActor
from ticketing.schemas import TicketOut
from ticketing.triage import flows
from ticketing.triage.schemas import HandoffIn, SuggestIn, UndoIn

router = APIRouter(prefix="/api/v1", tags=["triage"])
Ctx = Annotated[AppContext, Depends(get_context)]
STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM)


@router.post("/triage/suggest")
def suggest(data: SuggestIn, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    """Type, urgency and hand-off, matter, department with alternatives, district, title, reasons."""
    actor.require(*STAFF)
    with ctx.reader() as session:
        return flows.suggest(ctx, data.text, menu_type=data.menu_type, session=session)


@router.post("/tickets/{number}/handoff", response_model=TicketOut, summary="转警/转急救 hand-off record")
def handoff(number: str, data: HandoffIn, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.record_handoff(ctx, number=number, service=data.service, outcome=data.outcome, actor=actor,
                         note=data.note)
    return queries.ticket_view(ctx, number=number, actor=actor)


@router.post("/tickets/{number}/undo-auto-dispatch", response_model=TicketOut, summary="撤回自动派单")
def undo(number: str, data: UndoIn, ctx: Ctx, actor: CurrentActor) -> TicketOut:
    flows.undo_auto_dispatch(ctx, number=number, actor=actor, note=data.note)
    return queries.ticket_view(ctx, number=number, actor=actor)
