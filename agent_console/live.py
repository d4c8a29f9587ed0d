"""Live queue: Server-Sent Events announcing new cases to open queue pages, cases newly dispatched to a
department to its workbench (/console/workbench/stream), and every change of a case the viewer may see
(/console/changes/stream, read from the case history) so lists refresh and a case page knows it is stale.

Cases are created by other processes too (phone calls, Open311, workers), so the stream polls the database —
a cheap primary-key range read — every `settings.console_poll_seconds`, and ends when the browser goes away
(checked every poll) or after `settings.console_stream_max_seconds` (the browser's EventSource reconnects and
resumes from the Last-Event-ID it was sent)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent_console.session import console_actor, require
from hotline.context import AppContext
from ticketing.enums import LABELS_ZH, Role
from ticketing.models import Ticket, TicketAssignment, TicketEvent
from ticketing.org.auth import Actor

router = APIRouter(prefix="/console", include_in_schema=False)
QUEUE_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
BATCH = 20  # most cases announced per poll; the rest follow on the next one
KEEPALIVE_POLLS = 30  # a comment line every this many empty polls keeps proxies from closing the stream
RETRY_MS = 1000


def newest_id(session: Session) -> int:
    """Id of the newest case (0 if none): the page remembers it and the stream announces what follows."""
    return session.scalar(select(func.max(Ticket.id))) or 0


def newer_tickets(session: Session, *, after_id: int, limit: int = BATCH) -> list[dict]:
    rows = session.execute(
        select(Ticket.id, Ticket.number, Ticket.title, Ticket.urgency, Ticket.channel, Ticket.suggestions)
        .where(Ticket.id > after_id).order_by(Ticket.id).limit(limit)
    ).all()
    return [{"id": r.id, "number": r.number, "title": r.title, "urgency": r.urgency,
             "urgency_zh": LABELS_ZH.get(r.urgency, r.urgency), "channel_zh": LABELS_ZH.get(r.channel, r.channel),
             **_alert(r)} for r in rows]


def _alert(row) -> dict:
    """An urgent case carries the emergency service it must go to and why (ticketing.triage)."""
    if row.urgency != "urgent":
        return {}
    hint = (row.suggestions or {}).get("triage") or {}
    return {"handoff": hint.get("handoff"), "reason": "；".join(hint.get("reasons", [])[:2])}


def newest_assignment_id(session: Session, *, department_id: int | None) -> int:
    """Id of the department's newest assignment (0 if none): its workbench stream announces what follows."""
    return session.scalar(select(func.max(TicketAssignment.id))
                          .where(TicketAssignment.department_id == department_id)) or 0


def newer_assignments(session: Session, *, department_id: int | None, after_id: int, limit: int = BATCH) -> list[dict]:
    """Cases dispatched (or re-dispatched) to the department after assignment `after_id`, lead or co."""
    a = TicketAssignment
    rows = session.execute(
        select(a.id, a.role, Ticket.number, Ticket.title, Ticket.urgency).join(Ticket, Ticket.id == a.ticket_id)
        .where(a.department_id == department_id, a.id > after_id, a.status != "withdrawn")
        .order_by(a.id).limit(limit)
    ).all()
    return [{"id": r.id, "number": r.number, "title": r.title, "urgency": r.urgency, "role_zh": LABELS_ZH[r.role],
             "urgency_zh": LABELS_ZH.get(r.urgency, r.urgency)} for r in rows]


QUIET_ACTIONS = ("listen",)  # history entries that change nothing on the case


def newest_event_id(session: Session) -> int:
    return session.scalar(select(func.max(TicketEvent.id))) or 0


