"""Database access for tickets. No rules here: flows decide, this module reads and writes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, event, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.exc import StaleDataError

from hotline.database import utcnow
from hotline.errors import NotFound
from ticketing.enums import AssignmentStatus, Light, Status
from ticketing.list_service import OPEN, TicketFilter, list_tickets  # noqa: F401  (lists live there)
from ticketing.models import (
    ExtensionRequest,
    ReturnRequest,
    Ticket,
    TicketAssignment,
    TicketCaller,
    TicketEvent,
    TicketSequence,
)
from ticketing.org.models import Department


def next_sequence(session: Session, *, day: date) -> int:
    """Atomically take the next number of `day` (one UPSERT; safe under concurrent writers)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(TicketSequence).values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": TicketSequence.last + 1})
        .returning(TicketSequence.last)
    )
    return session.execute(stmt).scalar_one()


def add_ticket(session: Session, *, ticket: Ticket) -> Ticket:
    session.add(ticket)
    session.flush()
    return ticket


def find_ticket(session: Session, *, number: str) -> Ticket | None:
    """One ticket by number, or None."""
    return session.scalars(select(Ticket).where(Ticket.number == number).options(lazyload(Ticket.callers))).one_or_none()


def get_ticket(session: Session, *, number: str, for_update: bool = False, assignments: bool = True) -> Ticket:
    """One ticket by number. Callers are loaded when read (the detail view counts them), not by every flow
    that locks the ticket; `assignments=False` leaves the assignments to load when first read, too (most
    writes never read them: one query fewer)."""
    stmt = select(Ticket).where(Ticket.number == number).options(lazyload(Ticket.callers))
    if not assignments:
        stmt = stmt.options(lazyload(Ticket.assignments))
    if for_update:
        stmt = stmt.with_for_update(of=Ticket)
    ticket = session.scalars(stmt).one_or_none()
    if ticket is None:
        raise NotFound(f"ticket {number} not found", number=number)
    return ticket


class TicketRecord:
    """A locked ticket row as plain attributes, for the write flows: no identity map, no unit of work.

    Setting an attribute records the change; `save_tickets` (runs before every COMMIT of the session)
    writes each record's changes with one `UPDATE ... WHERE id = :id AND version = :read` and raises
    StaleDataError when no row matched, the same optimistic lock as the ORM's version column. Reading
    `assignments` loads the ticket's TicketAssignment objects (ORM, flushed with the session) once.
    On PostgreSQL a single new event (`add_event`) is written by that same statement (a WITH ... INSERT)."""

    __slots__ = ("_assignments", "_changed", "_events", "_session", "_values")

    def __init__(self, session: Session, values: dict[str, Any]) -> None:
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_changed", {})
        object.__setattr__(self, "_assignments", None)
        # Events waiting for the UPDATE (PostgreSQL), or None: add_event inserts at once (SQLite).
        object.__setattr__(self, "_events", [] if session.get_bind().dialect.name == "postgresql" else None)
        session.info.setdefault(_RECORDS, []).append(self)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._values:
            raise AttributeError(f"{name} is not a column a TicketRecord loads")
        self._values[name] = value
        self._changed[name] = value

    @property
    def assignments(self) -> list[TicketAssignment]:
        if self._assignments is None:
            found = list(self._session.scalars(select(TicketAssignment).where(
                TicketAssignment.ticket_id == self._values["id"]).order_by(TicketAssignment.id)))
            object.__setattr__(self, "_assignments", found)
        return self._assignments

    def forget_assignments(self) -> None:
        object.__setattr__(self, "_assignments", None)


_RECORDS = "ticket_records"
_TICKETS = Ticket.__table__
# Built once: the write path runs these on every flow call (statement construction is measurable).
# The write flows never read the long texts (content, transcript, search tokens, suggestions): not fetched.
_RECORD_COLUMNS = [c for c in _TICKETS.c if c.name not in {"content", "transcript", "search_tokens", "suggestions"}]
_SELECT_TICKET = select(*_RECORD_COLUMNS).where(_TICKETS.c.number == bindparam("number"))
_SELECT_TICKET_LOCKED = _SELECT_TICKET.with_for_update()
_UPDATE_TICKET = update(_TICKETS).where(_TICKETS.c.id == bindparam("_id"), _TICKETS.c.version == bindparam("_read"))
_INSERT_EVENT = insert(TicketEvent.__table__)
_EVENT_COLUMNS = [c for c in TicketEvent.__table__.c if c.name != "id"]
_UPDATE_TICKET_WITH_EVENT = _UPDATE_TICKET.add_cte(insert(TicketEvent.__table__).values(
    {c.name: bindparam(f"_ev_{c.name}", type_=c.type) for c in _EVENT_COLUMNS}).cte("new_event"))
# The assignments' copies of ticket facts (migration 0011; the department queues are read from them).
_ASSIGNMENTS = TicketAssignment.__table__
_UPDATE_OPEN = update(_ASSIGNMENTS).where(_ASSIGNMENTS.c.ticket_id == bindparam("_ticket_id")).values(
    ticket_open=bindparam("_open"))
