"""The `hotline` command line: run the platform, migrate, and the commands scripts use."""

from __future__ import annotations

import logging

import click

from hotline import broker_file, logmask
from hotline.errors import ConfigurationError
from hotline.settings import get_settings


@click.group()
@click.option("--log-level", default=None, help="Override HOTLINE_LOG_LEVEL.")
def main(log_level: str | None) -> None:
    """12345 hotline platform."""
    settings = get_settings()
    logging.basicConfig(level=(log_level or settings.log_level).upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not log_level or log_level.upper() != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    logmask.install()  # log lines carry masked numbers only


def _broker_ready(settings) -> None:
    """Stop with a clear message when the embedded broker file was deleted."""
    try:
        broker_file.check_settings(settings)
    except ConfigurationError as exc:
        raise click.ClickException(exc.message) from None


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations to the configured database."""
    from hotline.database import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url, revision)
    click.echo(f"database at {revision}")


@main.command("up")
def up() -> None:
    """Migrate, then run API, Celery worker and beat under one supervisor (Ctrl-C stops all)."""
    from wiring.runner import run_up

    _broker_ready(get_settings())
    raise SystemExit(run_up(get_settings()))


_PASS_THROUGH = {"ignore_unknown_options": True, "allow_extra_args": True}


@main.command("worker", context_settings=_PASS_THROUGH)
@click.option("--queues", default=None, help="Comma-separated queues: default, asr (asr-urgent then asr), "
              "asr-urgent; default all. `--queues asr` runs an ASR-only worker.")
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(queues: str | None, celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker (extra arguments go to `celery worker`)."""
    from wiring.celery_app import celery, worker_queues

    settings = get_settings()
    _broker_ready(settings)
    celery.worker_main(["worker", "--loglevel", settings.log_level.upper(),
                        "--concurrency", str(settings.worker_concurrency),
                        "-Q", ",".join(worker_queues(settings, queues)), *celery_args])


@main.command("beat", context_settings=_PASS_THROUGH)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def beat(celery_args: tuple[str, ...]) -> None:
    """Run the Celery beat scheduler (schedule file in the data directory)."""
    from wiring.celery_app import celery

    settings = get_settings()
    _broker_ready(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # the schedule file lives there (none yet with Redis)
    celery.start(["beat", "--loglevel", settings.log_level.upper(), *celery_args])


@main.group()
def demo() -> None:
    """Demonstration data."""


@demo.command("seed")
@click.option("--password", default="hotline-demo", show_default=True, help="Password of every demo user.")
def demo_seed(password: str) -> None:
    """Seed a demo city: departments, dispatch catalogue, users, knowledge base and tickets (once)."""
    from hotline.context import AppContext
    from wiring.demo import USERS, seed

    created = seed(AppContext.for_command(), password=password)
    if not any(created.values()):
        click.echo("demo data already present; nothing changed")
        return
    click.echo("created " + ", ".join(f"{n} {k}" for k, n in created.items()))
    click.echo("users (password %s): %s" % (password, ", ".join(f"{u} ({r})" for u, _, r, _ in USERS)))


def _register() -> None:
    from telephony.cli import calls
    from ticketing.cli import ticket
    from ticketing.deadlines.cli import sla
    from ticketing.org.catalogue_cli import catalogue
    from ticketing.org.cli import user

    for group in (sla, user, ticket, catalogue):
        main.add_command(group)
    from ivr.cli import ivr

    main.add_command(ivr)
    main.add_command(calls)
    from telephony.sip.cli import telephony

    main.add_command(telephony)
    from asr.cli import asr

    main.add_command(asr)
    from reports.cli import report

    main.add_command(report)
    from acd.cli import agent_phone

    main.add_command(agent_phone)
    from ticketing.triage.cli import triage

    main.add_command(triage)


_register()

if __name__ == "__main__":
    main()
