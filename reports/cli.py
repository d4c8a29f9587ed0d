"""`hotline report …`: bulletins to a file, the ledger and the boundary list as exports, the schedule sweep."""

from __future__ import annotations

import functools
import json
import shutil
from datetime import date
from pathlib import Path

import click

from ticketing.enums import Role
from ticketing.org.auth import Actor

CLI_ACTOR = Actor(id=None, role=Role.SUPERVISOR, name="命令行")


def clear_errors(command):
    """Domain errors (bad dates, unknown channels…) become a one-line message and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from hotline.errors import HotlineError

        try:
            return command(*args, **kwargs)
        except HotlineError as exc:
            raise click.ClickException(exc.message) from exc

    return wrapper


@click.group("report")
def report() -> None:
    """Reports: 日调度, 周汇总, 月总结, the 诉求台账 ledger and the 职责边界清单."""


def _bulletin(kind: str):
    @click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
                  help="A day inside the period (default: the last period that is over).")
    @click.option("--format", "fmt", type=click.Choice(["xlsx", "pdf", "csv"]), required=True)
    @click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
                  help="File to write. CSV: one table with --table, all tables zipped if FILE ends in .zip, "
                       "else one FILE-stem_<table>.csv per table.")
    @click.option("--table", default=None, help="CSV only: the key of one table (e.g. ranking, overdue).")
    @clear_errors
    def command(day, fmt: str, out: Path, table: str | None) -> None:
        from hotline.context import AppContext
        from reports import bulletins, exports, runs

        ctx = AppContext.for_command()
        when: date = day.date() if day else bulletins.last_complete_day(ctx, kind)
        run_id, built = runs.generate_report(ctx, kind=kind, day=when, fmt=fmt, actor=CLI_ACTOR, trigger="cli")
        _, path = runs.run_file(ctx, run_id=run_id, actor=CLI_ACTOR)
        keys = {t.key: t for t in built.tables}
        if table is not None and table not in keys:
            raise click.BadParameter(f"unknown table {table!r}; one of {', '.join(keys)}", param_hint="--table")
        if fmt != "csv" or (out.suffix == ".zip" and table is None):
            shutil.copyfile(path, out)
            written = [out]
        else:
            chosen = [keys[table]] if table else list(keys.values())
            written = [out if table else out.with_name(f"{out.stem}_{t.key}.csv") for t in chosen]
            for t, target in zip(chosen, written):
                target.write_bytes(exports.table_csv(t))
        click.echo(json.dumps({"run": run_id, "files": [str(p) for p in written]}, ensure_ascii=False))

    command.__doc__ = f"Write the {kind} report ({bulletins_title(kind)})."
    return report.command(kind)(command)


def bulletins_title(kind: str) -> str:
    return {"daily": "日调度", "weekly": "周汇总", "monthly": "月总结"}[kind]


for _kind in ("daily", "weekly", "monthly"):
    _bulletin(_kind)


@report.command("ledger")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--channel", default=None)
@click.option("--department", "department_id", type=int, default=None)
@click.option("--stage", default=None)
@click.option("--overdue/--not-overdue", default=None)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@clear_errors
def ledger_command(first, last, channel, department_id, stage, overdue, fmt: str, out: Path) -> None:
    """Export the 诉求台账 (streamed: memory stays bounded however many rows)."""
    from hotline.context import AppContext
    from reports import ledger, streams

    ctx = AppContext.for_command()
    f = ledger.LedgerFilter(first.date() if first else None, last.date() if last else None, channel,
                            department_id, stage, overdue).checked()  # before the file is opened
    rows = ledger.stream(ctx, f=f, actor=CLI_ACTOR)
    with open(out, "wb") as handle:
        count = streams.write(fmt, ledger.COLUMNS, rows, handle, title="诉求台账")
    click.echo(json.dumps({"rows": count, "file": str(out)}, ensure_ascii=False))


@report.command("boundary")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@clear_errors
def boundary_command(fmt: str, out: Path) -> None:
    """Export the 职责边界清单 (disputed owners and how each was settled)."""
    from hotline.context import AppContext
    from reports import boundary, streams

    ctx = AppContext.for_command()
    with open(out, "wb") as handle:
        count = streams.write(fmt, boundary.COLUMNS, boundary.rows(ctx, actor=CLI_ACTOR), handle, title="职责边界清单")
    click.echo(json.dumps({"rows": count, "file": str(out)}, ensure_ascii=False))


@report.command("sweep")
def sweep_command() -> None:
    """Run the report and early-warning sweep once now (beat does this every few minutes)."""
    from hotline.context import AppContext
    from reports import schedule

    click.echo(json.dumps(schedule.sweep(AppContext.for_command())))
