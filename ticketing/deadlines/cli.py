"""`hotline sla ...`: deadline commands that work without a server, even on a fresh install."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import click
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from hotline.errors import HotlineError
from hotline.settings import Settings, get_settings
from ticketing.deadlines.sla import DeadlineKind, DeadlinePolicy
from ticketing.enums import TicketType, Urgency

log = logging.getLogger(__name__)

sla = click.Group("sla", help="Deadline (SLA) engine: working days and due times.")


def _database_ready(settings: Settings) -> bool:
    """True if the configured database exists and has the deadline tables (never creates anything)."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if not path or path == ":memory:" or not Path(path).is_file():
            return False
    return True


def policy_for_cli(settings: Settings) -> tuple[DeadlinePolicy, str]:
    """The policy from the configured database when it is there and migrated, else Settings defaults."""
    if _database_ready(settings):
        from hotline.database import make_engine, make_session_factory
        from ticketing.deadlines.service import load_policy

        engine = make_engine(settings.resolved_database_url, **_engine_kwargs(settings))
        try:
            names = set(inspect(engine).get_table_names())
            if {"deadline_rules", "holiday_overrides"} <= names:
                with make_session_factory(engine)() as session:
                    return load_policy(session, settings=settings), "database"
        except SQLAlchemyError as exc:
            log.info("database not usable (%s); using Settings defaults", exc.__class__.__name__)
        finally:
            engine.dispose()
    return DeadlinePolicy.from_settings(settings), "defaults"


def _engine_kwargs(settings: Settings) -> dict:
    if settings.resolved_database_url.startswith("postgresql"):
        from sqlalchemy.pool import NullPool

        return {"poolclass": NullPool, "connect_args": {"connect_timeout": 5}}
    return {}


def _parse_moment(value: str, settings: Settings) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 date/time: {value!r}", param_hint="--accepted-at") from None
    return moment.replace(tzinfo=settings.tz) if moment.tzinfo is None else moment


@sla.command("due")
@click.option("--accepted-at", "accepted_at", required=True,
              help="ISO 8601 acceptance time; without an offset it is local (HOTLINE_TIMEZONE).")
@click.option("--urgency", type=click.Choice([u.value for u in Urgency]), default=Urgency.NORMAL.value,
              show_default=True)
@click.option("--type", "ticket_type", type=click.Choice([t.value for t in TicketType]), default=None,
              help="Ticket type, for type-specific rules.")
@click.option("--kind", type=click.Choice([k.value for k in DeadlineKind]), default=DeadlineKind.HANDLE.value,
              show_default=True)
@click.option("--verbose", "-v", is_flag=True, help="Also say where the rules came from.")
def due(accepted_at: str, urgency: str, ticket_type: str | None, kind: str, verbose: bool) -> None:
    """Print the due time (ISO 8601 in the local time zone) of a case accepted at --accepted-at."""
    settings = get_settings()
    moment = _parse_moment(accepted_at, settings)
    policy, origin = policy_for_cli(settings)
    try:
        due_at = policy.due(moment, urgency=urgency, ticket_type=ticket_type, kind=kind)
    except HotlineError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(policy.local(due_at).isoformat())
    if verbose:
        click.echo(f"rules from {origin}, locality {settings.locality}, time zone {settings.timezone}", err=True)
