"""`hotline calls …`: the call log for operators and scripts on the server itself."""

from __future__ import annotations

import click

from hotline.commands import command_context, echo_json, echo_rows, list_options


@click.group("calls")
def calls() -> None:
    """Phone calls (来电记录)."""


@calls.command("list")
@list_options(status_help="Only these call statuses (repeatable).")
def list_calls(as_json: bool, limit: int, statuses: tuple[str, ...]) -> None:
    """The newest calls, newest first, with outcome, processing status and ticket."""
    from telephony.flows import list_calls as rows_of

    rows = rows_of(command_context(), limit=limit, statuses=list(statuses) or None)
    echo_rows(rows, as_json=as_json, line=lambda row: (
        f"{row['id']:>6}  {row['started_at'][:19]}  {row['caller'] or '-':<14} "
        f"{row['outcome'] or '-':<10} {row['status']:<10} {row['transcript_status']:<8} "
        f"{row['recording_seconds']:>5.1f}s  {row['ticket_number'] or '-'}"))


@calls.command("sweep")
def sweep() -> None:
    """Take up calls due for (re)processing now (beat does this every calls_sweep_seconds)."""
    from telephony.flows import sweep_calls

    echo_json(sweep_calls(command_context()))
