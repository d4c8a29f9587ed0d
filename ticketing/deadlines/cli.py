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
from ticketing.deadlines.rulesets import preset_names
from ticketing.deadlines.sla import DeadlineKind, DeadlinePolicy
from ticketing.enums import Channel, Complexity, TicketType, Urgency

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


def policy_for_cli(settings: Settings, *, locality: str | None = None) -> tuple[DeadlinePolicy, str]:
    """The policy from the configured database when it is there and migrated, else the rule set's preset
    (or Settings defaults)."""
    if _database_ready(settings):
        from hotline.database import make_engine, make_session_factory
        from ticketing.deadlines.service import load_policy

        engine = make_engine(settings.resolved_database_url, **_engine_kwargs(settings))
        try:
            names = set(inspect(engine).get_table_names())
            if {"deadline_rules", "holiday_overrides", "deadline_rule_changes"} <= names:
                with make_session_factory(engine)() as session:
                    return load_policy(session, settings=settings, locality=locality), "database"
        except SQLAlchemyError as exc:
            log.info("database not usable (%s); using Settings defaults", exc.__class__.__name__)
        finally:
            engine.dispose()
    return DeadlinePolicy.from_settings(settings, locality=locality), "defaults"


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
              show_default=True, help="first_contact (联系), reply (答复) or handle (办结, close).")
@click.option("--locality", default=None, help="Rule set (default: HOTLINE_LOCALITY); presets: "
              + ", ".join(["default", *preset_names()]) + ".")
@click.option("--complexity", type=click.Choice([c.value for c in Complexity]), default=None,
              help="简单/一般/复杂 (default: general).")
@click.option("--channel", type=click.Choice([c.value for c in Channel]), default=None,
              help="Intake channel, for channel-specific rules.")
@click.option("--verbose", "-v", is_flag=True, help="Also say where the rules came from.")
def due(accepted_at: str, urgency: str, ticket_type: str | None, kind: str, locality: str | None,
        complexity: str | None, channel: str | None, verbose: bool) -> None:
    """Print the due time (ISO 8601 in the local time zone) of a case accepted at --accepted-at."""
    settings = get_settings()
    moment = _parse_moment(accepted_at, settings)
    policy, origin = policy_for_cli(settings, locality=locality)
    known = {"default", settings.locality, *preset_names()}
    if locality and locality not in known and origin == "defaults":
        raise click.BadParameter(f"unknown rule set {locality!r}; presets: {', '.join(sorted(known))}",
                                 param_hint="--locality")
    try:
        due_at = policy.due(moment, urgency=urgency, ticket_type=ticket_type, kind=kind, complexity=complexity,
                            channel=channel)
    except HotlineError as exc:
        raise click.ClickException(exc.message) from None
    calendar = policy.calendar
    for year in calendar.fallback_years(calendar.local_day(moment), calendar.local_day(due_at)):
        click.echo(f"warning: the holiday calendar of {year} is not published yet; counting weekends and "
                   "fixed-date holidays only (add holiday overrides when it is)", err=True)
    click.echo(policy.local(due_at).isoformat())
    if verbose:
        spec = policy.rule_for(kind=kind, urgency=urgency, ticket_type=ticket_type, complexity=complexity,
                               channel=channel)
        click.echo(f"rules from {origin}, locality {policy.name}, rule {spec.amount} {spec.unit}, "
                   f"time zone {settings.timezone}", err=True)
