"""Routes of the reports domain: bulletins and report runs under /api/v1/reports, the 诉求台账 under
/api/v1/ledger, warnings under /api/v1/alerts, the 职责边界清单 and monthly disclosures (supervisors, admins)."""

from __future__ import annotations

import tempfile
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, Field

from hotline.deps import Ctx
from reports import boundary, bulletins, disclosure, ledger, runs, streams, warnings
from reports.exports import MEDIA
from ticketing import reports as tr
from ticketing.org.auth import CurrentActor

router = APIRouter(tags=["reports"])
Kind = Literal["daily", "weekly", "monthly"]


def table_json(table: bulletins.Table) -> dict[str, Any]:
    return {"key": table.key, "title": table.title, "columns": table.columns, "rows": table.rows, "note": table.note}


@router.get("/api/v1/reports/bulletins/{kind}")
def bulletin(ctx: Ctx, actor: CurrentActor, kind: Kind, day: Annotated[date | None, Query(alias="date")] = None):
    """日调度 / 周汇总 / 月总结 of the period containing `date` (default: the last one that is over), as tables."""
    actor.require(*tr.REPORT_ROLES)
    report = bulletins.build(ctx, kind=kind, day=day or bulletins.last_complete_day(ctx, kind), actor=actor)
    return {"kind": kind, "title": report.title, "from": report.period.first_day, "to": report.period.last_day,
            "tables": [table_json(t) for t in report.tables]}


class RunIn(BaseModel):
    kind: Kind
    day: date | None = Field(None, alias="date", description="A day inside the period (default: the last over)")
    format: Literal["xlsx", "pdf", "csv"] = "xlsx"


def run_json(run) -> dict[str, Any]:
    return {"id": run.id, "kind": run.kind, "format": run.fmt, "from": run.first_day, "to": run.last_day,
            "trigger": run.trigger, "requested_by": run.requested_by_name, "status": run.status,
            "error": run.error, "file_size": run.file_size, "parameters": run.parameters,
            "created_at": run.created_at, "finished_at": run.finished_at}


@router.get("/api/v1/reports/runs")
def list_runs(ctx: Ctx, actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=500)] = 100,
              offset: Annotated[int, Query(ge=0)] = 0):
    return [run_json(r) for r in runs.runs(ctx, actor=actor, limit=limit, offset=offset)]


@router.post("/api/v1/reports/runs", status_code=201)
def create_run(ctx: Ctx, actor: CurrentActor, data: RunIn):
    """Make a report now (recorded as a run); download it from /api/v1/reports/runs/{id}/file."""
    actor.require(*tr.REPORT_ROLES)
    day = data.day or bulletins.last_complete_day(ctx, data.kind)
    run_id = runs.generate(ctx, kind=data.kind, day=day, fmt=data.format, actor=actor, trigger="api")
    return {"id": run_id}


@router.get("/api/v1/reports/runs/{run_id}/file")
def run_download(ctx: Ctx, actor: CurrentActor, run_id: int):
    _run, path = runs.run_file(ctx, run_id=run_id, actor=actor)
    suffix = path.suffix.lstrip(".")
    return FileResponse(path, media_type=MEDIA.get(suffix, "application/octet-stream"), filename=path.name)


def ledger_filter(first: Annotated[date | None, Query(alias="from")] = None, to: date | None = None,
                  channel: str | None = None, department_id: int | None = None, stage: str | None = None,
                  overdue: bool | None = None) -> ledger.LedgerFilter:
    return ledger.LedgerFilter(first, to, channel, department_id, stage, overdue).checked()


Filter = Annotated[ledger.LedgerFilter, Depends(ledger_filter)]


@router.get("/api/v1/ledger")
def ledger_page(ctx: Ctx, actor: CurrentActor, f: Filter, cursor: str | None = None,
                size: Annotated[int | None, Query(ge=1)] = None):
    """One page of the 诉求台账, newest first; pass next_cursor back for the next page."""
    result = ledger.page(ctx, f=f, actor=actor, cursor=cursor, size=size)
    return {"columns": ledger.COLUMNS, "rows": result.rows, "next_cursor": result.next_cursor}


