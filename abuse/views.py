"""Abuse screening API: agents report incidents and record appeals; supervisors decide blacklist entries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from abuse import flows, service
from abuse.schemas import (
    AppealDecisionIn,
    AppealIn,
    AttemptOut,
    BlacklistIn,
    EntryOut,
    HistoryOut,
    IncidentIn,
    IncidentOut,
    IncidentResult,
    ReasonIn,
)
from hotline.context import AppContext
from hotline.deps import Ctx, ReadSession
from ticketing.access import flows as access
from ticketing.enums import Role
from ticketing.org.auth import CurrentActor

router = APIRouter(prefix="/api/v1/abuse", tags=["abuse"])
STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
Caller = Annotated[str | None, Query(max_length=40)]
Limit = Annotated[int, Query(ge=1, le=500)]


@router.post("/incidents", response_model=IncidentResult, status_code=201)
def report_incident(body: IncidentIn, actor: CurrentActor, context: Ctx) -> dict:
    return flows.report_incident(context, actor=actor, **body.model_dump())


@router.get("/incidents", response_model=list[IncidentOut])
def list_incidents(actor: CurrentActor, session: ReadSession, context: Ctx, request: Request,
                   caller: Caller = None, kind: Annotated[str | None, Query(max_length=32)] = None,
                   source: Annotated[str | None, Query(max_length=32)] = None, limit: Limit = 100) -> list[dict]:
    actor.require(*STAFF)
    number = flows.caller_number(caller) if caller else None
    _looked_up(context, request, actor, number)
    rows = service.list_incidents(session, caller=number, kind=kind, source=source, limit=limit)
    return [flows.incident_row(i) for i in rows]


@router.get("/blacklist", response_model=list[EntryOut])
def list_entries(actor: CurrentActor, session: ReadSession, context: Ctx, request: Request,
                 status: Annotated[str | None, Query(max_length=32)] = None, caller: Caller = None,
                 appeal_status: Annotated[str | None, Query(max_length=32)] = None, limit: Limit = 100) -> list[dict]:
    actor.require(*STAFF)
    number = flows.caller_number(caller) if caller else None
    _looked_up(context, request, actor, number)
    rows = service.list_entries(session, status=status, caller=number, appeal_status=appeal_status,
                                limit=limit)
    return [flows.entry_row(e) for e in rows]


@router.post("/blacklist", response_model=EntryOut, status_code=201)
def blacklist(body: BlacklistIn, actor: CurrentActor, context: Ctx) -> dict:
    return flows.blacklist(context, actor=actor, caller=body.caller, days=body.days, reason=body.reason)


@router.post("/blacklist/{entry_id}/confirm", response_model=EntryOut)
def confirm(entry_id: int, body: ReasonIn, actor: CurrentActor, context: Ctx) -> dict:
    return flows.confirm(context, actor=actor, entry_id=entry_id, reason=body.reason)


@router.post("/blacklist/{entry_id}/reject", response_model=EntryOut)
def reject(entry_id: int, body: ReasonIn, actor: CurrentActor, context: Ctx) -> dict:
    return flows.reject(context, actor=actor, entry_id=entry_id, reason=body.reason or "")


@router.post("/blacklist/{entry_id}/lift", response_model=EntryOut)
def lift(entry_id: int, body: ReasonIn, actor: CurrentActor, context: Ctx) -> dict:
    return flows.lift(context, actor=actor, entry_id=entry_id, reason=body.reason or "")


@router.post("/blacklist/{entry_id}/appeal", response_model=EntryOut)
def appeal(entry_id: int, body: AppealIn, actor: CurrentActor, context: Ctx) -> dict:
    return flows.appeal(context, actor=actor, entry_id=entry_id, text=body.text)


@router.post("/blacklist/{entry_id}/appeal/decision", response_model=EntryOut)
def decide_appeal(entry_id: int, body: AppealDecisionIn, actor: CurrentActor, context: Ctx) -> dict:
    return flows.decide_appeal(context, actor=actor, entry_id=entry_id, grant=body.grant, reason=body.reason)


@router.get("/attempts", response_model=list[AttemptOut])
def list_attempts(actor: CurrentActor, session: ReadSession, emergency: bool | None = None,
                  unreviewed: bool = False, limit: Limit = 100) -> list[dict]:
    actor.require(*STAFF)
    rows = service.list_attempts(session, emergency=emergency, unreviewed=unreviewed, limit=limit)
    return [flows.attempt_row(a) for a in rows]


@router.post("/attempts/{attempt_id}/review", response_model=AttemptOut)
def review_attempt(attempt_id: int, body: ReasonIn, actor: CurrentActor, context: Ctx) -> dict:
    return flows.review_attempt(context, actor=actor, attempt_id=attempt_id, reason=body.reason)


@router.get("/callers/{caller}", response_model=HistoryOut)
def caller_history(caller: Annotated[str, Path(max_length=40)], actor: CurrentActor, session: ReadSession,
                   context: Ctx, request: Request) -> dict:
    actor.require(*STAFF)
    history = flows.caller_history(session, caller=caller)
    _looked_up(context, request, actor, flows.caller_number(caller))
    return history


def _looked_up(context: AppContext, request: Request, actor, number: str | None) -> None:
    """Audit a caller lookup (who, when, which number, which route)."""
    access.seen(context, actor=actor, action="caller_lookup", caller=number,
                client=request.client.host if request.client else None,
                detail={"route": getattr(request.scope.get("route"), "path", "")})
