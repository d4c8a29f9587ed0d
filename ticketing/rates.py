"""The 三率 (响应率, 解决率, 满意率), the on-time rate (按时办结率) and the hotline's dispatch accuracy
(派单准确率), each defined once: what counts (the denominator), what succeeds (the numerator), a Python
predicate over one row and the SQLAlchemy expression beside it. `ticketing.reports_service` aggregates with
the expressions; the dashboard shows `DEFINITIONS` as tooltips; tests/test_rates.py checks the twins agree.

Rows: a lead dispatch is a TicketAssignment with role lead (assigned_at, accepted_at, status); a closed case
is a Ticket with closed_at in the period, counted for its lead department.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.sql.elements import ColumnElement

from ticketing.enums import AssignmentStatus
from ticketing.models import Ticket, TicketAssignment

WITHDRAWN = AssignmentStatus.WITHDRAWN.value


@dataclass(frozen=True)
class Definition:
    key: str
    label: str
    tooltip: str  # zh-CN, shown on the dashboard


DEFINITIONS: dict[str, Definition] = {d.key: d for d in (
    Definition("response_rate", "响应率",
               "派给该单位（主办）的工单中，已签收或已过响应时限（{limit}小时）的计入；其中在时限内签收的比例。"
               "刚派出、仍在时限内未签收的工单暂不计入；经异议审核认定派错（退单成立）的不计入任何单位。"),
    Definition("resolution_rate", "解决率", "本期办结的工单中，办结后未被重启的比例。"),
    Definition("satisfaction_rate", "满意率", "本期办结且已回访评价的工单中，评价为{satisfied}的比例。"),
    Definition("on_time_rate", "按时办结率", "本期办结的工单中，在办结时限（含批准的延期）内办结的比例。"),
    Definition("dispatch_accuracy", "派单准确率",
               "热线本期的主办派单中，未被异议审核认定派错（退单成立后改派）的比例。只计热线，不计承办单位。"),
)}


def tooltips(*, limit_hours: float, satisfied_labels: list[str]) -> dict[str, str]:
    """Each definition's tooltip with the settings filled in."""
    values = {"limit": f"{limit_hours:g}", "satisfied": "、".join(satisfied_labels)}
    return {key: d.tooltip.format(**values) for key, d in DEFINITIONS.items()}


# --- 响应率 and 派单准确率: over lead dispatches ---------------------------------------------------------------


def dispatch_error(a: Any) -> bool:
    """The dispatch was withdrawn because the review upheld the department's 退单 (it was sent wrongly)."""
    return a.status == WITHDRAWN


def dispatch_error_sql() -> ColumnElement[bool]:
    return TicketAssignment.status == WITHDRAWN


def response_counts(a: Any, *, now: datetime, limit_hours: float) -> bool:
    """A dispatch counts toward the department's 响应率 once it was accepted or its response limit passed
    — and never if it was a dispatch error."""
    if dispatch_error(a):
        return False
    return a.accepted_at is not None or a.assigned_at + timedelta(hours=limit_hours) <= now


def response_counts_sql(*, now: datetime, limit_hours: float) -> ColumnElement[bool]:
    a = TicketAssignment
    return and_(~dispatch_error_sql(),
                or_(a.accepted_at.is_not(None), a.assigned_at <= now - timedelta(hours=limit_hours)))


def responded(a: Any, *, limit_hours: float) -> bool:
    """Accepted (签收) within the response limit."""
    return (not dispatch_error(a) and a.accepted_at is not None
            and a.accepted_at <= a.assigned_at + timedelta(hours=limit_hours))


def responded_sql(*, limit_hours: float, dialect: str) -> ColumnElement[bool]:
    a = TicketAssignment
    return and_(~dispatch_error_sql(), a.accepted_at.is_not(None),
                within(a.accepted_at, a.assigned_at, hours=limit_hours, dialect=dialect))


def within(later, earlier, *, hours: float, dialect: str) -> ColumnElement[bool]:
    """later <= earlier + hours, for UTC timestamps (SQLite keeps them as text; julianday counts days)."""
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0 <= hours
    return later <= earlier + func.make_interval(0, 0, 0, 0, 0, 0, hours * 3600.0)


# --- 解决率, 满意率, 按时办结率: over closed cases ----------------------------------------------------------------


def resolved(t: Any) -> bool:
    return t.reopen_count == 0


def resolved_sql() -> ColumnElement[bool]:
    return Ticket.reopen_count == 0


def on_time(t: Any) -> bool:
    return t.closed_at is not None and t.closed_at <= t.due_at


def on_time_sql() -> ColumnElement[bool]:
    return Ticket.closed_at <= Ticket.due_at


def rated(t: Any) -> bool:
    return t.satisfaction is not None


def satisfied(t: Any, *, levels: list[str]) -> bool:
    return t.satisfaction in levels


def satisfied_sql(*, levels: list[str]) -> ColumnElement[bool]:
    return Ticket.satisfaction.in_(levels or ["-"])


def rate(part: int, whole: int) -> float | None:
    """A rate in percent with one decimal; None when there is nothing to count."""
    return round(100.0 * part / whole, 1) if whole else None
