"""三率 report figures against hand-computed expectations on a small data set (both backends)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from hotline.database import utcnow
from hotline.errors import PermissionDenied, ValidationFailed
from ticketing import flows, reports
from ticketing.enums import Role
from ticketing.models import Ticket
from ticketing.org.auth import Actor
from ticketing.schemas import DispatchIn, ReopenIn, TicketCreate, TriageIn
from tests.factories import build_org

AGENT = Actor(id=None, role=Role.AGENT, name="agent")
SUPERVISOR = Actor(id=None, role=Role.SUPERVISOR, name="boss")


def _new(context, *, channel="phone", kind="complaint", lead=None) -> str:
    number = flows.create_ticket(context, data=TicketCreate(channel=channel, ticket_type=kind,
                                                            content="路灯坏了，晚上很黑"), actor=AGENT)
    flows.triage(context, number=number, data=TriageIn(), actor=AGENT)
    if lead is not None:
        flows.dispatch(context, number=number, data=DispatchIn(lead_department_id=lead), actor=AGENT)
    return number


def _finish(context, number: str, dept: Actor, *, accept: bool = True) -> None:
    if accept:
        flows.accept(context, number=number, actor=dept)
    flows.reply(context, number=number, actor=dept, text="已修复")
    flows.close(context, number=number, actor=AGENT, note=None)


def _edit(context, number: str, **values) -> None:
    """Test set-up only: move clocks and record ratings the way later issues (return visits) will."""
    with context.sessions() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        lead = next(a for a in ticket.assignments if a.role == "lead") if ticket.assignments else None
        for key, value in values.items():
            if key.startswith("assignment_"):
                setattr(lead, key.removeprefix("assignment_"), value)
            else:
                setattr(ticket, key, value)
        s.commit()


def _at(context, number: str, when: datetime) -> None:
    """Test set-up only: the instants the reports count a case by (registered, dispatched, closed) become
    `when`, so the whole data set lies on one local day even if the clock passes midnight while it is built."""
    with context.sessions() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        ticket.created_at = when
        if ticket.closed_at is not None:
            ticket.closed_at = when
        for assignment in ticket.assignments:
            if assignment.role == "lead":
                assignment.assigned_at = when
        s.commit()


@pytest.fixture
def now():
    """The one clock reading a test builds its data at and asks its periods for."""
    return utcnow()


@pytest.fixture
def data(context, now):
    """Dept A (住建局): t1, t2 accepted in time, t3 never accepted; t1 closed on time and satisfied; t2 closed,
    reopened and closed again after its deadline, rated dissatisfied. Dept B (交通局): t4 accepted after 25 h,
    closed on time, not rated. All four were registered, dispatched and closed at `now`. t5 went to A ten days
    ago (only in the 30-day period)."""
    org = build_org(context)
    a = Actor(id=None, role=Role.DEPARTMENT, name="A", department_id=org.housing)
    b = Actor(id=None, role=Role.DEPARTMENT, name="B", department_id=org.other)
    t1, t2, t3 = (_new(context, lead=org.housing) for _ in range(3))
    t4 = _new(context, channel="web", kind="help", lead=org.other)
    _finish(context, t1, a)
    _edit(context, t1, satisfaction="satisfied")
    _finish(context, t2, a)
    flows.reopen(context, number=t2, data=ReopenIn(reason="市民不满意"), actor=SUPERVISOR)
    _finish(context, t2, a)
    _edit(context, t2, satisfaction="dissatisfied", due_at=now - timedelta(hours=1))
    flows.accept(context, number=t4, actor=b)
    _edit(context, t4, assignment_accepted_at=now + timedelta(hours=25))
    _finish(context, t4, b, accept=False)
    for number in (t1, t2, t3, t4):
        _at(context, number, now)
    t5 = _new(context, lead=org.housing)
    ten_days_ago = now - timedelta(days=10)
    _edit(context, t5, created_at=ten_days_ago, assignment_assigned_at=ten_days_ago)
    return org


def _by_name(report) -> dict[str, reports.DepartmentFigures]:
    return {d.department: d for d in report.departments}


def test_department_rates_match_hand_computed_figures(context, data, now):
    today = reports.period_for(context.settings, preset="today", now=now)
    report = _by_name(reports.department_report(context, period=today, actor=SUPERVISOR))
    a, b = report["市住建局"], report["市交通局"]
    # t3 was dispatched just now and is still inside its response limit: it does not count yet (issue 17)
    assert (a.dispatched, a.response_counted, a.responded, a.response_rate) == (3, 2, 2, 100.0)
    assert (a.closed, a.resolved, a.resolution_rate) == (2, 1, 50.0)  # t2 was reopened
    assert (a.rated, a.satisfied, a.satisfaction_rate) == (2, 1, 50.0)
    assert (a.on_time, a.on_time_rate) == (1, 50.0)  # t2 closed after its deadline
    assert (b.dispatched, b.response_counted, b.responded, b.response_rate) == (1, 1, 0, 0.0)  # after 25 h > 24 h
    assert (b.closed, b.resolution_rate, b.on_time_rate) == (1, 100.0, 100.0)
    assert (b.rated, b.satisfaction_rate) == (0, None)  # nobody rated: no rate, not 0 %
    assert set(report) == {"市住建局", "市交通局"}


def test_totals_period_and_settings(context, data, now):
    month = reports.period_for(context.settings, preset="30d", now=now)
    report = reports.department_report(context, period=month, actor=SUPERVISOR)
    a = _by_name(report)["市住建局"]
    assert (a.dispatched, a.response_counted, a.responded, a.response_rate) == (4, 3, 2, 66.7)  # t5: limit passed
    total = report.total
    assert (total.dispatched, total.responded, total.closed, total.resolved) == (5, 2, 3, 2)
    assert (total.resolution_rate, total.satisfaction_rate, total.on_time_rate) == (66.7, 50.0, 66.7)

    lenient = replace(context, settings=context.settings.model_copy(
        update={"response_limit_hours": 26.0, "satisfied_levels": ["satisfied", "dissatisfied"]}))
    report = _by_name(reports.department_report(lenient, period=month, actor=SUPERVISOR))
    assert report["市交通局"].response_rate == 100.0
    assert report["市住建局"].satisfaction_rate == 100.0


def test_overview_counts_intake_and_lights(context, now):
    org = build_org(context)
    phone = [_new(context, channel="phone", kind="complaint"), _new(context, channel="phone", kind="consult")]
    red = _new(context, channel="web", kind="complaint", lead=org.housing)
    yellow = _new(context, channel="wechat", kind="help")
    for number in (*phone, red, yellow):
        _at(context, number, now)
    _edit(context, red, due_at=now - timedelta(hours=2))
    # 3 hours left of a limit that began two days ago: yellow (a 3-hour limit begun now would be green:
    # the yellow window is a share of the limit, issue 17)
    _edit(context, yellow, accepted_at=now - timedelta(days=2), due_at=now + timedelta(hours=3))
    old = _new(context, channel="sms")
    _edit(context, old, created_at=now - timedelta(days=3))
    view = reports.overview(context, period=reports.period_for(context.settings, preset="today", now=now),
                            actor=SUPERVISOR, now=now)
    assert view.intake_total == 4
    assert view.intake_by_channel == {"phone": 2, "web": 1, "wechat": 1}
    assert view.intake_by_type == {"complaint": 2, "consult": 1, "help": 1}
    assert view.open_by_light == {"green": 3, "yellow": 1, "red": 1}
    week = reports.overview(context, period=reports.period_for(context.settings, preset="7d", now=now),
                            actor=SUPERVISOR, now=now)
    assert week.intake_by_channel["sms"] == 1 and week.intake_total == 5


def test_periods(settings):
    now = datetime.fromisoformat("2026-11-23T17:30:00+00:00")  # 01:30 on the 24th in Shanghai
    today = reports.period_for(settings, preset="today", now=now)
    assert today.first_day == date(2026, 11, 24)
    assert today.start.isoformat() == "2026-11-24T00:00:00+08:00"
    assert today.end - today.start == timedelta(days=1)
    week = reports.period_for(settings, preset="7d", now=now)
    assert (week.first_day, week.last_day) == (date(2026, 11, 18), date(2026, 11, 24))
    custom = reports.period_for(settings, first=date(2026, 1, 1), last=date(2026, 1, 31))
    assert custom.preset == "custom" and custom.end - custom.start == timedelta(days=31)
    for kwargs in ({"first": date(2026, 2, 1), "last": date(2026, 1, 1)}, {"first": date(2026, 1, 1)},
                   {"first": date(2020, 1, 1), "last": date(2026, 1, 1)}, {"preset": "year"}):
        with pytest.raises(ValidationFailed):
            reports.period_for(settings, **kwargs)


def test_reports_api(client, context, data, users):
    _, boss = users("supervisor")
    _, agent = users("agent")
    # the endpoints read the clock themselves (no `now` parameter): this request still assumes the local day
    # has not changed since the `data` fixture built its cases
    response = client.get("/api/v1/reports/departments", params={"period": "today"}, headers=boss)
    assert response.status_code == 200, response.text
    body = response.json()
    a = next(d for d in body["departments"] if d["department"] == "市住建局")
    assert a["response_rate"] == 100.0 and a["resolution_rate"] == 50.0
    b = next(d for d in body["departments"] if d["department"] == "市交通局")
    assert b["satisfaction_rate"] is None
    assert body["period"]["preset"] == "today" and body["response_limit_hours"] == 24.0

    today = date.fromisoformat(body["period"]["from"])
    custom = client.get("/api/v1/reports/departments",
                        params={"from": str(today - timedelta(days=29)), "to": str(today)}, headers=boss).json()
    assert custom["total"]["dispatched"] == 5 and custom["period"]["preset"] == "custom"

    overview = client.get("/api/v1/reports/overview", headers=boss).json()
    assert overview["intake_total"] == 4 and overview["intake_by_channel"] == {"phone": 3, "web": 1}

    assert client.get("/api/v1/reports/departments", headers=agent).status_code == 403
    assert client.get("/api/v1/reports/overview", headers=agent).status_code == 403
    assert client.get("/api/v1/reports/departments").status_code == 401
    bad = client.get("/api/v1/reports/departments", params={"from": "2026-02-01", "to": "2026-01-01"}, headers=boss)
    assert bad.status_code == 422 and bad.json()["details"]["field"] == "to"


def test_only_supervisors_read_reports(context):
    period = reports.period_for(context.settings)
    for actor in (AGENT, Actor(id=None, role=Role.DEPARTMENT, name="d", department_id=1)):
        with pytest.raises(PermissionDenied):
            reports.department_report(context, period=period, actor=actor)
        with pytest.raises(PermissionDenied):
            reports.pending_returns(context, actor=actor)