_UPDATE_URGENCY = update(_ASSIGNMENTS).where(_ASSIGNMENTS.c.ticket_id == bindparam("_ticket_id")).values(
    ticket_urgency=bindparam("_urgency"))


def get_ticket_record(session: Session, *, number: str, for_update: bool = True) -> TicketRecord:
    """The ticket row as a TicketRecord (Core SELECT; `... FOR UPDATE` unless for_update=False)."""
    stmt = _SELECT_TICKET_LOCKED if for_update else _SELECT_TICKET
    row = session.execute(stmt, {"number": number}).mappings().one_or_none()
    if row is None:
        raise NotFound(f"ticket {number} not found", number=number)
    return TicketRecord(session, dict(row))


@event.listens_for(Session, "before_commit")
def save_tickets(session: Session) -> None:
    """Write the changes of every TicketRecord loaded in `session` (version-checked; see TicketRecord)."""
    for record in session.info.pop(_RECORDS, ()):
        changed = record._changed
        if not changed:
            continue
        read = record._values["version"]
        # updated_at given here: with the WITH ... INSERT the column's onupdate default is not applied.
        params = {"updated_at": utcnow(), **changed, "version": read + 1, "_id": record._values["id"],
                  "_read": read}
        events, stmt = record._events, _UPDATE_TICKET
        if events and len(events) == 1:  # the common case: one statement for the event and the ticket
            params.update({f"_ev_{c.name}": events[0].get(c.name) for c in _EVENT_COLUMNS})
            stmt = _UPDATE_TICKET_WITH_EVENT
        elif events:
            session.execute(_INSERT_EVENT, [{c.name: e.get(c.name) for c in _EVENT_COLUMNS} for e in events])
        if events:
            events.clear()
        result = session.execute(stmt, params)
        if result.rowcount != 1:
            raise StaleDataError(f"ticket {record._values['number']} changed since version {read}")
        if "urgency" in changed and record._values["lead_department_id"] is not None:  # dispatched before
            session.execute(_UPDATE_URGENCY, {"_ticket_id": record._values["id"], "_urgency": changed["urgency"]})
        record._values["version"] = read + 1
        changed.clear()


def ticket_numbers(session: Session, *, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ids))).all())


def add_event(session: Session, *, ticket: Ticket | TicketRecord, **fields: Any) -> None:
    """Append the ticket's next event. Bumping event_count also bumps the row version, so a concurrent
    writer that read the same version fails instead of overwriting, and (ticket_id, seq) is unique: of two
    writers that read the same count, the second fails at this insert (flows retry: `SEQ_CONSTRAINT`).
    A Core INSERT: events are never read back in the writing session, so for a TicketRecord on PostgreSQL
    it goes out with the ticket's UPDATE before COMMIT (one statement fewer per write), else at once."""
    ticket.event_count = (ticket.event_count or 0) + 1
    row = {"ticket_id": ticket.id, "seq": ticket.event_count, "changes": {}, "at": utcnow(), **fields}
    if isinstance(ticket, TicketRecord) and ticket._events is not None:
        ticket._events.append(row)
    else:
        session.execute(_INSERT_EVENT, row)


SEQ_CONSTRAINT = "uq_ticket_events_ticket_seq"


def events(session: Session, *, ticket_id: int) -> list[TicketEvent]:
    return list(session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.seq)
    ))


def add_caller(session: Session, *, ticket_id: int, phone: str | None, name: str | None,
               source_ticket_id: int) -> None:
    session.add(TicketCaller(ticket_id=ticket_id, phone=phone, name=name, source_ticket_id=source_ticket_id))


def callers(session: Session, *, ticket_id: int) -> list[TicketCaller]:
    return list(session.scalars(select(TicketCaller).where(TicketCaller.ticket_id == ticket_id)
                                .order_by(TicketCaller.id)))


def add_assignment(session: Session, *, ticket: Ticket, department_id: int, role: str) -> TicketAssignment:
    assignment = TicketAssignment(ticket=ticket, department_id=department_id, role=role,
                                  status=AssignmentStatus.DISPATCHED.value, ticket_created_at=ticket.created_at,
                                  ticket_urgency=ticket.urgency, ticket_open=ticket.status in OPEN)
    session.add(assignment)
    return assignment


def add_assignments(session: Session, *, ticket: Ticket | TicketRecord, roles: list[tuple[int, str]]) -> None:
    """Dispatch `ticket` to (department_id, role) pairs with one INSERT. If the ticket's assignments are
    already loaded in this session they are expired, so a later read sees the new rows."""
    now = utcnow()
    session.execute(insert(TicketAssignment.__table__), [
        {"ticket_id": ticket.id, "department_id": d, "role": r, "status": AssignmentStatus.DISPATCHED.value,
         "assigned_at": now, "ticket_created_at": ticket.created_at, "ticket_urgency": ticket.urgency,
         "ticket_open": ticket.status in OPEN}
        for d, r in roles])
    if isinstance(ticket, TicketRecord):
        ticket.forget_assignments()
    elif "assignments" in ticket.__dict__:
        session.expire(ticket, ["assignments"])