def stream_response(fmt: str, columns: list[str], rows, *, name: str, title: str):
    if fmt == "csv":
        return StreamingResponse(streams.csv_chunks(columns, rows), media_type=MEDIA["csv"],
                                 headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by chunks()
    streams.write("xlsx", columns, rows, spool, title=title)
    spool.seek(0)

    def chunks():
        try:
            while block := spool.read(streams.CHUNK):
                yield block
        finally:
            spool.close()

    return StreamingResponse(chunks(), media_type=MEDIA["xlsx"],
                             headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


@router.get("/api/v1/ledger/export")
def ledger_export(ctx: Ctx, actor: CurrentActor, f: Filter, format: Literal["csv", "xlsx"] = "csv"):
    """The whole filtered ledger, streamed (CSV line by line; XLSX through a temporary file)."""
    rows = ledger.stream(ctx, f=f, actor=actor)
    return stream_response(format, ledger.COLUMNS, rows, name="ledger", title="诉求台账")


@router.get("/api/v1/boundary")
def boundary_list(ctx: Ctx, actor: CurrentActor, first: Annotated[date | None, Query(alias="from")] = None,
                  to: date | None = None, status: Literal["pending", "approved", "rejected"] | None = None,
                  format: Literal["json", "csv", "xlsx"] = "json"):
    """职责边界清单: disputed owners (退单 → 异议审核) and how each was settled."""
    rows = boundary.rows(ctx, actor=actor, first=first, last=to, status=status)
    if format == "json":
        return {"columns": boundary.COLUMNS, "rows": rows}
    return stream_response(format, boundary.COLUMNS, rows, name="boundary", title="职责边界清单")


@router.get("/api/v1/alerts")
def list_alerts(ctx: Ctx, actor: CurrentActor,
                status: Literal["open", "handed_off", "dismissed", "all"] = "open"):
    return warnings.alerts(ctx, actor=actor, status=None if status == "all" else status)


@router.get("/api/v1/alerts/hot")
def hot_topics(ctx: Ctx, actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=200)] = 20):
    """热点: matter × area pairs with the most cases in the current window, with their baseline mean."""
    from hotline.database import utcnow

    return warnings.hot_topics(ctx, actor=actor, end=utcnow(), limit=limit)


class HandoffIn(BaseModel):
    unit: str = Field(min_length=1, max_length=100, description="信访局, 公安局 or a street's name")
    note: str | None = Field(None, max_length=4000)


@router.post("/api/v1/alerts/{alert_id}/handoff", status_code=201)
def alert_handoff(ctx: Ctx, actor: CurrentActor, alert_id: int, data: HandoffIn):
    return {"id": warnings.hand_off(ctx, alert_id=alert_id, unit=data.unit, note=data.note, actor=actor)}


@router.post("/api/v1/alerts/{alert_id}/dismiss", status_code=204)
def alert_dismiss(ctx: Ctx, actor: CurrentActor, alert_id: int) -> None:
    warnings.dismiss(ctx, alert_id=alert_id, actor=actor)


@router.get("/api/v1/disclosures")
def list_disclosures(ctx: Ctx, actor: CurrentActor):
    return disclosure.all_months(ctx, actor=actor)


@router.post("/api/v1/disclosures/{month}/draft", status_code=201)
def draft_disclosure(ctx: Ctx, actor: CurrentActor, month: str):
    return {"id": disclosure.draft(ctx, month=month, actor=actor)}


@router.post("/api/v1/disclosures/{month}/publish", status_code=204)
def publish_disclosure(ctx: Ctx, actor: CurrentActor, month: str) -> None:
    disclosure.publish(ctx, month=month, actor=actor)
