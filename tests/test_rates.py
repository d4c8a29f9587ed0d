"""三率 and 派单准确率 defined once (ticketing.rates): the Python predicates equal the SQL the reports count
with, on both backends; an upheld 退单 counts against nobody but the hotline's dispatch accuracy."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from hotline.database import utcnow
from tests.factories import build_org
from ticketing import flows, rates, reports
from ticketing.enums import Role
from ticketing.models import Ticket, TicketAssignment
from ticketing.org.auth import Actor
from ticketing.org.models import Department
from ticketing.schemas import DispatchIn, ReturnIn, ReviewReturnIn, TicketCreate, TriageIn

AGENT = Actor(id=None, role=Role.AGENT, name="agent")
SUPERVISOR = Actor(id=None, role=Role.SUPERVISOR, name="boss")


def test_an_upheld_return_counts_only_against_dispatch_accuracy(context):
    org = build_org(context)
    housing = Actor(id=None, role=Role.DEPARTMENT, name="A", department_id=org.housing)
    numbers = []
    for _ in range(4):
        number = flows.create_ticket(context, data=TicketCreate(channel="phone", ticket_type="complaint",
                                                                content="公交站牌被撞倒"), actor=AGENT)
        flows.triage(context, number=number, data=TriageIn(), actor=AGENT)
        flows.dispatch(context, number=number, data=DispatchIn(lead_department_id=org.housing), actor=AGENT)
        numbers.append(number)
    flows.accept(context, number=numbers[0], actor=housing)
    flows.request_return(context, number=numbers[1], data=ReturnIn(reason="属交通局职责", suggested_department_id=org.other),
                         actor=housing)
    flows.review_return(context, number=numbers[1], data=ReviewReturnIn(uphold=True, new_department_id=org.other),
                        actor=SUPERVISOR)
    period = reports.period_for(context.settings, preset="today")
    later = utcnow() + timedelta(hours=25)  # every response limit has passed
    report = reports.department_report(context, period=period, actor=SUPERVISOR, now=later)
    by_name = {d.department: d for d in report.departments}
    a, b = by_name["市住建局"], by_name["市交通局"]
    # A: 3 dispatches that were A's to handle (the wrong one is not), 1 accepted in time
    assert (a.dispatched, a.response_counted, a.responded, a.response_rate) == (3, 3, 1, 33.3)
    # B: the re-dispatched case, not yet accepted
    assert (b.dispatched, b.response_counted, b.responded) == (1, 1, 0)
    assert (report.dispatches, report.dispatch_errors, report.dispatch_accuracy) == (5, 1, 80.0)
    assert "派错" in report.definitions["response_rate"] and "24" in report.definitions["response_rate"]
    now_report = reports.department_report(context, period=period, actor=SUPERVISOR)
    a_now = next(d for d in now_report.departments if d.department == "市住建局")
    assert (a_now.response_counted, a_now.response_rate) == (1, 100.0)  # the rest are still inside the limit


def test_python_and_sql_definitions_agree(session, context):
    rng = random.Random(17)
    now = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    dept = Department(code="d", name="单位", level="unit")
    session.add(dept)
    session.flush()
    levels = ["very_satisfied", "satisfied"]
    for i in range(200):
        start = now - timedelta(seconds=rng.randint(0, 5 * 86400))
        ticket = Ticket(number=f"R{i:05d}", channel="phone", ticket_type="help", title="t", content="c",
                        urgency="normal", status="closed", accepted_at=start, due_at=start + timedelta(days=3),
                        created_at=start, closed_at=start + timedelta(seconds=rng.randint(0, 6 * 86400)),
                        reopen_count=rng.choice([0, 0, 1]), lead_department_id=dept.id,
                        satisfaction=rng.choice([None, "very_satisfied", "satisfied", "dissatisfied"]))
        session.add(ticket)
        session.flush()
        session.add(TicketAssignment(
            ticket_id=ticket.id, department_id=dept.id, role="lead", assigned_at=start,
            status=rng.choice(["dispatched", "accepted", "withdrawn"]), ticket_created_at=start,
            accepted_at=rng.choice([None, start + timedelta(seconds=rng.randint(0, 3 * 86400))])))
    session.commit()
    dialect = session.get_bind().dialect.name
    assignments = session.scalars(select(TicketAssignment)).all()
    tickets = session.scalars(select(Ticket)).all()
    for hours in (24.0, 2.5):
        for predicate, sql in (
            (lambda a, hours=hours: rates.response_counts(a, now=now, limit_hours=hours), rates.response_counts_sql(now=now, limit_hours=hours)),
            (lambda a, hours=hours: rates.responded(a, limit_hours=hours), rates.responded_sql(limit_hours=hours, dialect=dialect)),
            (rates.dispatch_error, rates.dispatch_error_sql()),
        ):
            expected = sum(1 for a in assignments if predicate(a))
            assert session.scalar(select(func.count()).select_from(TicketAssignment).where(sql)) == expected
    for predicate, sql in ((rates.resolved, rates.resolved_sql()), (rates.on_time, rates.on_time_sql()),
                           (lambda t: rates.satisfied(t, levels=levels), rates.satisfied_sql(levels=levels))):
        expected = sum(1 for t in tickets if predicate(t))
        assert 0 < expected < len(tickets)
        assert session.scalar(select(func.count()).select_from(Ticket).where(sql)) == expected
    session.rollback()


def test_dashboard_shows_the_definitions_as_tooltips(client, users, context):
    from tests.test_console_workbench import console_login

    boss, _ = users("supervisor")
    console_login(client, boss)
    page = client.get("/console/dashboard")
    assert page.status_code == 200
    text = page.text
    for definition in rates.DEFINITIONS.values():
        assert definition.label in text
    assert "title=\"派给该单位" in text and "派单准确率" in text


def test_one_dissatisfied_rule_for_ratings_scores_and_sql(session):
    from callbacks.sms import KEYS, SCORES
    from ticketing.enums import Satisfaction
    from ticketing.rules import dissatisfied_rating, dissatisfied_score, is_dissatisfied

    assert SCORES is rules_scores()
    assert [s for s in Satisfaction if is_dissatisfied(s)] == [Satisfaction.DISSATISFIED, Satisfaction.VERY_DISSATISFIED]
    assert [k for k, s in KEYS.items() if is_dissatisfied(s)] == ["4", "5"]  # the survey's keys
    assert not is_dissatisfied(None)
    for value in Satisfaction:
        score = SCORES[value]
        assert session.scalar(select(dissatisfied_score(func.abs(score)))) == is_dissatisfied(value)
        ticket_sql = dissatisfied_rating(func.lower(value.value))
        assert bool(session.scalar(select(ticket_sql))) == is_dissatisfied(value)


def rules_scores():
    from ticketing import rules

    return rules.SCORES
