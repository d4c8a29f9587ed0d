"""What the domains' `hotline …` command groups share: the server-side context, the list options, the output."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click


def command_context() -> Any:
    """The AppContext of a command run on the server (the schema is brought up to date first)."""
    from hotline.context import AppContext  # imported when run: `hotline --help` stays fast

    return AppContext.for_command()


def list_options(*, status_help: str) -> Callable:
    """--json, --limit and --status (repeatable) of a `… list` command."""
    options = (
        click.option("--json", "as_json", is_flag=True, help="Print a JSON array (for scripts)."),
        click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000)),
        click.option("--status", "statuses", multiple=True, help=status_help),
    )

    def decorate(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def echo_rows(rows: list[dict], *, as_json: bool, line: Callable[[dict], str]) -> None:
    """The rows as one JSON array, or one text line each."""
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(line(row))


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value))
