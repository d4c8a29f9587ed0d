"""A small seeded city for the accountability-report tests: cases of one past week across channels, matters,
areas and departments, with a repeat merged in, late and overdue cases, ratings, and a disputed owner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from hotline.database import utcnow
from tests.factories import Org, build_org
from ticketing import flows
from ticketing.enums import Role
from ticketing.models import Ticket
from ticketing.org.auth import Actor
from ticketing.schemas import DispatchIn, MergeIn, ReturnIn, ReviewReturnIn, TicketCreate, TriageIn

AGENT = Actor(id=None, role=Role.AGENT, name="agent")
SUPERVISOR = Actor(id=None, role=Role.SUPERVISOR, name="boss")


@dataclass
class City:
    org: Org
    day: date  # a Wednesday of a week that is over
    numbers: dict[str, str]


def _new(ctx, *, channel="phone", kind="complaint", lead=None, category=None, district=None,
         phone="13812345678") -> str:
    number = flows.create_ticket(ctx, data=TicketCreate(channel=channel, ticket_type=kind, content="路灯坏了，晚上很黑",
                                                        caller_phone=phone, district=district), actor=AGENT)
    flows.triage(ctx, number=number, data=TriageIn(category_id=category), actor=AGENT)
    if lead is not None:
        flows.dispatch(ctx, number=number, data=DispatchIn(lead_department_id=lead), actor=AGENT)
    return number


def _dept(org_id: int) -> Actor:
    return Actor(id=None, role=Role.DEPARTMENT, name=f"d{org_id}", department_id=org_id)


def _finish(ctx, number: str, dept: int) -> None:
    flows.accept(ctx, number=number, actor=_dept(dept))
    flows.reply(ctx, number=number, actor=_dept(dept), text="已处理完毕")
    flows.close(ctx, number=number, actor=AGENT, note=None)


def move(ctx, number: str, when: datetime, **values) -> None:
    """Test set-up only: the case's clocks (registered, dispatched, accepted, closed) become `when`."""
    with ctx.sessions() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        ticket.created_at = when
        if ticket.closed_at is not None:
            ticket.closed_at = when + timedelta(hours=2)
        for a in ticket.assignments:
            a.assigned_at, a.ticket_created_at = when, when
            if a.accepted_at is not None:
                a.accepted_at = when + timedelta(hours=1)
        for key, value in values.items():
            setattr(ticket, key, value)
        s.commit()


def seed_city(ctx, *, now: datetime | None = None) -> City:
    org = build_org(ctx)
    tz = ctx.settings.tz
    today = (now or utcnow()).astimezone(tz).date()
    monday = today - timedelta(days=today.weekday() + 14)
    day = monday + timedelta(days=2)
    noon = datetime.combine(day, time(12), tzinfo=tz)
    n: dict[str, str] = {}
    n["h_ok"] = _new(ctx, lead=org.housing, category=org.cat_roads, district="chaoyang")
    n["h_repeat"] = _new(ctx, lead=org.housing, category=org.cat_roads, district="chaoyang", phone="13900001111")
    flows.merge(ctx, number=n["h_repeat"], data=MergeIn(into=n["h_ok"]), actor=AGENT)
    _finish(ctx, n["h_ok"], org.housing)
    n["h_late"] = _new(ctx, channel="web", lead=org.housing, category=org.cat_roads)
    _finish(ctx, n["h_late"], org.housing)
    n["h_open_late"] = _new(ctx, channel="wechat", lead=org.housing, category=org.cat_noise, district="chaoyang")
    n["h_open"] = _new(ctx, kind="consult", lead=org.housing, category=org.cat_noise)
    n["t_ok"] = _new(ctx, channel="web", kind="help", lead=org.other, category=org.cat_roads, district="haidian")
    _finish(ctx, n["t_ok"], org.other)
    n["s_ok"] = _new(ctx, lead=org.street, category=org.cat_noise, district="chaoyang", phone="13700002222")
    _finish(ctx, n["s_ok"], org.street)
    n["disputed"] = _new(ctx, lead=org.other, category=org.cat_noise, district="chaoyang")
    flows.request_return(ctx, number=n["disputed"], data=ReturnIn(reason="不属于本单位职责",
                                                                   suggested_department_id=org.street),
                         actor=_dept(org.other))
    flows.review_return(ctx, number=n["disputed"], data=ReviewReturnIn(uphold=True, new_department_id=org.street,
                                                                       note="属地街道负责"), actor=SUPERVISOR)
    far = noon + timedelta(days=30)
    for key, number in n.items():
        values = {"due_at": far}
        if key == "h_late":
            values = {"due_at": noon + timedelta(hours=1), "satisfaction": "dissatisfied"}
        elif key == "h_open_late":
            values = {"due_at": noon + timedelta(hours=3)}
        elif key in ("h_ok", "s_ok"):
            values |= {"satisfaction": "satisfied"}
        move(ctx, number, noon + timedelta(minutes=len(n)), **values)
    return City(org, day, n)
