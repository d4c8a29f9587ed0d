"""`hotline calls …`: the call log for operators and scripts on the server itself."""

from __future__ import annotations

import json

import click


def _command_context():
    from hotline.context import AppContext

    return AppContext.for_command()


@click.group("calls")
def calls() -> None:
    """Phone calls (来电记录)."""


@calls.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (for scripts).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--status", "statuses", multiple=True, help="Only these call statuses (repeatable).")
def list_calls(as_json: bool, limit: int, statuses: tuple[str, ...]) -> None:
    """The newest calls, newest first, with outcome, processing status and ticket."""
    from telephony.flows import list_calls as rows_of

    rows = rows_of(_command_context(), limit=limit, statuses=list(statuses) or None)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['id']:>6}  {row['started_at'][:19]}  {row['caller'] or '-':<14} "
                   f"{row['outcome'] or '-':<10} {row['status']:<10} {row['transcript_status']:<8} "
                   f"{row['recording_seconds']:>5.1f}s  {row['ticket_number'] or '-'}")


@calls.command("sweep")
def sweep() -> None:
    """Take up calls due for (re)processing now (beat does this every calls_sweep_seconds)."""
    from telephony.flows import sweep_calls

    click.echo(json.dumps(sweep_calls(_command_context())))
