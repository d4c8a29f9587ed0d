"""抱怨清单 / 诉求台账: every case of every channel as one ledger row, filtered by period, channel, department,
stage and overdue; read a page at a time (keyset, newest first) or streamed in batches for export, so a
1,000,000-row export holds one batch in memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import ValidationFailed
from reports.service import category_names
from ticketing import phones
from ticketing import reports as tr
from ticketing.enums import LABELS_ZH, Channel, Status
from ticketing.list_service import OPEN
from ticketing.models import Ticket
from ticketing.org.auth import Actor
from ticketing.org.models import Department

BATCH = 2000
COLUMNS = ["工单编号", "受理时间", "渠道", "来电人", "事项", "主办部门", "联系时限", "办结时限", "环节",
           "办理结果", "满意度", "回访结果", "是否超期"]
VISIT_ZH = {"done": "已回访", "unreachable": "未接通", "opted_out": "拒绝回访", "no_phone": "无号码",
            "due": "回访中", "sms_sent": "回访中", "rated": "回访中"}
RESULT_CHARS = 60


@dataclass(frozen=True)
class LedgerFilter:
    first: date | None = None
    last: date | None = None
    channel: str | None = None
    department_id: int | None = None
    stage: str | None = None
    overdue: bool | None = None

    def checked(self) -> LedgerFilter:
        if self.channel and self.channel not in {c.value for c in Channel}:
            raise ValidationFailed(f"unknown channel {self.channel!r}", field="channel")
        if self.stage and self.stage not in {s.value for s in Status}:
            raise ValidationFailed(f"unknown stage {self.stage!r}", field="stage")
        if self.first and self.last and self.last < self.first:
            raise ValidationFailed("the period ends before it starts", field="to")
        return self


def overdue_clause(now: datetime):
    """Past its deadline: closed after it, or still open with the deadline gone (same rule as the bulletin)."""
    return or_(and_(Ticket.closed_at.is_not(None), Ticket.closed_at > Ticket.due_at),
               and_(Ticket.closed_at.is_(None), Ticket.status.in_(OPEN), Ticket.due_at < now))


def _query(ctx: AppContext, f: LedgerFilter, now: datetime):
    stmt = select(Ticket.id, Ticket.number, Ticket.created_at, Ticket.channel, Ticket.caller_phone,
                  Ticket.category_id, Ticket.lead_department_id, Ticket.first_contact_due_at, Ticket.due_at,
                  Ticket.status, Ticket.reply, Ticket.satisfaction, Ticket.closed_at, Ticket.reopen_count)
    tz = ctx.settings.tz
    if f.first:
        stmt = stmt.where(Ticket.created_at >= datetime.combine(f.first, datetime.min.time(), tzinfo=tz))
    if f.last:
        end = tr.period_for(ctx.settings, first=f.last, last=f.last).end
        stmt = stmt.where(Ticket.created_at < end)
    if f.channel:
        stmt = stmt.where(Ticket.channel == f.channel)
    if f.department_id is not None:
        stmt = stmt.where(Ticket.lead_department_id == f.department_id)
    if f.stage:
        stmt = stmt.where(Ticket.status == f.stage)
    if f.overdue is not None:
        clause = overdue_clause(now)
        stmt = stmt.where(clause if f.overdue else ~clause)
    return stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc())


def _visits(session: Session, rows) -> dict[int, str]:
    """The latest return visit of each case's current round: its outcome in words."""
    from callbacks.models import ReturnVisit

    ids = [r.id for r in rows]
    if not ids:
        return {}
    rounds = {r.id: r.reopen_count for r in rows}
    out: dict[int, str] = {}
    for ticket_id, round_, status, satisfaction in session.execute(
            select(ReturnVisit.ticket_id, ReturnVisit.round, ReturnVisit.status, ReturnVisit.satisfaction)
            .where(ReturnVisit.ticket_id.in_(ids)).order_by(ReturnVisit.id)):
        if round_ == rounds[ticket_id]:
            text = VISIT_ZH.get(status, status)
            out[ticket_id] = f"{text}（{LABELS_ZH.get(satisfaction, satisfaction)}）" if satisfaction else text
    return out


class _Names:
    def __init__(self, session: Session) -> None:
        self.categories = category_names(session)
        self.departments = {i: n for i, n in session.execute(select(Department.id, Department.name))}


def _cells(ctx: AppContext, r, names: _Names, visits: dict[int, str], now: datetime) -> list[Any]:
    tz = ctx.settings.tz

    def local(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    late = (r.closed_at is not None and r.closed_at > r.due_at) or (
        r.closed_at is None and r.status in OPEN and r.due_at < now)
    reply = (r.reply or "").replace("\n", " ")
    return [r.number, local(r.created_at), LABELS_ZH.get(r.channel, r.channel), phones.mask(r.caller_phone) or "",
            names.categories.get(r.category_id, "未分类") if r.category_id else "未分类",
            names.departments.get(r.lead_department_id, "") if r.lead_department_id else "",
            local(r.first_contact_due_at), local(r.due_at), LABELS_ZH.get(r.status, r.status),
            reply[:RESULT_CHARS] + ("…" if len(reply) > RESULT_CHARS else ""),
            LABELS_ZH.get(r.satisfaction, r.satisfaction) if r.satisfaction else "", visits.get(r.id, ""),
            "是" if late else "否"]


@dataclass
class Page:
    rows: list[list[Any]]
    next_cursor: str | None


def _after(stmt, cursor: str | None):
    if not cursor:
        return stmt
    try:
        stamp, ident = cursor.rsplit("_", 1)
        at, ticket_id = datetime.fromisoformat(stamp), int(ident)
    except ValueError:
        raise ValidationFailed("bad cursor", field="cursor") from None
    # created_at <= at bounds the index range (an OR alone would make every page re-read the newer rows)
    return stmt.where(Ticket.created_at <= at, or_(Ticket.created_at < at, Ticket.id < ticket_id))


def page(ctx: AppContext, *, f: LedgerFilter, actor: Actor, cursor: str | None = None,
         size: int | None = None, now: datetime | None = None) -> Page:
    actor.require(*tr.REPORT_ROLES)
    now = now or utcnow()
    size = min(size or ctx.settings.ledger_page_size, ctx.settings.page_size_max)
    with ctx.reader() as session:
        rows = list(session.execute(_after(_query(ctx, f.checked(), now), cursor).limit(size + 1)))
        more = len(rows) > size
        rows = rows[:size]
        names = _Names(session)
        visits = _visits(session, rows)
        cells = [_cells(ctx, r, names, visits, now) for r in rows]
    last = rows[-1] if rows and more else None
    return Page(cells, f"{last.created_at.isoformat()}_{last.id}" if last else None)


def stream(ctx: AppContext, *, f: LedgerFilter, actor: Actor, now: datetime | None = None) -> Iterator[list[Any]]:
    """Every matching row, newest first, read BATCH rows per query (bounded memory, no long transaction)."""
    actor.require(*tr.REPORT_ROLES)
    now = now or utcnow()
    base = _query(ctx, f.checked(), now)
    cursor: str | None = None
    with ctx.reader() as session:
        names = _Names(session)
    while True:
        with ctx.reader() as session:
            rows = list(session.execute(_after(base, cursor).limit(BATCH)))
            visits = _visits(session, rows)
        for r in rows:
            yield _cells(ctx, r, names, visits, now)
        if len(rows) < BATCH:
            return
        cursor = f"{rows[-1].created_at.isoformat()}_{rows[-1].id}"
