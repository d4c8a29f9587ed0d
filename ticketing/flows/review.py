"""Supervision: 退单 → 异议审核 → 改派 or rejection, 延期 approval, 督办, reopening and 再督办."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import Conflict, ValidationFailed
from ticketing import service
from ticketing.deadlines.signals import case_light
from ticketing.enums import AssignmentStatus, Status
from ticketing.flows.common import (
    assign,
    assign_departments,
    check_departments,
    clock,
    limit_text,
    load_record,
    own_assignment,
    policy,
    recompute_deadlines,
    run,
    transition,
)
from ticketing.models import ExtensionRequest, ReturnRequest
from ticketing.org.auth import Actor
from ticketing.schemas import DecisionIn, ExtensionIn, ReopenIn, ReturnIn, ReviewReturnIn


def _file(session: Session, ticket, actor: Actor, request, *, action: str, note: str,
          change: tuple[str, object]) -> int:
    """File a department's request for review on the case's history; returns the request id."""
    session.add(request)
    field, value = change
    transition(session, ticket, actor, action, note=note, changes={field: [None, value]})
    session.flush()
    return request.id


def request_return(ctx: AppContext, *, number: str, data: ReturnIn, actor: Actor) -> int:
    """A lead department says the case is not theirs. Only a supervisor's review can move it (no silent bounce)."""
    limit_text(data.reason, limit=ctx.settings.max_note_chars, field="reason")

    def work(session: Session) -> int:
        ticket = load_record(session, number, actor)
        own_assignment(ticket, actor, lead_only=True)
        if data.suggested_department_id is not None:
            check_departments(session, ctx, [data.suggested_department_id])
        request = ReturnRequest(ticket_id=ticket.id, department_id=actor.department_id, reason=data.reason,
                                suggested_department_id=data.suggested_department_id,
                                previous_status=ticket.status, requested_by=actor.id)
        return _file(session, ticket, actor, request, action="return", note=data.reason,
                     change=("suggested_department_id", data.suggested_department_id))

    return run(ctx, work)


def review_return(ctx: AppContext, *, number: str, data: ReviewReturnIn, actor: Actor) -> None:
    """异议审核. Uphold: withdraw every current assignment and re-dispatch (改派). Reject: the case goes back to
    the department in the state it was returned from."""
    if data.uphold and data.new_department_id is None:
        raise ValidationFailed("upholding a return needs new_department_id (改派)", field="new_department_id")

    def work(session: Session) -> None:
        ticket = load_record(session, number, actor)
        request = service.pending_return(session, ticket_id=ticket.id)
        if request is None:
            raise Conflict(f"case {number} has no pending return")
        if data.uphold and data.new_department_id == request.department_id:
            raise ValidationFailed("re-dispatch must go to another department", field="new_department_id")
        request.status = "approved" if data.uphold else "rejected"
        request.decided_by, request.decided_at, request.decision_note = actor.id, utcnow(), data.note
        if data.uphold:
            for a in ticket.assignments:
                if a.status != AssignmentStatus.WITHDRAWN.value:
                    a.status = AssignmentStatus.WITHDRAWN.value
            assign_departments(session, ctx, ticket, lead_id=data.new_department_id, co_ids=data.co_department_ids)
            request.new_department_id = data.new_department_id
            changes = assign(ticket, lead_department_id=data.new_department_id, dispatched_at=utcnow(),
                             handled_at=None)
            changes["decision"] = [None, "upheld"]
            transition(session, ticket, actor, "review_return", note=data.note, changes=changes,
                       target=Status.DISPATCHED.value)
        else:
            transition(session, ticket, actor, "review_return", note=data.note,
                       changes={"decision": [None, "rejected"]}, target=request.previous_status)

    run(ctx, work)


