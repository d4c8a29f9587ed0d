"""认领 (claims): an agent takes a case to work on it; others see who holds it until the claim expires
(`settings.console_claim_minutes`) or is released. A claim informs, it does not lock: the state machine and
the ticket version still decide every action."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import Conflict
from ticketing import service
from ticketing.enums import Role
from ticketing.models import Ticket, TicketClaim
from ticketing.org.auth import Actor

HOTLINE = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


def claim(ctx: AppContext, *, number: str, actor: Actor) -> datetime:
    """Take (or renew) the claim on a case; refused while someone else's claim runs. Returns its expiry."""
    actor.require(*HOTLINE)
    now = utcnow()
    with ctx.sessions() as session:
        ticket = service.get_ticket(session, number=number, for_update=True, assignments=False)  # serialises
        held = session.scalar(select(TicketClaim).where(TicketClaim.ticket_id == ticket.id))
        if held is not None and held.user_id != actor.id and held.expires_at > now:
            raise Conflict(f"case {number} is held by {held.user_name}", holder=held.user_name,
                           expires_at=held.expires_at.isoformat())
        expires = now + timedelta(minutes=ctx.settings.console_claim_minutes)
        if held is None:
            session.add(TicketClaim(ticket_id=ticket.id, user_id=actor.id, user_name=actor.name, claimed_at=now,
                                    expires_at=expires))
        else:
            held.user_id, held.user_name, held.claimed_at, held.expires_at = actor.id, actor.name, now, expires
        session.commit()
        return expires


def release(ctx: AppContext, *, number: str, actor: Actor) -> None:
    """Give a claim back (its holder, or a supervisor); releasing nothing is fine."""
    actor.require(*HOTLINE)
    with ctx.sessions() as session:
        ticket = service.get_ticket(session, number=number, for_update=True, assignments=False)
        held = session.scalar(select(TicketClaim).where(TicketClaim.ticket_id == ticket.id))
        if held is None:
            return
        if held.user_id != actor.id and actor.role == Role.AGENT and held.expires_at > utcnow():
            raise Conflict(f"case {number} is held by {held.user_name}", holder=held.user_name)
        session.delete(held)
        session.commit()


def holders(ctx: AppContext, *, numbers: list[str]) -> dict[str, dict]:
    """Running claims of these cases: number → {"user_id", "name", "expires_at"}."""
    if not numbers:
        return {}
    with ctx.reader() as session:
        rows = session.execute(
            select(Ticket.number, TicketClaim.user_id, TicketClaim.user_name, TicketClaim.expires_at)
            .join(Ticket, Ticket.id == TicketClaim.ticket_id)
            .where(Ticket.number.in_(numbers), TicketClaim.expires_at > utcnow())).all()
    return {r.number: {"user_id": r.user_id, "name": r.user_name, "expires_at": r.expires_at} for r in rows}
