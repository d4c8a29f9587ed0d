"""The return visit's rating (回访评价) on the ticket: stored with a "rate" event; a dissatisfied rating
reopens the case with a re-supervision (再督办), which the supervision page lists."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.context import AppContext
from ticketing.enums import LABELS_ZH, Satisfaction, Status
from ticketing.flows.common import assign, load_record, run, transition
from ticketing.flows.review import reopen
from ticketing.models import TicketEvent
from ticketing.org.auth import Actor
from ticketing.rules import is_dissatisfied
from ticketing.schemas import ReopenIn

REOPEN_REASON = "回访评价：{label}，重启并再督办"
LABELS = {rating: LABELS_ZH[rating.value] for rating in Satisfaction}  # best first


def record_satisfaction(ctx: AppContext, *, number: str, rating: Satisfaction | str, actor: Actor,
                        ref: str | None = None) -> bool:
    """Store the rating on the closed case. With `ref` (the visit's id) a repeated call changes nothing
    more: the rating is written once per ref, and the reopen only happens while the case is still closed.
    Returns whether the case was reopened."""
    value = Satisfaction(rating)

    def work(session: Session) -> bool:
        ticket = load_record(session, number, actor)
        if ref is not None and _rated(session, ticket.id, ref):
            return ticket.status == Status.CLOSED.value
        changes = assign(ticket, satisfaction=value.value)
        if ref is not None:
            changes["visit"] = [None, ref]
        transition(session, ticket, actor, "rate", note=LABELS[value], changes=changes)
        return True

    still_closed = run(ctx, work)
    if is_dissatisfied(value) and still_closed:
        reopen(ctx, number=number, data=ReopenIn(reason=REOPEN_REASON.format(label=LABELS[value]), resupervise=True),
               actor=actor)
        return True
    return False


def _rated(session: Session, ticket_id: int, ref: str) -> bool:
    rows = session.scalars(select(TicketEvent.changes).where(TicketEvent.ticket_id == ticket_id,
                                                             TicketEvent.action == "rate"))
    return any((changes or {}).get("visit", [None, None])[1] == ref for changes in rows)
