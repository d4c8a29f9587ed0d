"""What every ticket use case shares: one transaction with retry, transitions that always write an event,
department scoping, and the deadline policy."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import ConcurrentUpdate, NotFound, PermissionDenied, ValidationFailed
from ticketing import service, states
from ticketing.enums import AssignmentRole, Role
from ticketing.models import Ticket, TicketAssignment
from ticketing.org.auth import Actor

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 3


def run(ctx: AppContext, work: Callable[[Session], T]) -> T:
    """Run `work` in a transaction and commit. A concurrent update of the same ticket (stale version, or
    the event sequence number taken meanwhile) is retried from a fresh read; after ATTEMPTS it becomes a 409."""
    for attempt in range(1, ATTEMPTS + 1):
        with ctx.sessions() as session:
            try:
                result = work(session)
                session.commit()
                return result
            except (StaleDataError, IntegrityError) as exc:
                session.rollback()
                if isinstance(exc, IntegrityError) and service.SEQ_CONSTRAINT not in str(exc.orig) \
                        and "ticket_events.ticket_id, ticket_events.seq" not in str(exc.orig):
                    raise
                log.info("concurrent update, attempt %d of %d", attempt, ATTEMPTS)
    raise ConcurrentUpdate("the ticket was changed concurrently; reload and retry")


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def assign(ticket: Ticket, **values: Any) -> dict[str, list[Any]]:
    """Set fields and return what changed as {field: [before, after]} for the event."""
    changes: dict[str, list[Any]] = {}
    for name, value in values.items():
        value = jsonable(value) if isinstance(value, Enum) else value
        before = getattr(ticket, name)
        if before != value:
            changes[name] = [jsonable(before), jsonable(value)]
            setattr(ticket, name, value)
    return changes


def transition(session: Session, ticket: Ticket, actor: Actor, action: str, *, note: str | None = None,
               changes: dict[str, list[Any]] | None = None, target: str | None = None) -> None:
    """Check the action against the state machine, move the status and write the immutable event."""
    before = None if action == "create" else ticket.status
    rule = states.check(action, status=before, role=actor.role)
    new_status = target or (rule.target.value if rule.target else None)
    if new_status and new_status != before:
        ticket.status = new_status
        if before is not None and (before in service.OPEN) != (new_status in service.OPEN):
            service.set_assignments_open(session, ticket=ticket, is_open=new_status in service.OPEN)
    service.add_event(
        session, ticket=ticket, action=action, actor_id=actor.id, actor_role=actor.role.value,
        actor_name=actor.name, from_status=before, to_status=ticket.status, note=note,
        changes=changes or {}, at=utcnow(),
    )


def can_see(ticket: Ticket, actor: Actor) -> bool:
    if actor.role != Role.DEPARTMENT:
        return True
    return service.active_assignment(ticket, department_id=actor.department_id) is not None


def load(session: Session, number: str, actor: Actor, *, for_update: bool = True) -> Ticket:
    """Fetch a ticket the actor may see (department staff: only their unit's cases; others get 404).
    Writes (for_update) load the assignments only when they are read; reads load them with the ticket."""
    ticket = service.get_ticket(session, number=number, for_update=for_update, assignments=not for_update)
    if not can_see(ticket, actor):
        raise NotFound(f"ticket {number} not found", number=number)
    return ticket


def load_record(session: Session, number: str, actor: Actor) -> service.TicketRecord:
    """`load` for the write flows: the locked row as a TicketRecord (no ORM object; saved before COMMIT)."""
    ticket = service.get_ticket_record(session, number=number)
    if not can_see(ticket, actor):
        raise NotFound(f"ticket {number} not found", number=number)
    return ticket


def own_assignment(ticket: Ticket, actor: Actor, *, lead_only: bool) -> TicketAssignment:
    if actor.role != Role.DEPARTMENT:
        raise PermissionDenied("only staff of a handling department (承办单位) may do this")
    assignment = service.active_assignment(ticket, department_id=actor.department_id)
    if assignment is None:
        raise NotFound(f"ticket {ticket.number} not found", number=ticket.number)
    if lead_only and assignment.role != AssignmentRole.LEAD.value:
        raise PermissionDenied("only the lead department (主办单位) may do this; co-handling units add notes")
    return assignment


def limit_text(text: str | None, *, limit: int, field: str) -> str | None:
    if text is not None and len(text) > limit:
        raise ValidationFailed(f"{field} is longer than {limit} characters", field=field, limit=limit)
    return text


def policy(session: Session, ctx: AppContext, *, channel: str | None = None, locality: str | None = None):
    """The deadline policy of the case's rule set: `locality` (the one it got), else the one for its channel."""
    from ticketing.deadlines.service import load_policy, locality_for

    return load_policy(session, settings=ctx.settings, locality=locality or locality_for(ctx.settings, channel=channel))


def clock(ctx: AppContext, now: datetime | None = None):
    from ticketing.deadlines.signals import Clock

    return Clock.of(ctx.settings, now or utcnow())


def settled_light(ctx: AppContext, ticket: Any, now: datetime | None = None) -> dict[str, Any]:
    """Stored light and overdue flag after a flow changed a limit or met one: the light as it stands now,
    except that a red not yet announced stays for the sweep to raise (with its overdue event, once)."""
    from ticketing.deadlines.signals import case_light

    light = case_light(ticket, clock(ctx, now)).value
    if light == "red" and ticket.light != "red":
        return {"light": ticket.light, "overdue_raised": False}
    return {"light": light, "overdue_raised": light == "red"}


def limit_fields(limits) -> dict[str, Any]:
    """A ticket's columns for the limits it got (ticketing.deadlines.sla.Limits)."""
    return {"due_at": limits.handle, "reply_due_at": limits.reply, "first_contact_due_at": limits.first_contact,
            "limits": limits.stored()}


def check_category(session: Session, ctx: AppContext, category_id: int) -> None:
    from ticketing.org.catalogue import check_category

    check_category(session, category_id=category_id, max_age=ctx.settings.catalogue_cache_seconds)


def check_departments(session: Session, ctx: AppContext, department_ids: list[int]) -> None:
    from ticketing.org.catalogue import check_departments

    check_departments(session, department_ids=department_ids, max_age=ctx.settings.catalogue_cache_seconds)


def recompute_deadlines(session: Session, ctx: AppContext, ticket: Ticket, *, start=None) -> dict:
    """The case's limits from its rule set, counted from `start` (default: the acceptance time), plus any
    approved extension; the light as it stands then."""
    deadlines = policy(session, ctx, channel=ticket.channel, locality=ticket.rule_set)
    limits = deadlines.limits(start or ticket.accepted_at, urgency=ticket.urgency, ticket_type=ticket.ticket_type,
                              complexity=ticket.complexity, channel=ticket.channel)
    fields = limit_fields(limits)
    extra = service.approved_extension_days(session, ticket_id=ticket.id) if start is None else 0
    if extra:
        fields["due_at"] = deadlines.extend(fields["due_at"], extra)
    if ticket.first_contact_at is not None:
        fields.pop("first_contact_due_at")  # a met limit is kept as it was met
    changes = assign(ticket, rule_set=deadlines.name, **fields)
    return changes | assign(ticket, **settled_light(ctx, ticket))


def assign_departments(session: Session, ctx: AppContext, ticket: Ticket, *, lead_id: int,
                       co_ids: list[int]) -> None:
    """Assign the lead department (主办) and co-handling units (协办), checking each is an active unit."""
    co = sorted(set(co_ids) - {lead_id})
    check_departments(session, ctx, [lead_id, *co])
    service.add_assignments(session, ticket=ticket, roles=[(lead_id, AssignmentRole.LEAD.value),
                                                           *((c, AssignmentRole.CO.value) for c in co)])
