"""Builders shared by the return-visit tests: a closed case, a clock for sweeps, and a visit runner."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from callbacks import flows, schedule
from callbacks.models import ReturnVisit, VisitAttempt
from callbacks.sms import FakeSms
from hotline.database import utcnow
from telephony.fake import FakeOutboundCalls
from ticketing.enums import Role
from ticketing.flows import answer, create_ticket
from ticketing.models import Ticket, TicketEvent
from ticketing.org.auth import Actor
from ticketing.schemas import TicketCreate

PHONE = "13812345678"  # as tickets store it
E164 = "+8613812345678"


def closed_case(context, users, phone: str | None = "138 1234 5678") -> str:
    user, _ = users("agent")
    agent = Actor(id=user.id, role=Role.AGENT, name=user.display_name)
    number = create_ticket(context, data=TicketCreate(channel="phone", ticket_type="consult", content="公积金怎么提取？",
                                                      caller_phone=phone), actor=agent)
    answer(context, number=number, reply="请携带身份证到公积金中心办理。", actor=agent)
    return number


class Runner:
    """Sweeps at a clock that moves forward (past the delay, the back-off and the lease, and on into the
    allowed visit hours, whatever the wall clock says) and runs every handed-out visit like the Celery task
    would, recording the messages for duplicate deliveries."""

    def __init__(self, context, queue, outbound: FakeOutboundCalls | None = None, sms: FakeSms | None = None):
        self.context, self.queue = context, queue
        self.outbound, self.sms = outbound or FakeOutboundCalls(), sms or FakeSms()
        self.now = utcnow()
        self.delivered: list[tuple[int, str]] = []

    def sweep(self, advance_days: float = 3.0) -> dict[str, int]:
        self.now = allowed_after(self.context, self.now + timedelta(days=advance_days))
        self.queue.sent.clear()
        counts = schedule.sweep(self.context, now=self.now)
        for name, args, _ in list(self.queue.sent):
            assert name == schedule.RUN_TASK
            self.delivered.append(args)
            flows.run_visit(self.context, visit_id=args[0], token=args[1], outbound=self.outbound, sms=self.sms)
        return counts

    def redeliver(self) -> list[str]:
        return [flows.run_visit(self.context, visit_id=v, token=t, outbound=self.outbound, sms=self.sms)
                for v, t in self.delivered]


def allowed_after(context, moment):
    """The first instant at or after `moment` in the visit hours of a day on which visits are made."""
    with context.sessions() as session:
        calendar = schedule.calendar_for(context, session)
    return schedule.next_allowed(moment, settings=context.settings, calendar=calendar)


def visit_of(context, number: str) -> ReturnVisit:
    with context.sessions() as s:
        return s.scalars(select(ReturnVisit).where(ReturnVisit.ticket_number == number)
                         .order_by(ReturnVisit.id.desc())).first()


def attempts_of(context, visit_id: int) -> list[tuple[str, str | None]]:
    with context.sessions() as s:
        rows = s.scalars(select(VisitAttempt).where(VisitAttempt.visit_id == visit_id).order_by(VisitAttempt.id))
        return [(a.channel, a.outcome) for a in rows]


def ticket_of(context, number: str) -> Ticket:
    with context.sessions() as s:
        return s.scalars(select(Ticket).where(Ticket.number == number)).one()


def events_of(context, number: str) -> list[TicketEvent]:
    with context.sessions() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        return list(s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                              .order_by(TicketEvent.seq)))
