"""Read use cases: what an actor may see of tickets, shaped for the API and the console."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from hotline.context import AppContext
from hotline.database import utcnow
from ticketing import phones, service, states
from ticketing.access import flows as access
from ticketing.deadlines.signals import Clock, case_light, limit_lights, next_due
from ticketing.enums import Role
from ticketing.flows.common import can_see, load
from ticketing.models import Ticket
from ticketing.org.auth import Actor
from ticketing.rules import repeat_since
from ticketing.schemas import (
    AssignmentOut,
    EventOut,
    RepeatOut,
    RequestOut,
    TicketOut,
    TicketPage,
    TicketSummary,
)


def _light(ctx: AppContext, ticket: Ticket, now):
    return case_light(ticket, Clock.of(ctx.settings, now))


def ticket_view(ctx: AppContext, *, number: str, actor: Actor, audit: bool = True) -> TicketOut:
    """The case as `actor` may see it. Showing the unmasked caller number is audited (caller_view) unless
    `audit` is False (callers that only check access and show nothing)."""
    with ctx.reader() as session:
        ticket = load(session, number, actor, for_update=False)
        out = present(ctx, session, ticket, actor)
    if audit and out.caller_phone:
        access.seen(ctx, actor=actor, action="caller_view", caller=out.caller_phone, ticket_number=out.number)
    return out


def present(ctx: AppContext, session: Session, ticket: Ticket, actor: Actor) -> TicketOut:
    names = service.department_names(session, ids={ticket.lead_department_id})
    merged_into = service.ticket_numbers(session, ids=[ticket.merged_into_id] if ticket.merged_into_id else [])
    sees_caller = actor.role.value in ctx.settings.roles_seeing_caller
    now = utcnow()
    return TicketOut(
        number=ticket.number, channel=ticket.channel, ticket_type=ticket.ticket_type, status=ticket.status,
        urgency=ticket.urgency, title=ticket.title, content=ticket.content,
        caller_masked=phones.mask(ticket.caller_phone), caller_phone=ticket.caller_phone if sees_caller else None,
        caller_name=ticket.caller_name, callers_count=len(ticket.callers), category_id=ticket.category_id,
        address=ticket.address, district=ticket.district, department_id=ticket.lead_department_id,
        department=names.get(ticket.lead_department_id), accepted_at=ticket.accepted_at, due_at=ticket.due_at,
        first_contact_due_at=ticket.first_contact_due_at, first_contact_at=ticket.first_contact_at,
        reply_due_at=ticket.reply_due_at, complexity=ticket.complexity, rule_set=ticket.rule_set,
        light=_light(ctx, ticket, now), lights=limit_lights(ticket, Clock.of(ctx.settings, now)),
        dispatched_at=ticket.dispatched_at, replied_at=ticket.replied_at,
        closed_at=ticket.closed_at, reply=ticket.reply, satisfaction=ticket.satisfaction,
        supervise_count=ticket.supervise_count, reopen_count=ticket.reopen_count,
        merged_into=merged_into.get(ticket.merged_into_id) if ticket.merged_into_id else None,
        assignments=[AssignmentOut.model_validate(a) for a in ticket.assignments],
        recording_url=ticket.recording_url, transcript=ticket.transcript,
        suggestions=_visible_suggestions(session, ticket.suggestions, actor),
        allowed_actions=states.allowed_actions(status=ticket.status, role=actor.role),
        created_at=ticket.created_at, version=ticket.version,
    )


def _visible_suggestions(session: Session, suggestions: dict | None, actor: Actor) -> dict | None:
    """Department staff see repeat hints only for cases their own unit takes part in."""
    if actor.role != Role.DEPARTMENT or not suggestions or not suggestions.get("repeats"):
        return suggestions
    repeats = [r for r in suggestions["repeats"] if isinstance(r, dict) and r.get("number")]
    visible = set()
    for hint in repeats:
        other = service.find_ticket(session, number=hint["number"])
        if other is not None and can_see(other, actor):
            visible.add(hint["number"])
    return {**suggestions, "repeats": [r for r in repeats if r["number"] in visible]}


def list_tickets(ctx: AppContext, *, flt: service.TicketFilter, actor: Actor, order: str, limit: int,
                 offset: int) -> TicketPage:
    limit = max(1, min(limit, ctx.settings.page_size_max))
    if actor.role == Role.DEPARTMENT:
        flt.visible_to_department = actor.department_id if actor.department_id is not None else -1
    if flt.caller_phone is not None:
        flt.caller_phone = phones.normalize(flt.caller_phone)
        access.seen(ctx, actor=actor, action="caller_lookup", caller=flt.caller_phone,
                    detail={"route": "tickets"})
    now = utcnow()
    with ctx.reader() as session:
        rows = service.list_tickets(session, flt=flt, now=now, yellow=timedelta(hours=ctx.settings.yellow_hours),
                                    order=order, limit=limit + 1, offset=offset,
                                    yellow_share=ctx.settings.yellow_share)
        page = rows[:limit]
        names = service.department_names(session, ids={t.lead_department_id for t in page})
    items = [
        TicketSummary(
            number=t.number, channel=t.channel, ticket_type=t.ticket_type, status=t.status, urgency=t.urgency,
            title=t.title, content=t.content, caller_masked=phones.mask(t.caller_phone),
            department_id=t.lead_department_id, department=names.get(t.lead_department_id), due_at=t.due_at,
            light=_light(ctx, t, now), created_at=t.created_at, next_due_at=next_due(t),
        )
        for t in page
    ]
    return TicketPage(items=items, limit=limit, offset=offset, has_more=len(rows) > limit)


def history(ctx: AppContext, *, number: str, actor: Actor) -> list[EventOut]:
    with ctx.reader() as session:
        ticket = load(session, number, actor, for_update=False)
        return [EventOut.model_validate(e) for e in service.events(session, ticket_id=ticket.id)]


def repeats(ctx: AppContext, *, number: str, actor: Actor) -> list[RepeatOut]:
    """Suggested merges: same caller, or same address and category, within the repeat window."""
    with ctx.reader() as session:
        ticket = load(session, number, actor, for_update=False)
        since = repeat_since(ctx.settings, created_at=ticket.created_at)
        return [
            RepeatOut(number=t.number, status=t.status, title=t.title, created_at=t.created_at, reason=reason)
            for t, reason in service.find_repeats(session, ticket=ticket, since=since)
            if actor.role != Role.DEPARTMENT or service.active_assignment(t, department_id=actor.department_id)
        ]


def repeat_report(ctx: AppContext, *, days: int, limit: int) -> list[dict]:
    """Matters raised by at least repeat_min_count cases (merged repeats), for the supervisors' report."""
    with ctx.reader() as session:
        rows = service.merged_counts(session, min_count=ctx.settings.repeat_min_count,
                                     since=utcnow() - timedelta(days=days), limit=limit)
        return [
            {"number": t.number, "title": t.title, "status": t.status, "cases": n,
             "callers": len({c.phone for c in t.callers if c.phone}), "department_id": t.lead_department_id}
            for t, n in rows
        ]