def request_extension(ctx: AppContext, *, number: str, data: ExtensionIn, actor: Actor) -> int:
    if data.working_days > ctx.settings.max_extension_working_days:
        raise ValidationFailed(f"an extension may ask for at most {ctx.settings.max_extension_working_days} "
                               "working days", field="working_days")
    limit_text(data.reason, limit=ctx.settings.max_note_chars, field="reason")

    def work(session: Session) -> int:
        ticket = load_record(session, number, actor)
        own_assignment(ticket, actor, lead_only=True)
        if service.pending_extension(session, ticket_id=ticket.id) is not None:
            raise Conflict(f"case {number} already has a pending extension request")
        request = ExtensionRequest(ticket_id=ticket.id, department_id=actor.department_id,
                                   working_days=data.working_days, reason=data.reason, requested_by=actor.id)
        return _file(session, ticket, actor, request, action="request_extension", note=data.reason,
                     change=("working_days", data.working_days))

    return run(ctx, work)


def decide_extension(ctx: AppContext, *, number: str, extension_id: int, data: DecisionIn, actor: Actor) -> None:
    """Approving moves the deadline by the requested working days and recomputes the light."""

    def work(session: Session) -> None:
        ticket = load_record(session, number, actor)
        request = service.get_extension(session, extension_id=extension_id, ticket_id=ticket.id)
        if request.status != "pending":
            raise Conflict(f"extension request {extension_id} was already decided ({request.status})")
        now = utcnow()
        request.status = "approved" if data.approve else "rejected"
        request.decided_by, request.decided_at, request.decision_note = actor.id, now, data.note
        changes: dict = {"decision": [None, request.status]}
        if data.approve:
            new_due = policy(session, ctx, channel=ticket.channel, locality=ticket.rule_set).extend(
                ticket.due_at, request.working_days)
            request.old_due_at, request.new_due_at = ticket.due_at, new_due
            changes |= assign(ticket, due_at=new_due)
            light = case_light(ticket, clock(ctx, now)).value
            changes |= assign(ticket, light=light, overdue_raised=light == "red")
        transition(session, ticket, actor, "decide_extension", note=data.note, changes=changes)

    run(ctx, work)


def supervise(ctx: AppContext, *, number: str, note: str, actor: Actor) -> None:
    """督办: a supervisor presses the handling unit; counted per case (a reopened case's is 再督办)."""
    limit_text(note, limit=ctx.settings.max_note_chars, field="note")

    def work(session: Session) -> None:
        ticket = load_record(session, number, actor)
        kind = "re_supervise" if ticket.reopen_count else "supervise"
        changes = assign(ticket, supervise_count=ticket.supervise_count + 1) | {"kind": [None, kind]}
        transition(session, ticket, actor, "supervise", note=note, changes=changes)

    run(ctx, work)


def reopen(ctx: AppContext, *, number: str, data: ReopenIn, actor: Actor) -> None:
    """Reopen a closed case (e.g. 不满意 on the return visit): back to its lead department with a fresh
    deadline counted from now, and by default a re-supervision (再督办) event."""

    def work(session: Session) -> None:
        ticket = load_record(session, number, actor)
        now = utcnow()
        target = Status.TRIAGED.value
        if ticket.lead_department_id is not None:
            target = Status.DISPATCHED.value
            for a in ticket.assignments:
                if a.role == "lead" and a.status != AssignmentStatus.WITHDRAWN.value:
                    a.status, a.accepted_at, a.replied_at = AssignmentStatus.DISPATCHED.value, None, None
        changes = assign(ticket, closed_at=None, replied_at=None, handled_at=None, light="green",
                         reopen_count=ticket.reopen_count + 1)
        # Fresh reply and close limits counted from now; the first contact stays as it was met.
        changes |= recompute_deadlines(session, ctx, ticket, start=now)
        transition(session, ticket, actor, "reopen", note=data.reason, changes=changes, target=target)
        if data.resupervise:
            changes = assign(ticket, supervise_count=ticket.supervise_count + 1) | {"kind": [None, "re_supervise"]}
            service.add_event(session, ticket=ticket, action="supervise", actor_id=actor.id,
                              actor_role=actor.role.value, actor_name=actor.name, from_status=ticket.status,
                              to_status=ticket.status, note=data.reason, changes=changes, at=now)

    run(ctx, work)
