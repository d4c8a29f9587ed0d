"""`hotline ticket …`: ticket commands for scripts and operators on the server itself."""

from __future__ import annotations

import json

import click


def _command_context():
    from hotline.context import AppContext

    return AppContext.for_command()


@click.group("ticket")
def ticket() -> None:
    """Tickets (工单)."""


@ticket.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (for scripts).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--status", "statuses", multiple=True, help="Only these statuses (repeatable).")
def list_tickets(as_json: bool, limit: int, statuses: tuple[str, ...]) -> None:
    """The newest tickets, newest first. Run on the server, it shows full caller numbers."""
    from ticketing.flows.queries import ticket_rows

    ctx = _command_context()
    rows = ticket_rows(ctx, limit=limit, statuses=list(statuses) or None)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['number']}  {row['status']:<10} {row['light']:<6} {row['type']:<10} "
                   f"{row['urgency']:<6} {row['caller_masked'] or '-':<12} {row['content'][:40]}")


@ticket.command("sweep")
def sweep() -> None:
    """Run the deadline-light sweep once now (beat does this every few seconds)."""
    from ticketing.flows import sweep_lights

    click.echo(json.dumps(sweep_lights(_command_context())))
