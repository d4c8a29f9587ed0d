"""Supervisor use cases of return visits: per-caller opt-outs (add with a reason, remove), SMS replies that
matched no visit (attach one to a case's visit by hand, or dismiss it), each written to the audit trail."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from callbacks import flows, service
from callbacks.models import VisitAttempt
from callbacks.sms import parse_reply
from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import Conflict, NotFound, ValidationFailed
from ticketing.enums import Role, Satisfaction
from ticketing.flows.satisfaction import LABELS
from ticketing.org.auth import Actor
from ticketing.phones import mask, normalize

MANAGERS = (Role.SUPERVISOR, Role.ADMIN)
RATED = ("rated", "done")


def shown_phone(settings, actor: Actor, phone: str | None) -> str | None:
    """The number as this actor may see it (settings.roles_seeing_caller, masked otherwise)."""
    return phone if actor.role.value in settings.roles_seeing_caller else mask(phone)


def caller_number(raw: str | None) -> str:
    """A caller number in the form visits store it (ticketing.phones.normalize); empty is an error."""
    phone = normalize(raw)
    if phone is None:
        raise ValidationFailed("phone is required", field="phone")
    return phone


def _text(ctx: AppContext, value: str | None, field: str, *, required: bool) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationFailed(f"{field} is required", field=field)
        return None
    if len(value) > ctx.settings.max_note_chars:
        raise ValidationFailed(f"{field} is too long", field=field, limit=ctx.settings.max_note_chars)
    return value


def add_opt_out(ctx: AppContext, *, actor: Actor, phone: str, reason: str) -> dict:
    """Record that a caller wants no return visits; visits of that number still waiting for a call or an
    answer are finished as opted out (as a STOP reply does)."""
    actor.require(*MANAGERS)
    number, why = caller_number(phone), _text(ctx, reason, "reason", required=True)
    now = utcnow()
    with ctx.sessions() as session:
        existing = service.get_opt_out(session, phone=number)
        if existing is not None:
            raise Conflict("this number has already opted out of return visits", field="phone",
                           source=existing.source)
        try:
            service.add_opt_out(session, phone=number, source="staff", reason=why, created_by=actor.id)
        except IntegrityError:  # recorded at the same moment by someone else (or a STOP reply)
            session.rollback()
            raise Conflict("this number has already opted out of return visits", field="phone") from None
        stopped = flows.stop_visits(session, phone=number, now=now)
        service.add_audit(session, at=now, actor_id=actor.id, actor_name=actor.name, action="opt_out_added",
                          phone=number, reason=why, detail=f"staff; {stopped} open visits stopped")
        session.commit()
    return {"phone": number, "stopped_visits": stopped}


def remove_opt_out(ctx: AppContext, *, actor: Actor, phone: str, reason: str) -> str:
    """Allow return visits to the caller again (cases closed from now on); visits already finished as opted
    out stay so. Returns the normalised number."""
    actor.require(*MANAGERS)
    number, why = caller_number(phone), _text(ctx, reason, "reason", required=True)
    with ctx.sessions() as session:
        existing = service.get_opt_out(session, phone=number)
        if existing is None:
            raise NotFound("this number has no return visit opt-out", phone=number)
        source = existing.source
        service.delete_opt_out(session, opt_out=existing)
        service.add_audit(session, at=utcnow(), actor_id=actor.id, actor_name=actor.name,
                          action="opt_out_removed", phone=number, reason=why, detail=f"was {source}")
        session.commit()
    return number


def _rating(value: Satisfaction | str) -> Satisfaction:
    try:
        return Satisfaction(value)
    except ValueError:
        raise ValidationFailed(f"unknown rating {value!r}", field="rating") from None


def _open_reply(session, reply_id: int):
    reply = service.get_reply(session, reply_id=reply_id, for_update=True)
    if reply.status != "open":
        raise Conflict("this reply has already been handled", status=reply.status)
    return reply


def attach_reply(ctx: AppContext, *, actor: Actor, reply_id: int, ticket_number: str,
                 rating: Satisfaction | str | None = None, note: str | None = None) -> dict:
    """Put an unmatched reply on the case's current visit as if it had arrived in time: a reply attempt, the
    rating (the one given, else the reply's own reading), then the ticket's normal rating flow (≤ 2 reopens
    with 再督办)."""
    actor.require(*MANAGERS)
    number = (ticket_number or "").strip()
    if not number:
        raise ValidationFailed("ticket_number is required", field="ticket_number")
    why = _text(ctx, note, "note", required=False)
    now = utcnow()
    with ctx.sessions() as session:
        reply = _open_reply(session, reply_id)
        value = _rating(rating) if rating else parse_reply(reply.body)
        if not isinstance(value, Satisfaction):
            raise ValidationFailed("the reply gives no rating 1-5: choose one", field="rating")
        visit = service.latest_visit_of(session, number=number)
        if visit is None:
            raise NotFound(f"case {number} has no return visit", field="ticket_number")
        if visit.status in RATED:
            raise Conflict("this visit already has a rating", status=visit.status)
        if service.unfinished_attempts(session, visit_id=visit.id):
            raise Conflict("a survey call or SMS of this visit is in progress: try again shortly")
        session.add(VisitAttempt(visit_id=visit.id, channel="reply", started_at=reply.received_at, ended_at=now,
                                 outcome="reply", ref=reply.message_ref, detail=reply.body[:500]))
        flows.rate_visit(visit, value, channel="sms", now=now)
        visit.lease_until, visit.claim = None, None  # a message already handed out now finds nothing to do
        reply.status, reply.visit_id, reply.handled_by, reply.handled_at, reply.note = (
            "attached", visit.id, actor.id, now, why)
        service.add_audit(session, at=now, actor_id=actor.id, actor_name=actor.name, action="reply_attached",
                          phone=reply.phone, ticket_number=number, visit_id=visit.id, reply_id=reply.id,
                          reason=why, detail=LABELS[value])
        visit_id = visit.id
        session.commit()
    # A failure here leaves the visit "rated": the sweep puts the rating on the ticket later.
    flows.apply_rating(ctx, visit_id=visit_id)
    return {"visit_id": visit_id, "ticket_number": number, "satisfaction": value.value}


def dismiss_reply(ctx: AppContext, *, actor: Actor, reply_id: int, note: str | None = None) -> None:
    """Mark an unmatched reply as seen and not belonging to any visit; it is kept."""
    actor.require(*MANAGERS)
    why = _text(ctx, note, "note", required=False)
    now = utcnow()
    with ctx.sessions() as session:
        reply = _open_reply(session, reply_id)
        reply.status, reply.handled_by, reply.handled_at, reply.note = "dismissed", actor.id, now, why
        service.add_audit(session, at=now, actor_id=actor.id, actor_name=actor.name, action="reply_dismissed",
                          phone=reply.phone, reply_id=reply.id, reason=why)
        session.commit()
