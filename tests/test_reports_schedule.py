"""Scheduled reports are due-rows: a sweep makes each period once, a second sweep changes nothing, and a
missed tick (a sweep that did not run for days) is caught up period by period."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from reports import schedule
from reports.models import ReportRun, ReportSchedule


def _local(context, day, hour):
    return datetime.combine(day, time(hour), tzinfo=context.settings.tz)


def _runs(context):
    with context.reader() as s:
        return sorted((r.kind, r.fmt, r.first_day, r.status) for r in s.scalars(select(ReportRun)))


def test_first_sweep_makes_rows_then_runs_due_reports_once(context):
    context.settings.report_formats = ["xlsx"]
    monday = _local(context, datetime(2026, 11, 2).date(), 3)  # a Monday, before the schedule hour
    assert schedule.sweep(context, now=monday) == {"reports": 0, "warnings": 0, "failed": 0}
    with context.reader() as s:
        rows = {(r.kind, r.fmt): r.next_due_at for r in s.scalars(select(ReportSchedule))}
    assert rows[("daily", "xlsx")] == _local(context, monday.date(), 6)
    assert rows[("weekly", "xlsx")] == _local(context, monday.date(), 6)
    assert rows[("monthly", "xlsx")] == _local(context, datetime(2026, 12, 1).date(), 6)
    later = _local(context, monday.date(), 7)
    done = schedule.sweep(context, now=later)
    assert done["reports"] == 2  # yesterday's daily and last week's weekly
    assert _runs(context) == [("daily", "xlsx", "2026-11-01", "done"), ("weekly", "xlsx", "2026-10-26", "done")]
    assert schedule.sweep(context, now=later)["reports"] == 0  # idempotent
    assert len(_runs(context)) == 2


def test_a_missed_tick_is_caught_up(context):
    context.settings.report_formats = ["pdf"]
    start = _local(context, datetime(2026, 11, 27).date(), 12)  # Friday
    schedule.sweep(context, now=start)
    # beat was down for five days: every daily, the weekly of Mon 30 Nov, and the monthly of 1 Dec follow
    back = _local(context, datetime(2026, 12, 2).date(), 12)
    done = schedule.sweep(context, now=back)
    assert done["reports"] == 5 + 1 + 1
    made = _runs(context)
    assert [r[2] for r in made if r[0] == "daily"] == ["2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30",
                                                       "2026-12-01"]
    assert [r[2] for r in made if r[0] == "weekly"] == ["2026-11-23"]
    assert [r[2] for r in made if r[0] == "monthly"] == ["2026-11-01"]
    assert schedule.sweep(context, now=back)["reports"] == 0


def test_a_period_already_made_is_not_made_twice_even_if_the_row_lags(context):
    """Two sweeps racing: the unique schedule key lets only one run of a period exist."""
    context.settings.report_formats = ["csv"]
    start = _local(context, datetime(2026, 11, 10).date(), 12)
    schedule.sweep(context, now=start)
    later = start + timedelta(days=1)
    schedule.sweep(context, now=later)
    with context.sessions() as s:  # put the daily row back, as a sweep that lost its commit would leave it
        row = s.scalars(select(ReportSchedule).where(ReportSchedule.kind == "daily")).one()
        row.next_due_at = _local(context, datetime(2026, 11, 11).date(), 6)
        s.commit()
    schedule.sweep(context, now=later)
    assert [r[2] for r in _runs(context) if r[0] == "daily"] == ["2026-11-10"]


def test_a_failing_job_keeps_its_row_due(context, monkeypatch):
    context.settings.report_formats = ["xlsx"]
    start = _local(context, datetime(2026, 11, 10).date(), 12)
    schedule.sweep(context, now=start)
    from reports import runs

    def broken(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(runs, "generate", broken)
    later = start + timedelta(days=1)
    assert schedule.sweep(context, now=later)["failed"] >= 1
    monkeypatch.undo()
    after_lease = later + timedelta(seconds=context.settings.report_lease_seconds + 1)
    assert schedule.sweep(context, now=after_lease)["reports"] >= 1
    assert [r[2] for r in _runs(context) if r[0] == "daily"] == ["2026-11-10"]
