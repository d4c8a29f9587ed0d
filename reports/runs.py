"""Report runs: make a report of a period in a format, file it under data_dir/reports and record who asked,
when, for which period, with which parameters and how it ended."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import NotFound, ValidationFailed
from reports import bulletins, exports, service
from reports.models import FORMATS, ReportRun
from ticketing.org.auth import Actor

log = logging.getLogger(__name__)
SUFFIX = {"xlsx": "xlsx", "pdf": "pdf", "csv": "zip"}


def report_dir(ctx: AppContext) -> Path:
    path = ctx.settings.data_dir.resolve() / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValidationFailed(f"unknown format {fmt!r} (xlsx, pdf, csv)", field="format")
    return fmt


def generate(ctx: AppContext, *, kind: str, day: date, fmt: str, actor: Actor, trigger: str,
             schedule_key: str | None = None, now: datetime | None = None) -> int | None:
    """Make the report and return its run id. With a schedule_key, a period already made returns None."""
    made = generate_report(ctx, kind=kind, day=day, fmt=fmt, actor=actor, trigger=trigger,
                           schedule_key=schedule_key, now=now)
    return made[0] if made else None


def generate_report(ctx: AppContext, *, kind: str, day: date, fmt: str, actor: Actor, trigger: str,
                    schedule_key: str | None = None,
                    now: datetime | None = None) -> tuple[int, bulletins.Report] | None:
    """generate(), also handing back the report the file was made from."""
    check_format(fmt)
    period = bulletins.period_of(ctx, kind, day)
    actor.require(*bulletins.tr.REPORT_ROLES)
    with ctx.sessions() as session:
        run = ReportRun(kind=kind, fmt=fmt, first_day=period.first_day.isoformat(),
                        last_day=period.last_day.isoformat(), trigger=trigger, requested_by=actor.id,
                        requested_by_name=actor.name, schedule_key=schedule_key,
                        parameters={"date": day.isoformat(), "timezone": ctx.settings.timezone,
                                    "response_limit_hours": ctx.settings.response_limit_hours,
                                    "rank_weights": ctx.settings.report_rank_weights,
                                    "flag_bottom": ctx.settings.report_flag_bottom,
                                    "satisfaction_floor": ctx.settings.report_satisfaction_floor})
        session.add(run)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            if schedule_key is not None and service.run_by_key(session, key=schedule_key) is not None:
                return None
            raise
        run_id = run.id
    name = f"{kind}_{period.first_day:%Y%m%d}_{run_id}.{SUFFIX[fmt]}"
    try:
        report = bulletins.build(ctx, kind=kind, day=day, actor=actor, now=now)
        with open(report_dir(ctx) / name, "wb") as out:
            exports.write(report, fmt, out)
    except Exception as exc:
        _finish(ctx, run_id, status="failed", error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    _finish(ctx, run_id, status="done", file_name=name, file_size=(report_dir(ctx) / name).stat().st_size)
    return run_id, report


def _finish(ctx: AppContext, run_id: int, **values) -> None:
    with ctx.sessions() as session:
        run = session.get(ReportRun, run_id)
        for key, value in values.items():
            setattr(run, key, value)
        run.finished_at = utcnow()
        if values.get("status") == "failed":
            run.schedule_key = None  # a failed scheduled run does not block the retry of its period
        session.commit()


def runs(ctx: AppContext, *, actor: Actor, limit: int = 100, offset: int = 0) -> list[ReportRun]:
    actor.require(*bulletins.tr.REPORT_ROLES)
    with ctx.reader() as session:
        rows = service.list_runs(session, limit=limit, offset=offset)
        session.expunge_all()
        return rows


def run_file(ctx: AppContext, *, run_id: int, actor: Actor) -> tuple[ReportRun, Path]:
    actor.require(*bulletins.tr.REPORT_ROLES)
    with ctx.reader() as session:
        run = session.get(ReportRun, run_id)
        if run is None:
            raise NotFound(f"report run {run_id} not found")
        session.expunge(run)
    if run.status != "done" or not run.file_name:
        raise NotFound(f"report run {run_id} has no file ({run.status})")
    path = report_dir(ctx) / run.file_name
    if not path.is_file():
        raise NotFound(f"the file of report run {run_id} is gone")
    return run, path
