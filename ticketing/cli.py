"""`hotline ticket …`: ticket commands for scripts and operators on the server itself."""

from __future__ import annotations

import click

from hotline.commands import command_context, echo_json, echo_rows, list_options


@click.group("ticket")
def ticket() -> None:
    """Tickets (工单)."""


@ticket.command("list")
@list_options(status_help="Only these statuses (repeatable).")
def list_tickets(as_json: bool, limit: int, statuses: tuple[str, ...]) -> None:
    """The newest tickets, newest first. Run on the server, it shows full caller numbers."""
    from ticketing.flows.queries import ticket_rows

    rows = ticket_rows(command_context(), limit=limit, statuses=list(statuses) or None)
    echo_rows(rows, as_json=as_json, line=lambda row: (
        f"{row['number']}  {row['status']:<10} {row['light']:<6} {row['type']:<10} "
        f"{row['urgency']:<6} {row['caller_masked'] or '-':<12} {row['content'][:40]}"))


@ticket.command("sweep")
def sweep() -> None:
    """Run the deadline-light sweep once now (beat does this every few seconds)."""
    from ticketing.flows import sweep_lights

    echo_json(sweep_lights(command_context()))