def pending_requests(ctx: AppContext, *, kind: str, actor: Actor, limit: int, offset: int) -> list[RequestOut]:
    actor.require(Role.SUPERVISOR, Role.ADMIN)
    with ctx.reader() as session:
        return [
            RequestOut(id=r.id, ticket_number=number, kind=kind, department_id=r.department_id, status=r.status,
                       reason=r.reason, requested_at=r.requested_at,
                       working_days=getattr(r, "working_days", None))
            for r, number in service.pending_requests(session, kind=kind, limit=limit, offset=offset)
        ]


def _handoff(ticket, handed: list[dict] | None) -> str | None:
    """The emergency service of an urgent case: the recorded hand-off, else the applied suggestion's."""
    if handed:
        return handed[-1]["service"]
    if ticket.urgency != "urgent":
        return None
    return ((ticket.suggestions or {}).get("triage") or {}).get("handoff")


def ticket_rows(ctx: AppContext, *, limit: int, statuses: list[str] | None = None) -> list[dict]:
    """Newest tickets as plain dicts for the command line (operators on the server see full numbers)."""
    now = utcnow()
    with ctx.reader() as session:
        rows = service.list_tickets(session, flt=service.TicketFilter(statuses=statuses), now=now,
                                    yellow=timedelta(hours=ctx.settings.yellow_hours), order="newest",
                                    limit=limit, offset=0, yellow_share=ctx.settings.yellow_share)
        names = service.department_names(session, ids={t.lead_department_id for t in rows})
        from ticketing.triage.flows import handoffs as triage_handoffs

        handed = triage_handoffs(session, ticket_ids=[t.id for t in rows])
        return [
            {"number": t.number, "channel": t.channel, "type": t.ticket_type, "urgency": t.urgency,
             "status": t.status, "due_at": t.due_at.astimezone(ctx.settings.tz).isoformat(),
             "light": _light(ctx, t, now).value, "caller": t.caller_phone,
             "caller_masked": phones.mask(t.caller_phone), "title": t.title, "content": t.content,
             "department": names.get(t.lead_department_id), "recording_url": t.recording_url,
             "created_at": t.created_at.astimezone(ctx.settings.tz).isoformat(),
             "handoff": _handoff(t, handed.get(t.id)), "handoffs": handed.get(t.id, []),
             "suggestions": t.suggestions or {}}
            for t in rows
        ]


def repeat_candidates(ctx: AppContext, *, caller_phone: str | None, address: str | None,
                      category_id: int | None, actor: Actor) -> list[RepeatOut]:
    """Repeat candidates for a case not yet registered (the 受理 form): the same rule as `repeats` (same
    caller, or same address and category, within the repeat window), open cases first."""
    actor.require(Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
    draft = Ticket(caller_phone=phones.normalize(caller_phone), address=(address or "").strip() or None,
                   category_id=category_id)
    with ctx.reader() as session:
        since = utcnow() - timedelta(days=ctx.settings.repeat_window_days)
        found = [RepeatOut(number=t.number, status=t.status, title=t.title, created_at=t.created_at, reason=reason)
                 for t, reason in service.find_repeats(session, ticket=draft, since=since)]
    return sorted(found, key=lambda r: r.status.value in ("closed", "merged"))