def set_assignments_open(session: Session, *, ticket: Ticket | TicketRecord, is_open: bool) -> None:
    """Keep the assignments' copy of "the ticket is open" (the department queues read it) in step with the
    ticket's status: call when a transition moves the ticket between open and closed/merged."""
    session.execute(_UPDATE_OPEN, {"_ticket_id": ticket.id, "_open": is_open})
    if isinstance(ticket, TicketRecord):
        ticket.forget_assignments()
    elif "assignments" in ticket.__dict__:
        session.expire(ticket, ["assignments"])


def active_assignment(ticket: Ticket, *, department_id: int | None) -> TicketAssignment | None:
    for a in ticket.assignments:
        if a.department_id == department_id and a.status != AssignmentStatus.WITHDRAWN.value:
            return a
    return None


def department_names(session: Session, *, ids: set[int]) -> dict[int, str]:
    ids.discard(None)  # type: ignore[arg-type]
    if not ids:
        return {}
    return dict(session.execute(select(Department.id, Department.name).where(Department.id.in_(ids))).all())


def find_repeats(session: Session, *, ticket: Ticket, since: datetime, limit: int = 20) -> list[tuple[Ticket, str]]:
    """Other live cases from the same caller, or about the same address and category, since `since`."""
    conditions = []
    if ticket.caller_phone:
        conditions.append(Ticket.caller_phone == ticket.caller_phone)
    if ticket.address and ticket.category_id is not None:
        conditions.append(and_(Ticket.address == ticket.address, Ticket.category_id == ticket.category_id))
    if not conditions:
        return []
    rows = session.scalars(
        select(Ticket).where(or_(*conditions), Ticket.id != ticket.id, Ticket.created_at >= since,
                             Ticket.status != Status.MERGED.value)
        .order_by(Ticket.created_at.desc()).limit(limit)
    )
    found = []
    for other in rows:
        same_caller = ticket.caller_phone and other.caller_phone == ticket.caller_phone
        found.append((other, "same_caller" if same_caller else "same_address_category"))
    return found


def merged_counts(session: Session, *, min_count: int, since: datetime, limit: int) -> list[tuple[Ticket, int]]:
    """Cases that absorbed repeats: (case, number of cases on the matter including itself)."""
    merged = (select(Ticket.merged_into_id.label("target"), func.count().label("n"))
              .where(Ticket.merged_into_id.is_not(None), Ticket.created_at >= since)
              .group_by(Ticket.merged_into_id).subquery())
    rows = session.execute(
        select(Ticket, merged.c.n + 1).join(merged, merged.c.target == Ticket.id)
        .where(merged.c.n + 1 >= min_count).order_by((merged.c.n + 1).desc(), Ticket.id).limit(limit)
    ).all()
    return [(t, n) for t, n in rows]


# --- returns and extensions ------------------------------------------------------------------------


def pending_return(session: Session, *, ticket_id: int) -> ReturnRequest | None:
    return session.scalars(select(ReturnRequest).where(
        ReturnRequest.ticket_id == ticket_id, ReturnRequest.status == "pending")).first()


def get_extension(session: Session, *, extension_id: int, ticket_id: int) -> ExtensionRequest:
    ext = session.get(ExtensionRequest, extension_id)
    if ext is None or ext.ticket_id != ticket_id:
        raise NotFound(f"extension request {extension_id} not found for this ticket")
    return ext


def pending_extension(session: Session, *, ticket_id: int) -> ExtensionRequest | None:
    return session.scalars(select(ExtensionRequest).where(
        ExtensionRequest.ticket_id == ticket_id, ExtensionRequest.status == "pending")).first()


def approved_extension_days(session: Session, *, ticket_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(ExtensionRequest.working_days), 0)).where(
        ExtensionRequest.ticket_id == ticket_id, ExtensionRequest.status == "approved")) or 0


def pending_requests(session: Session, *, kind: str, limit: int, offset: int) -> list[tuple[Any, str]]:
    model = ReturnRequest if kind == "return" else ExtensionRequest
    rows = session.execute(
        select(model, Ticket.number).join(Ticket, Ticket.id == model.ticket_id)
        .where(model.status == "pending").order_by(model.requested_at).limit(limit).offset(offset)
    ).all()
    return [(r, n) for r, n in rows]


# --- deadline sweep --------------------------------------------------------------------------------


def tickets_needing_light(session: Session, *, now: datetime, yellow: timedelta, batch: int,
                          yellow_share: float = 0.5) -> list[Ticket]:
    """Open cases whose announced light is behind the clock (ticketing.deadlines.signals): red but not
    announced red, or yellow but announced green."""
    from ticketing.deadlines.signals import Clock, light_condition

    clock = Clock(now=now, yellow_hours=yellow.total_seconds() / 3600.0, yellow_share=yellow_share)
    dialect = session.get_bind().dialect.name
    stmt = (
        select(Ticket).where(or_(
            and_(light_condition(Light.RED, clock, dialect=dialect), Ticket.light != Light.RED.value),
            and_(light_condition(Light.YELLOW, clock, dialect=dialect), Ticket.light == Light.GREEN.value),
        )).order_by(Ticket.id).limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))

