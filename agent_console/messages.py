"""我的消息: what happened lately that concerns the person looking — for department staff, cases dispatched to
their unit, 督办, decisions on their 延期 and 退单, overdue marks; for agents, the same on cases they
registered (首接负责); for supervisors, requests waiting for them and overdue cases. Read from the case history."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from agent_console.session import ConsoleActor
from agent_console.templating import templates
from ticketing.enums import Role
from ticketing.models import Ticket, TicketAssignment, TicketEvent
from ticketing.org.auth import Actor

router = APIRouter(prefix="/console", include_in_schema=False)
LIMIT = 50
ACTIONS = {
    Role.DEPARTMENT: ("dispatch", "supervise", "decide_extension", "review_return", "reopen", "overdue", "light",
                      "send_back"),
    Role.AGENT: ("dispatch", "supervise", "reply", "return", "review_return", "overdue", "reopen", "rate"),
    Role.SUPERVISOR: ("return", "request_extension", "overdue", "reopen", "rate"),
}
ACTIONS[Role.ADMIN] = ACTIONS[Role.SUPERVISOR]


def messages_for(session: Session, actor: Actor, *, limit: int = LIMIT) -> list[dict]:
    """The newest history entries that concern `actor`, newest first (others' actions only)."""
    e, a = TicketEvent, TicketAssignment
    stmt = (select(e.id, e.action, e.at, e.actor_name, e.actor_role, e.note, e.to_status, e.changes, Ticket.number,
                   Ticket.title, Ticket.urgency).join(Ticket, Ticket.id == e.ticket_id)
            .where(e.action.in_(ACTIONS.get(actor.role, ())), e.actor_id.is_distinct_from(actor.id)))
    if actor.role == Role.DEPARTMENT:
        stmt = stmt.where(select(a.id).where(a.ticket_id == e.ticket_id, a.department_id == actor.department_id,
                                             a.status != "withdrawn").exists())
    elif actor.role == Role.AGENT:
        stmt = stmt.where(Ticket.owner_id == actor.id)
    rows = session.execute(stmt.order_by(e.id.desc()).limit(limit)).all()
    return [r._asdict() for r in rows]


@router.get("/messages", response_class=HTMLResponse)
def messages_page(request: Request, actor: ConsoleActor) -> Response:
    with request.app.state.context.reader() as session:
        items = messages_for(session, actor)
    link = "/console/workbench/" if actor.role == Role.DEPARTMENT else "/console/tickets/"
    return templates.TemplateResponse(request, "messages.html", {"items": items, "link": link})
