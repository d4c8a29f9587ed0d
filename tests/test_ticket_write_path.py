"""The fast write path: TicketRecord's version check, and the per-process caches the flows consult
(categories/departments/catalogue, deadline policy) with their invalidation."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm.exc import StaleDataError

from hotline.errors import NotFound
from ticketing import flows, service
from ticketing.deadlines import service as deadlines
from ticketing.deadlines.models import HolidayOverride
from ticketing.enums import Role
from ticketing.models import Ticket, TicketAssignment, TicketEvent
from ticketing.org import catalogue
from ticketing.org.auth import Actor
from ticketing.org.models import Department
from ticketing.schemas import DispatchIn, TicketCreate, TriageIn

BASE = {"channel": "phone", "ticket_type": "complaint", "content": "路灯不亮", "district": "chaoyang"}
LONG = 3600.0


@pytest.fixture
def agent(users) -> Actor:
    user, _ = users("agent")
    return Actor(id=user.id, role=Role.AGENT, name=user.display_name)


def raw_sql(engine, sql: str, *params) -> None:
    """Write like another process would: through the DBAPI, unseen by this process's SQLAlchemy events."""
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        marker = "?" if engine.dialect.name == "sqlite" else "%s"
        cursor.execute(sql.replace("?", marker), params)
        conn.commit()
    finally:
        conn.close()


def count_statements(engine):
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(engine, "before_cursor_execute", record)


def test_record_writes_changes_with_version_check(context, agent, org):
    number = flows.create_ticket(context, data=TicketCreate(**BASE), actor=agent)
    with context.sessions() as s:
        record = service.get_ticket_record(s, number=number, for_update=False)
        record.urgency = "urgent"
        s.commit()
    with context.sessions() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert ticket.urgency == "urgent" and ticket.version == 3  # 2 after create_ticket
    with context.sessions() as s:
        stale = service.get_ticket_record(s, number=number, for_update=False)
        s.rollback()  # end the read (SQLite's writer lock) but keep the record, as a slow writer would
        with context.sessions() as other:  # another writer commits first
            service.get_ticket_record(other, number=number).title = "changed"
            other.commit()
        stale.title = "lost update"
        with pytest.raises(StaleDataError):
            s.commit()
    with context.sessions() as s:
        assert s.scalar(select(Ticket.title).where(Ticket.number == number)) == "changed"
    with context.sessions() as s, pytest.raises(AttributeError):
        service.get_ticket_record(s, number=number).no_such_column = 1


def test_triage_and_dispatch_write_ticket_event_and_assignments(context, agent, org):
    number = flows.create_ticket(context, data=TicketCreate(**BASE), actor=agent)
    flows.triage(context, number=number, data=TriageIn(category_id=org.cat_roads, urgency="urgent"), actor=agent)
    flows.dispatch(context, number=number, data=DispatchIn(co_department_ids=[org.other]), actor=agent)
    with context.sessions() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert (ticket.status, ticket.lead_department_id, ticket.event_count, ticket.version) == (
            "dispatched", org.housing, 3, 4)  # version: insert, create event, triage, dispatch
        assert {(a.department_id, a.role) for a in ticket.assignments} == {(org.housing, "lead"), (org.other, "co")}
        events = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                           .order_by(TicketEvent.seq)).all()
        assert [e.action for e in events] == ["create", "triage", "dispatch"]
        assert events[2].changes["reason"][1].startswith("catalogue default for category 道路设施")


def test_catalogue_cache_sees_this_process_writes_at_once(context, session, org):
    assert catalogue.suggest(session, category_id=org.cat_roads, district=None, max_age=LONG)[0] == org.housing
    session.get(Department, org.housing).active = False
    session.commit()
    assert catalogue.suggest(session, category_id=org.cat_roads, district=None, max_age=LONG) is None
    with pytest.raises(NotFound):
        catalogue.check_departments(session, department_ids=[org.other, org.housing], max_age=LONG)


def test_catalogue_cache_is_stale_for_other_processes_at_most_max_age(context, session, org):
    catalogue.check_departments(session, department_ids=[org.other], max_age=LONG)
    session.rollback()  # SQLite: let the "other process" take the write lock
    raw_sql(context.engine, "UPDATE departments SET active = ? WHERE id = ?", False, org.other)
    # Within max_age this process keeps its snapshot (the documented bound) ...
    catalogue.check_departments(session, department_ids=[org.other], max_age=LONG)
    session.rollback()
    # ... and re-reads once it is older than max_age.
    with pytest.raises(NotFound):
        catalogue.check_departments(session, department_ids=[org.other], max_age=0)
    session.rollback()
    # An id the snapshot does not know is looked up at once, whatever max_age says.
    raw_sql(context.engine, "INSERT INTO departments (code, name, level, active, created_at) "
            "VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)", "new", "新单位", "unit", True)
    new_id = session.scalar(select(Department.id).where(Department.code == "new"))
    catalogue.check_departments(session, department_ids=[new_id], max_age=LONG)


def test_flows_check_without_catalogue_queries_once_cached(context, agent, org):
    number = flows.create_ticket(context, data=TicketCreate(**BASE), actor=agent)
    flows.triage(context, number=number, data=TriageIn(category_id=org.cat_roads), actor=agent)  # warms caches
    seen, stop = count_statements(context.engine)
    try:
        flows.dispatch(context, number=number, data=DispatchIn(), actor=agent)
    finally:
        stop()
    lowered = " ".join(seen).lower()
    assert "from categories" not in lowered and "from departments" not in lowered
    assert "dispatch_rules" not in lowered and "deadline_rules" not in lowered
    with context.sessions() as s:
        assert s.scalar(select(TicketAssignment.department_id)) == org.housing


def test_policy_cache_asks_nothing_on_a_hit_and_sees_plain_sql_writes(context, session, settings):
    first = deadlines.load_policy(session, settings=settings)
    seen, stop = count_statements(context.engine)
    try:
        assert deadlines.load_policy(session, settings=settings) is first
    finally:
        stop()
    assert seen == []
    session.execute(HolidayOverride.__table__.insert().values(day=date(2030, 1, 2), is_workday=False, note=""))
    session.commit()
    assert deadlines.load_policy(session, settings=settings) is not first
