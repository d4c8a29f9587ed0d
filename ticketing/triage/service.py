"""Database access of triage (select() only, keyword-only arguments): catalogue ids by code, hand-off
records, and the cases agents decided by hand (training labels)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.models import Ticket, TicketEvent
from ticketing.org.models import Category, Department
from ticketing.triage.models import Handoff


def department_ids(session: Session, *, codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    return dict(session.execute(select(Department.code, Department.id).where(
        Department.code.in_(codes), Department.active.is_(True))).all())


def category_id(session: Session, *, code: str) -> int | None:
    return session.scalar(select(Category.id).where(Category.code == code, Category.active.is_(True)))


def add_handoff(session: Session, *, handoff: Handoff) -> Handoff:
    session.add(handoff)
    session.flush()
    return handoff


def handoffs(session: Session, *, ticket_ids: list[int]) -> list[Handoff]:
    if not ticket_ids:
        return []
    return list(session.scalars(select(Handoff).where(Handoff.ticket_id.in_(ticket_ids)).order_by(Handoff.id)))


def ticket_id(session: Session, *, number: str) -> int | None:
    return session.scalar(select(Ticket.id).where(Ticket.number == number))


def decided_ticket_ids(session: Session, *, actions: tuple[str, ...], roles: tuple[str, ...]) -> list[int]:
    """Cases with at least one event of `actions` by a person in `roles`."""
    return sorted(set(session.scalars(select(TicketEvent.ticket_id).where(
        TicketEvent.action.in_(actions), TicketEvent.actor_role.in_(roles)))))


def labelled_tickets(session: Session, *, ids: list[int]) -> list[tuple[Ticket, str | None, str | None]]:
    """(ticket, its category code, its last recorded hand-off service) for each id."""
    services = {h.ticket_id: h.service for h in handoffs(session, ticket_ids=ids)}
    rows = session.execute(select(Ticket, Category.code).outerjoin(Category, Category.id == Ticket.category_id)
                           .where(Ticket.id.in_(ids))).all()
    return [(t, code, services.get(t.id)) for t, code in rows]
