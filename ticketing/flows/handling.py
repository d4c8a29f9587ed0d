"""Department handling (签收, 首次联系, 进展, 答复) and the hotline's close / send-back."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import InvalidTransition
from ticketing.enums import AssignmentStatus, Role
from ticketing.flows.common import (
    assign,
    limit_text,
    load_record,
    own_assignment,
    run,
    settled_light,
    transition,
)
from ticketing.org.auth import Actor


def accept(ctx: AppContext, *, number: str, actor: Actor) -> None:
    """签收. The lead's acceptance moves the case to `accepted`; a co-handling unit only marks its own part."""

    def work(session: Session) -> None:
        ticket = load_record(session, number, actor)
        assignment = own_assignment(ticket, actor, lead_only=False)
        if assignment.status != AssignmentStatus.DISPATCHED.value:
            raise InvalidTransition(f"your department has already accepted case {number}")
        now = utcnow()
        assignment.status, assignment.accepted_at = AssignmentStatus.ACCEPTED.value, now
        if assignment.role == "lead":
            transition(session, ticket, actor, "accept", changes=assign(ticket, handled_at=now))
        else:
            transition(session, ticket, actor, "note", note="协办单位已签收",
                       changes={"co_accepted": [None, actor.department_id]})

    run(ctx, work)


def contact(ctx: AppContext, *, number: str, actor: Actor, note: str | None) -> None:
    """Record the department's first contact with the citizen (the first-contact deadline stops). Only a unit
    that has signed for its part (签收) records it."""
    limit_text(note, limit=ctx.settings.max_note_chars, field="note")

    def work(session: Session) -> None:
        ticket = load_record(session, number, actor)
        mine = own_assignment(ticket, actor, lead_only=False)
        if mine.status == AssignmentStatus.DISPATCHED.value:
            raise InvalidTransition("sign for the case (签收) before recording first contact", action="contact",
                                    status=ticket.status)
        changes = assign(ticket, first_contact_at=ticket.first_contact_at or utcnow())
        changes |= assign(ticket, **settled_light(ctx, ticket))
        transition(session, ticket, actor, "contact", note=note, changes=changes)

    run(ctx, work)


def add_note(ctx: AppContext, *, number: str, actor: Actor, note: str) -> None:
    limit_text(note, limit=ctx.settings.max_note_chars, field="note")

    def work(session: Session) -> None:
        ticket = load_record(session, number, actor)
        if actor.role == Role.DEPARTMENT:
            own_assignment(ticket, actor, lead_only=False)
        transition(session, ticket, actor, "note", note=note)

    run(ctx, work)


def reply(ctx: AppContext, *, number: str, actor: Actor, text: str) -> None:
    """答复. A co-handling unit's reply is recorded on its part; the lead's reply moves the case to `replied`."""
    limit_text(text, limit=ctx.settings.max_content_chars, field="reply")

    def work(session: Session) -> None:
        ticket = load_record(session, number, actor)
        assignment = own_assignment(ticket, actor, lead_only=False)
        now = utcnow()
        assignment.status, assignment.replied_at, assignment.reply = AssignmentStatus.REPLIED.value, now, text
        if assignment.role == "lead":
            changes = assign(ticket, reply=text, replied_at=now)
            changes |= assign(ticket, **settled_light(ctx, ticket, now))
            transition(session, ticket, actor, "reply", changes=changes)
        else:
            transition(session, ticket, actor, "note", note=text, changes={"co_replied": [None, actor.department_id]})

    run(ctx, work)


def close(ctx: AppContext, *, number: str, actor: Actor, note: str | None) -> None:
    """办结: the hotline accepts the department's reply. The return visit (回访) follows from this event."""

    def work(session: Session) -> None:
        ticket = load_record(session, number, actor)
        transition(session, ticket, actor, "close", note=note, changes=assign(ticket, closed_at=utcnow()))

    run(ctx, work)


def send_back(ctx: AppContext, *, number: str, actor: Actor, note: str) -> None:
    """退回重办: the reply does not answer the citizen; the lead department must handle it again."""
    limit_text(note, limit=ctx.settings.max_note_chars, field="note")

    def work(session: Session) -> None:
        ticket = load_record(session, number, actor)
        for a in ticket.assignments:
            if a.role == "lead" and a.status == AssignmentStatus.REPLIED.value:
                a.status = AssignmentStatus.ACCEPTED.value
        changes = assign(ticket, replied_at=None)
        transition(session, ticket, actor, "send_back", note=note, changes=changes | assign(ticket, **settled_light(ctx, ticket)))

    run(ctx, work)
