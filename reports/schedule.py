"""The report and warning due-rows Celery beat sweeps. A row says when its next job is due; a sweep claims the
due rows under a lease, does every job whose time has come (a missed tick is caught up, period by period) and
moves each row on. A period already made is never made twice (ReportRun.schedule_key is unique)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError

from hotline.context import AppContext
from hotline.database import utcnow
from reports import bulletins, runs, service
from reports.models import KINDS, ReportSchedule

log = logging.getLogger(__name__)
WARNINGS = "warnings"
MAX_CATCH_UP = 64  # jobs per row and sweep; the rest follow on the next sweep


def _at(ctx: AppContext, day: date) -> datetime:
    return datetime.combine(day, time(ctx.settings.report_schedule_hour), tzinfo=ctx.settings.tz)


def next_boundary(ctx: AppContext, kind: str, after: datetime) -> datetime:
    """The first time after `after` a report of `kind` falls due: daily each day, weekly on Mondays, monthly
    on the 1st, at settings.report_schedule_hour local time."""
    day = after.astimezone(ctx.settings.tz).date()
    while True:
        if (kind == "daily" or (kind == "weekly" and day.weekday() == 0)
                or (kind == "monthly" and day.day == 1)) and _at(ctx, day) > after:
            return _at(ctx, day)
        day += timedelta(days=1)


def report_day(ctx: AppContext, due: datetime) -> date:
    """A day of the period a report due at `due` covers: the day, week or month that ended before it."""
    return due.astimezone(ctx.settings.tz).date() - timedelta(days=1)


def ensure_rows(ctx: AppContext, *, now: datetime) -> None:
    wanted = [(k, f) for k in KINDS for f in ctx.settings.report_formats] + [(WARNINGS, "")]
    with ctx.sessions() as session:
        have = {(r.kind, r.fmt) for r in service.schedule_rows(session)}
        missing = [(k, f) for k, f in wanted if (k, f) not in have]
        if not missing:
            return
        for kind, fmt in missing:
            step = timedelta(minutes=ctx.settings.warning_step_minutes)
            due = (now - timedelta(seconds=now.timestamp() % step.total_seconds()) + step
                   if kind == WARNINGS else next_boundary(ctx, kind, now))
            session.add(ReportSchedule(kind=kind, fmt=fmt, next_due_at=due))
        try:
            session.commit()
        except IntegrityError:  # another sweep made them meanwhile
            session.rollback()


def _claim(ctx: AppContext, now: datetime) -> list[int]:
    with ctx.sessions() as session:
        rows = service.due_schedules(session, now=now)
        for row in rows:
            row.lease_until = now + timedelta(seconds=ctx.settings.report_lease_seconds)
        ids = [r.id for r in rows]
        session.commit()
    return ids


def _job(ctx: AppContext, kind: str, fmt: str, due: datetime) -> None:
    if kind == WARNINGS:
        from reports import warnings

        warnings.scan(ctx, end=due)
        return
    day = report_day(ctx, due)
    first = bulletins.period_of(ctx, kind, day).first_day
    runs.generate(ctx, kind=kind, day=day, fmt=fmt, actor=bulletins.SCHEDULER, trigger="schedule",
                  schedule_key=f"{kind}:{fmt}:{first.isoformat()}", now=due)


def _advance(ctx: AppContext, kind: str, due: datetime) -> datetime:
    if kind == WARNINGS:
        return due + timedelta(minutes=ctx.settings.warning_step_minutes)
    return next_boundary(ctx, kind, due)


def sweep(ctx: AppContext, *, now: datetime | None = None) -> dict[str, int]:
    """Idempotent: a second sweep at the same moment finds no due row. No transaction stays open while a
    job runs (the lease keeps other sweeps off the row)."""
    now = now or utcnow()
    ensure_rows(ctx, now=now)
    done = {"reports": 0, "warnings": 0, "failed": 0}
    for row_id in _claim(ctx, now):
        with ctx.reader() as session:
            row = session.get(ReportSchedule, row_id)
            kind, fmt, due = row.kind, row.fmt, row.next_due_at
        if kind != WARNINGS and fmt not in ctx.settings.report_formats:
            due = now + timedelta(days=1)  # a format no longer scheduled: the row waits, makes nothing
        failed = False
        for _ in range(MAX_CATCH_UP):
            if due > now:
                break
            try:
                _job(ctx, kind, fmt, due)
            except Exception:  # the lease stays: when it runs out a later sweep retries the job
                log.exception("scheduled %s %s due %s failed", kind, fmt, due)
                done["failed"] += 1
                failed = True
                break
            done["warnings" if kind == WARNINGS else "reports"] += 1
            due = _advance(ctx, kind, due)
            with ctx.sessions() as session:
                row = session.get(ReportSchedule, row_id)
                row.next_due_at, row.last_run_at = due, utcnow()
                session.commit()
        if not failed:
            with ctx.sessions() as session:
                row = session.get(ReportSchedule, row_id)
                row.lease_until = None
                session.commit()
    return done
