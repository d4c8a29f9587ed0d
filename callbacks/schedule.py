"""When a return visit may happen: after the delay, inside the allowed local hours, on working days unless
rest days are allowed; and the beat sweep that schedules visits for closed cases and hands out due ones."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, time, timedelta

from sqlalchemy.exc import IntegrityError

from callbacks import service
from hotline.context import AppContext
from hotline.database import utcnow
from hotline.settings import Settings
from ticketing.deadlines.workdays import WorkCalendar

log = logging.getLogger(__name__)

RUN_TASK = "callbacks.run_visit"
MAX_DAYS_AHEAD = 60


def next_allowed(moment: datetime, *, settings: Settings, calendar: WorkCalendar) -> datetime:
    """The first instant at or after `moment` when a visit may be made (UTC)."""
    start_h, end_h = settings.visit_hours
    local = moment.astimezone(settings.tz)
    for _ in range(MAX_DAYS_AHEAD):
        day = local.date()
        if settings.visit_on_rest_days or calendar.is_workday(day):
            opens = datetime.combine(day, time(start_h), tzinfo=settings.tz)
            # end hour 24 means midnight at the end of the day (visits all day long)
            closes = datetime.combine(day, time(0), tzinfo=settings.tz) + timedelta(hours=end_h)
            if local < opens:
                return opens.astimezone(moment.tzinfo)
            if local < closes:
                return local.astimezone(moment.tzinfo)
        local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=settings.tz)
    raise ValueError(f"no allowed visit time within {MAX_DAYS_AHEAD} days of {moment.isoformat()}")


def calendar_for(ctx: AppContext, session) -> WorkCalendar:
    from ticketing.deadlines.service import load_policy

    return load_policy(session, settings=ctx.settings).calendar


def retry_at(ctx: AppContext, session, *, now: datetime, attempt: int) -> datetime:
    """Back-off after the `attempt`-th failed try (1-based), moved into the allowed hours."""
    delays = ctx.settings.visit_retry_minutes or [30.0]
    minutes = delays[min(attempt, len(delays)) - 1] if attempt > 0 else delays[0]
    return next_allowed(now + timedelta(minutes=minutes), settings=ctx.settings, calendar=calendar_for(ctx, session))


def schedule_closed(ctx: AppContext, *, now: datetime | None = None) -> int:
    """Create the due-row of every recently closed case that has none for its current round. Safe to run
    concurrently: (ticket, round) is unique, so a racing sweep's insert fails and is dropped."""
    now = now or utcnow()
    s = ctx.settings
    since = now - timedelta(days=s.visit_lookback_days)
    created, after = 0, None
    while True:
        with ctx.sessions() as session:
            rows = service.closed_without_visit(session, since=since, after=after, limit=s.visit_sweep_batch)
            if not rows:
                return created
            calendar = calendar_for(ctx, session)
            blocked = service.opted_out(session, phones=sorted({r[3] for r in rows if r[3]}))
            visits = []
            for ticket_id, number, round_, phone, closed_at in rows:
                status = "opted_out" if phone in blocked else "due" if phone else "no_phone"
                due = next_allowed(closed_at + timedelta(hours=s.visit_delay_hours), settings=s, calendar=calendar)
                visits.append({"ticket_id": ticket_id, "ticket_number": number, "round": round_, "phone": phone,
                               "status": status, "due_at": due, "created_at": now, "call_attempts": 0,
                               "sms_attempts": 0, "finished_at": None if status == "due" else now})
            try:
                service.add_visits(session, rows=visits)
                session.commit()
            except IntegrityError:  # a concurrent sweep inserted some of them; the next pass sees them
                session.rollback()
                log.info("visits scheduled concurrently; rescanning")
                continue
            created += len(rows)
            after = (rows[-1][4], rows[-1][0])
            if len(rows) < s.visit_sweep_batch:
                return created


def hand_out_due(ctx: AppContext, *, now: datetime | None = None) -> int:
    """Lease every due visit to a task run (a fresh token each sweep batch) and enqueue it after the commit.
    A lost message or a killed worker only delays the visit: the lease expires and it is handed out again."""
    now = now or utcnow()
    s = ctx.settings
    total, after = 0, None
    while True:
        with ctx.sessions() as session:
            rows = service.due_ids(session, now=now, after=after, limit=s.visit_sweep_batch)
            ids = [visit_id for visit_id, _ in rows]
            token = uuid.uuid4().hex
            service.hand_out(session, ids=ids, token=token, lease_until=now + timedelta(seconds=s.visit_lease_seconds))
            session.commit()
        for visit_id in ids:
            ctx.enqueue(RUN_TASK, visit_id, token)
        total += len(ids)
        if len(ids) < s.visit_sweep_batch:
            return total
        after = (rows[-1][1], rows[-1][0])


def sweep(ctx: AppContext, *, now: datetime | None = None) -> dict[str, int]:
    return {"scheduled": schedule_closed(ctx, now=now), "handed_out": hand_out_due(ctx, now=now)}
