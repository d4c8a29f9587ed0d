"""Monthly public disclosure (信息公开): each department's volume, on-time rate and satisfaction for a month,
drafted from ticketing.reports, reviewed and published by a supervisor (every step audited). Only published
months are public, and they hold no personal data: department names and figures only."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import Conflict, NotFound, ValidationFailed
from reports.models import Disclosure, DisclosureEvent
from ticketing import reports as tr
from ticketing.org.auth import Actor

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_period(ctx: AppContext, month: str, *, now: datetime | None = None) -> tr.Period:
    match = MONTH.match(month or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationFailed(f"month must look like 2026-11, not {month!r}", field="month")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    today = (now or utcnow()).astimezone(ctx.settings.tz).date()
    if last >= today:
        raise ValidationFailed(f"month {month} is not over yet", field="month")
    return tr.period_for(ctx.settings, first=first, last=last)


def figures_of(report: tr.DepartmentReport) -> list[dict[str, Any]]:
    """The public figures of each department (受理量 = cases dispatched to it as lead in the month)."""
    rows = [*report.departments, report.total]
    return [{"department": f.department, "volume": f.dispatched, "closed": f.closed, "on_time_rate": f.on_time_rate,
             "satisfaction_rate": f.satisfaction_rate} for f in rows]


def draft(ctx: AppContext, *, month: str, actor: Actor, now: datetime | None = None) -> int:
    """Draft (or redraft) a month from the report service; a published month is not changed."""
    actor.require(*tr.REPORT_ROLES)
    period = month_period(ctx, month, now=now)
    figures = figures_of(tr.department_report(ctx, period=period, actor=actor))
    with ctx.sessions() as session:
        row = session.scalars(select(Disclosure).where(Disclosure.month == month).with_for_update()).first()
        if row is not None and row.status == "published":
            raise Conflict(f"{month} is already published")
        action = "redrafted" if row is not None else "drafted"
        if row is None:
            row = Disclosure(month=month, created_by_name=actor.name)
            session.add(row)
        row.figures, row.created_at, row.created_by_name = figures, utcnow(), actor.name
        session.flush()
        session.add(DisclosureEvent(disclosure_id=row.id, action=action, actor_id=actor.id, actor_name=actor.name))
        session.commit()
        return row.id


def publish(ctx: AppContext, *, month: str, actor: Actor) -> None:
    actor.require(*tr.REPORT_ROLES)
    with ctx.sessions() as session:
        row = session.scalars(select(Disclosure).where(Disclosure.month == month).with_for_update()).first()
        if row is None:
            raise NotFound(f"no draft for {month}")
        if row.status == "published":
            raise Conflict(f"{month} is already published")
        row.status, row.published_at, row.published_by_name = "published", utcnow(), actor.name
        session.add(DisclosureEvent(disclosure_id=row.id, action="published", actor_id=actor.id,
                                    actor_name=actor.name))
        session.commit()


def all_months(ctx: AppContext, *, actor: Actor) -> list[dict[str, Any]]:
    """Drafts and published months with their audit trail (console)."""
    actor.require(*tr.REPORT_ROLES)
    with ctx.reader() as session:
        rows = list(session.scalars(select(Disclosure).order_by(Disclosure.month.desc())))
        events: dict[int, list[dict]] = {}
        for e in session.scalars(select(DisclosureEvent).order_by(DisclosureEvent.id)):
            events.setdefault(e.disclosure_id, []).append({"action": e.action, "by": e.actor_name, "at": e.at})
        return [{"month": r.month, "status": r.status, "figures": r.figures, "published_at": r.published_at,
                 "events": events.get(r.id, [])} for r in rows]


def published(ctx: AppContext) -> list[dict[str, Any]]:
    """Published months, newest first, as the public sees them (no names of people, no case data)."""
    with ctx.reader() as session:
        rows = list(session.scalars(select(Disclosure).where(Disclosure.status == "published")
                                    .order_by(Disclosure.month.desc())))
        return [{"month": r.month, "published_at": r.published_at.isoformat() if r.published_at else None,
                 "departments": [{k: f[k] for k in ("department", "volume", "on_time_rate", "satisfaction_rate")}
                                 for f in r.figures]} for r in rows]
