"""Access audit use cases: record a look at a caller's data (its own short transaction), list who looked."""

from __future__ import annotations

from typing import Any

from hotline.context import AppContext
from hotline.errors import PermissionDenied
from ticketing import phones
from ticketing.access import service
from ticketing.access.models import AccessRecord
from ticketing.enums import Role
from ticketing.org.auth import Actor

READERS = (Role.SUPERVISOR, Role.ADMIN)
ACTIONS = ("recording", "caller_view", "caller_lookup", "login_address_locked", "login_account_locked",
           "login_unlocked")


def who(actor: Actor, client: str | None = None) -> service.Who:
    return service.Who(actor.id, actor.name, actor.role.value, client)


def seen(ctx: AppContext, *, actor: Actor, action: str, caller: str | None, ticket_number: str | None = None,
         client: str | None = None, detail: dict[str, Any] | None = None) -> None:
    """Audit that `actor` was shown (caller_view) or searched for (caller_lookup) a caller's unmasked data."""
    if not caller:
        return
    with ctx.sessions() as session:
        service.record(session, who=who(actor, client), action=action, ticket_number=ticket_number,
                       caller=caller, detail=detail)
        session.commit()


def seen_many(ctx: AppContext, *, actor: Actor, callers: list[str | None], client: str | None = None,
              detail: dict[str, Any] | None = None) -> None:
    """Audit a list page that shows several unmasked numbers: one caller_view per distinct number."""
    distinct = sorted({c for c in callers if c})
    if not distinct:
        return
    with ctx.sessions() as session:
        for caller in distinct:
            service.record(session, who=who(actor, client), action="caller_view", caller=caller, detail=detail)
        session.commit()


def who_saw(ctx: AppContext, *, actor: Actor, caller: str | None = None, ticket_number: str | None = None,
            action: str | None = None, limit: int = 100, offset: int = 0) -> list[AccessRecord]:
    """Access records, newest first, for supervisors and administrators (filter by caller, case, action)."""
    if actor.role not in READERS:
        raise PermissionDenied("only supervisors and administrators read the access audit")
    number = phones.normalize(caller) if caller else None
    with ctx.reader() as session:
        rows = service.list_records(session, caller=number, ticket_number=ticket_number, action=action,
                                    limit=limit, offset=offset)
        session.expunge_all()
        return rows
