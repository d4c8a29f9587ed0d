"""The deadline sweep Celery beat runs: recompute lights and raise each overdue event exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hotline.context import AppContext
from hotline.database import utcnow
from ticketing import service
from ticketing.deadlines.sla import light_for
from ticketing.enums import Light
from ticketing.flows.common import assign, run, transition
from ticketing.org.auth import Actor

BATCH = 500
SWEEPER = Actor.system("deadline sweep")


def sweep_lights(ctx: AppContext, *, now: datetime | None = None) -> dict[str, int]:
    """Idempotent: a second run at the same moment finds nothing to do. A missed tick only delays a change."""
    now = now or utcnow()
    yellow = timedelta(hours=ctx.settings.yellow_hours)
    counts = {"yellow": 0, "red": 0}

    def batch(session: Session) -> int:
        tickets = service.tickets_needing_light(session, now=now, yellow=yellow, batch=BATCH)
        for ticket in tickets:
            light = light_for(ticket.due_at, now, yellow_hours=ctx.settings.yellow_hours)
            if light == Light.RED:
                changes = assign(ticket, light=light.value, overdue_raised=True)
                transition(session, ticket, SWEEPER, "overdue", changes=changes)
            else:
                transition(session, ticket, SWEEPER, "light", changes=assign(ticket, light=light.value))
            counts[light.value] += 1
        return len(tickets)

    while run(ctx, batch) == BATCH:
        pass
    return counts
