"""`hotline agent-phone …`: SIP credentials of agent phones (set prints a generated password when none is given)."""

from __future__ import annotations

import click

from hotline.commands import command_context, echo_rows
from hotline.errors import HotlineError


@click.group("agent-phone")
def agent_phone() -> None:
    """Agent phones (SIP digest accounts for softphones and desk phones)."""


@agent_phone.command("set")
@click.argument("username")
@click.option("--extension", required=True, help="Extension number of the phone (2–8 digits).")
@click.option("--password", default=None, help="SIP password; a random one is generated and printed when omitted.")
@click.option("--skill", "skills", multiple=True,
              help="Routing skill (repeatable): urgent, dialect[:name], domain[:name]. Replaces the agent's skills.")
def set_phone(username: str, extension: str, password: str | None, skills: tuple[str, ...]) -> None:
    """Create or update USERNAME's phone; only the digest HA1 = md5(user:realm:password) is stored."""
    from acd import phones

    ctx = command_context()
    try:
        row, generated = phones.set_phone(ctx, username=username, extension=extension, password=password,
                                          skills=list(skills) if skills else None)
    except HotlineError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        ctx.engine.dispose()
    click.echo(f"agent phone {row['username']}: extension {row['extension']}, realm {row['realm']}, "
               f"skills {','.join(row['skills']) or '-'}")
    if generated:
        click.echo(f"password: {generated}")


@agent_phone.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (for scripts).")
def list_phones(as_json: bool) -> None:
    """Every agent phone with the agent's state."""
    from acd import phones

    ctx = command_context()
    try:
        with ctx.reader() as session:
            rows = phones.list_phones(session)
    finally:
        ctx.engine.dispose()
    for row in rows:
        row["updated_at"] = row["updated_at"].isoformat()
    echo_rows(rows, as_json=as_json, line=lambda r: f"{r['extension']}\t{r['username']}\t{r['display_name']}\t"
              f"{r['state']}{'(' + r['reason'] + ')' if r['reason'] else ''}\t{','.join(r['skills']) or '-'}")