def newer_changes(session: Session, *, after_id: int, department_id: int | None, limit: int = BATCH) -> list[dict]:
    """History entries after `after_id` (a primary-key range read); department staff get their unit's cases."""
    from ticketing.states import TRANSITIONS

    e, a = TicketEvent, TicketAssignment
    stmt = (select(e.id, e.seq, e.action, e.to_status, e.actor_name, Ticket.number, Ticket.urgency)
            .join(Ticket, Ticket.id == e.ticket_id).where(e.id > after_id, e.action.not_in(QUIET_ACTIONS)))
    if department_id is not None:
        stmt = stmt.where(select(a.id).where(a.ticket_id == e.ticket_id, a.department_id == department_id,
                                             a.status != "withdrawn").exists())
    rows = session.execute(stmt.order_by(e.id).limit(limit)).all()
    return [{"id": r.id, "seq": r.seq, "number": r.number, "action": r.action, "urgency": r.urgency,
             "action_zh": TRANSITIONS[r.action].label_zh if r.action in TRANSITIONS else "更新",
             "status_zh": LABELS_ZH.get(r.to_status or "", "")} for r in rows]


def sse(event: str, data: dict, *, event_id: int) -> str:
    return f"id: {event_id}\nevent: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def ticket_events(request: Request, ctx: AppContext, *, after_id: int, department_id: int | None = None,
                        event: str = "ticket") -> AsyncIterator[str]:
    """New cases (event "ticket"), or with `event` "assigned" the cases dispatched to `department_id`."""
    settings = ctx.settings
    ends = time.monotonic() + settings.console_stream_max_seconds
    yield f"retry: {RETRY_MS}\n: connected after {after_id}\n\n"
    idle = 0

    def poll() -> list[dict]:
        with ctx.reader() as session:
            if event == "assigned":
                return newer_assignments(session, department_id=department_id, after_id=after_id)
            if event == "change":
                return newer_changes(session, after_id=after_id, department_id=department_id)
            return newer_tickets(session, after_id=after_id)

    while time.monotonic() < ends:
        if await request.is_disconnected():
            return
        rows = await anyio.to_thread.run_sync(poll)
        for row in rows:
            after_id = row["id"]
            yield sse(event, row, event_id=row["id"])
            if row["urgency"] == "urgent":  # a live alert on every supervisor's and agent's open queue
                yield sse("alert", row, event_id=row["id"])
        idle = 0 if rows else idle + 1
        if idle >= KEEPALIVE_POLLS:
            idle = 0
            yield ": keepalive\n\n"
        if not rows or len(rows) < BATCH:
            await asyncio.sleep(settings.console_poll_seconds)


@router.get("/queue/stream")
def queue_stream(request: Request, _actor: Annotated[Actor, Depends(require(*QUEUE_ROLES))], after: int = 0,
                 last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None) -> StreamingResponse:
    """Announce every case created after `after` (or the reconnecting browser's Last-Event-ID)."""
    if last_event_id and last_event_id.isdigit():
        after = max(after, int(last_event_id))
    ctx = request.app.state.context
    return StreamingResponse(ticket_events(request, ctx, after_id=after), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/workbench/stream")
def workbench_stream(request: Request, actor: Annotated[Actor, Depends(require(Role.DEPARTMENT))], after: int = 0,
                     last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None) -> StreamingResponse:
    """Announce every case dispatched to the actor's department after assignment `after` (or Last-Event-ID)."""
    if last_event_id and last_event_id.isdigit():
        after = max(after, int(last_event_id))
    ctx = request.app.state.context
    return StreamingResponse(ticket_events(request, ctx, after_id=after, department_id=actor.department_id,
                                           event="assigned"),
                             media_type="text/event-stream", headers={"Cache-Control": "no-store",
                                                                      "X-Accel-Buffering": "no"})


@router.get("/changes/stream")
def changes_stream(request: Request, actor: Annotated[Actor, Depends(console_actor)], after: int = 0,
                   last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None) -> StreamingResponse:
    """Announce every change (history entry) after event `after` of the cases the actor may see."""
    if last_event_id and last_event_id.isdigit():
        after = max(after, int(last_event_id))
    ctx = request.app.state.context
    department = (actor.department_id if actor.department_id is not None else -1) if actor.role == Role.DEPARTMENT \
        else None
    return StreamingResponse(ticket_events(request, ctx, after_id=after, department_id=department, event="change"),
                             media_type="text/event-stream", headers={"Cache-Control": "no-store",
                                                                      "X-Accel-Buffering": "no"})
