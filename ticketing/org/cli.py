"""`hotline user ...`: create accounts from the command line (the first admin of a fresh install)."""

from __future__ import annotations

import click

from hotline.database import make_engine, make_session_factory, session_scope, upgrade
from hotline.errors import HotlineError
from hotline.settings import get_settings
from ticketing.org import flows, service
from ticketing.org.auth import Actor
from ticketing.org.schemas import AssignableRole


@click.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.option("--username", required=True, help="Login name (letters, digits, . _ -).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Password; prompted for (or read from stdin) when omitted.")
@click.option("--role", required=True, type=click.Choice([r.value for r in AssignableRole]))
@click.option("--department", "department_code", default=None, help="Department code (needed for role department).")
@click.option("--display-name", default=None, help="Name shown in the console; defaults to the username.")
def create(username: str, password: str, role: str, department_code: str | None, display_name: str | None) -> None:
    """Create a user in the configured database (migrating it first, so it works on a fresh install)."""
    settings = get_settings()
    url = settings.resolved_database_url
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            department_id = None
            if department_code:
                dept = service.find_department_by_code(session, code=department_code)
                if dept is None or not dept.active:
                    raise click.BadParameter(f"no active department with code {department_code!r}",
                                             param_hint="--department")
                department_id = dept.id
            try:
                created = flows.create_user(session, actor=Actor.system("cli"), settings=settings,
                                            username=username, password=password, role=role,
                                            department_id=department_id, display_name=display_name)
            except HotlineError as exc:
                raise click.ClickException(exc.message) from exc
            click.echo(f"created user {created.username} (id {created.id}, role {created.role})")
    finally:
        engine.dispose()
