"""Intake use cases of the hotline: register (登记), triage (分类), dispatch (派单), answer directly, merge (并单)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session

from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import ValidationFailed
from ticketing import phones, service
from ticketing.enums import Light, Status, TicketType, Urgency
from ticketing.flows.common import (
    assign,
    assign_departments,
    check_category,
    limit_fields,
    limit_text,
    load_record,
    policy,
    recompute_deadlines,
    run,
    transition,
)
from ticketing.models import Ticket
from ticketing.org.auth import Actor
from ticketing.org.catalogue import suggest
from ticketing.rules import repeat_since
from ticketing.schemas import DispatchIn, MergeIn, TicketCreate, TriageIn

TITLE_FROM_CONTENT = 30
log = logging.getLogger(__name__)


def create_ticket(ctx: AppContext, *, data: TicketCreate, actor: Actor, call_ref: str | None = None,
                  recording_url: str | None = None, transcript: str | None = None,
                  informed_once: str | None = None) -> str:
    """Register a case; the registering agent is its first receiver and owner (首接负责). Returns the number.
    `informed_once`: the materials the caller was told, all at once, they must bring (一次告知), kept in
    the registration event."""
    from ticketing.textsearch import segment

    settings = ctx.settings
    limit_text(data.content, limit=settings.max_content_chars, field="content")
    title = data.title or _title_from(data.content)
    limit_text(title, limit=settings.max_title_chars, field="title")
    phone = phones.normalize(data.caller_phone)
    informed_once = (informed_once or "").strip() or None
    if informed_once is not None:
        limit_text(informed_once, limit=settings.max_note_chars, field="informed_once")
    hint = _triage(ctx, data, transcript)
    if hint.get("urgency") == Urgency.URGENT.value:
        data = data.model_copy(update={"urgency": Urgency.URGENT})
    now = utcnow()
    accepted_at = data.accepted_at or now
    if accepted_at > now + timedelta(minutes=5):
        raise ValidationFailed("accepted_at lies in the future", field="accepted_at")

    def work(session: Session) -> str:
        if data.category_id is not None:
            check_category(session, ctx, data.category_id)
        deadlines = policy(session, ctx, channel=data.channel.value)
        limits = deadlines.limits(accepted_at, urgency=data.urgency.value, ticket_type=data.ticket_type.value,
                                  complexity=data.complexity.value, channel=data.channel.value)
        local_day = accepted_at.astimezone(settings.tz).date()
        number = f"{local_day:%Y%m%d}{service.next_sequence(session, day=local_day):05d}"
        ticket = service.add_ticket(session, ticket=Ticket(
            number=number, channel=data.channel.value, caller_phone=phone, caller_name=data.caller_name,
            ticket_type=data.ticket_type.value, category_id=data.category_id, title=title,
            content=data.content, address=data.address, district=data.district, urgency=data.urgency.value,
            status=Status.REGISTERED.value, accepted_at=accepted_at, complexity=data.complexity.value,
            rule_set=deadlines.name, **limit_fields(limits), light=Light.GREEN.value, owner_id=actor.id, call_ref=call_ref, recording_url=recording_url,
            transcript=transcript, search_tokens=segment(f"{title} {data.content} {data.address or ''}"),
            event_count=0,
        ))
        service.add_caller(session, ticket_id=ticket.id, phone=phone, name=data.caller_name,
                           source_ticket_id=ticket.id)
        repeats = service.find_repeats(session, ticket=ticket, since=repeat_since(settings, created_at=now))
        hints: dict = {"triage": hint} if hint else {}
        if repeats:  # suggested merges (并单) for the agent; nothing is merged automatically
            hints["repeats"] = [{"number": t.number, "reason": why} for t, why in repeats]
        ticket.suggestions = hints or None
        changes = {"channel": [None, data.channel.value]}
        if hint.get("urgency") == Urgency.URGENT.value:
            changes["triage"] = [None, {"urgency": "urgent", "handoff": hint.get("handoff"),
                                        "reasons": hint.get("reasons", [])[:3]}]
        if informed_once is not None:
            changes["informed_once"] = [None, informed_once]
        transition(session, ticket, actor, "create", changes=changes)
        return number

    number = run(ctx, work)
    if hint.get("auto_dispatch") and data.category_id is None:
        from ticketing.triage.flows import auto_dispatch

        try:
            auto_dispatch(ctx, number=number, hint=hint)
        except Exception:
            log.exception("automatic dispatch of %s failed", number)
    return number


def _triage(ctx: AppContext, data: TicketCreate, transcript: str | None) -> dict:
    """The triage suggestion for a case being registered (ticketing.triage), with database ids."""
    from ticketing.triage.flows import suggest

    text = transcript or data.content
    with ctx.reader() as session:
        return suggest(ctx, text, session=session)


def _title_from(content: str) -> str:
    first_line = content.strip().splitlines()[0] if content.strip() else content
    return first_line[:TITLE_FROM_CONTENT]


def triage(ctx: AppContext, *, number: str, data: TriageIn, actor: Actor) -> None:
    """Set type, category, urgency, complexity, address; a changed type, urgency or complexity recomputes
    the deadlines from the acceptance time (plus any approved extension). Changing the complexity of a case
    already triaged needs a reason (the note); the event keeps before → after."""
    fields = {k: v.value if hasattr(v, "value") else v
              for k, v in data.model_dump(exclude_unset=True, exclude={"note"}).items()}
    if "title" in fields:
        limit_text(fields["title"], limit=ctx.settings.max_title_chars, field="title")

    def work(session: Session) -> None:
        ticket = load_record(session, number, actor)
        if fields.get("category_id") is not None:
            check_category(session, ctx, fields["category_id"])
        from ticketing.triage.flows import check_downgrade

        check_downgrade(before=ticket.urgency, after=fields.get("urgency"), note=data.note)
        if fields.get("complexity") is None:
            fields.pop("complexity", None)
        elif (fields["complexity"] != ticket.complexity and ticket.status != Status.REGISTERED.value
              and not (data.note or "").strip()):
            raise ValidationFailed("changing the complexity of a triaged case needs a reason (note)", field="note")
        changes = assign(ticket, **fields)
        if changes.keys() & {"ticket_type", "urgency", "complexity"}:
            changes.update(recompute_deadlines(session, ctx, ticket))
        transition(session, ticket, actor, "triage", note=data.note, changes=changes)

    run(ctx, work)


def dispatch(ctx: AppContext, *, number: str, data: DispatchIn, actor: Actor) -> None:
    """Send the case to a lead department (主办) and optional co-handling units (协办)."""

    def work(session: Session) -> None:
        ticket = load_record(session, number, actor)
        lead_id = data.lead_department_id
        reason = "chosen by agent"
        if lead_id is None:
            suggestion = suggest(session, category_id=ticket.category_id, district=ticket.district,
                                 max_age=ctx.settings.catalogue_cache_seconds)
            if suggestion is None:
                raise ValidationFailed("no lead department given and the dispatch catalogue has no match",
                                       field="lead_department_id")
            lead_id, reason = suggestion
        assign_departments(session, ctx, ticket, lead_id=lead_id, co_ids=data.co_department_ids)
        changes = assign(ticket, lead_department_id=lead_id, dispatched_at=utcnow())
        changes["departments"] = [None, {"lead": lead_id, "co": sorted(set(data.co_department_ids))}]
        changes["reason"] = [None, reason]
        transition(session, ticket, actor, "dispatch", note=data.note, changes=changes)

    run(ctx, work)


def answer(ctx: AppContext, *, number: str, reply: str, actor: Actor, article_id: int | None = None) -> None:
    """Answer a 咨询 on the spot (e.g. from the knowledge base) and close it."""
    limit_text(reply, limit=ctx.settings.max_content_chars, field="reply")

    def work(session: Session) -> None:
        ticket = load_record(session, number, actor)
        if ticket.ticket_type != TicketType.CONSULT.value:
            raise ValidationFailed("only a consultation (咨询) can be answered directly; dispatch the others")
        now = utcnow()
        changes = assign(ticket, reply=reply, replied_at=now, closed_at=now)
        if article_id is not None:
            changes["kb_article"] = [None, article_id]
        transition(session, ticket, actor, "answer", changes=changes)

    run(ctx, work)


def merge(ctx: AppContext, *, number: str, data: MergeIn, actor: Actor) -> None:
    """并单: fold a repeat case into the one that stays; every caller of the repeat is kept on the target."""
    if data.into == number:
        raise ValidationFailed("a case cannot be merged into itself", field="into")

    def work(session: Session) -> None:
        # Lock in number order so two opposite merges cannot deadlock.
        first, second = sorted([number, data.into])
        locked = {n: load_record(session, n, actor) for n in (first, second)}
        source, target = locked[number], locked[data.into]
        if target.status in (Status.CLOSED.value, Status.MERGED.value):
            raise ValidationFailed(f"target case {target.number} is {target.status}; merge into an open case")
        for caller in service.callers(session, ticket_id=source.id):
            service.add_caller(session, ticket_id=target.id, phone=caller.phone, name=caller.name,
                               source_ticket_id=source.id)
        changes = assign(source, merged_into_id=target.id)
        transition(session, source, actor, "merge", note=data.note, changes={**changes, "into": [None, target.number]})
        service.add_event(session, ticket=target, action="absorb", actor_id=actor.id,
                          actor_role=actor.role.value, actor_name=actor.name, from_status=target.status,
                          to_status=target.status, note=data.note, changes={"merged": [None, source.number]},
                          at=utcnow())

    run(ctx, work)
