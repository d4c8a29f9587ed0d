"""Celery tasks of return visits: IDs in, one flow, idempotent (the lease token makes a duplicate a no-op)."""

from celery import shared_task

from callbacks import flows, gateways, schedule
from hotline.context import worker_context


@shared_task(name="callbacks.run_visit")
def run_visit(visit_id: int, token: str) -> str:
    """Take one step of a due visit: survey call, SMS, or rating onto the ticket."""
    ctx = worker_context()
    return flows.run_visit(ctx, visit_id=visit_id, token=token, outbound=gateways.outbound(ctx.settings),
                           sms=gateways.sms(ctx.settings))


@shared_task(name="callbacks.sweep_visits")
def sweep_visits() -> dict[str, int]:
    """Beat: schedule visits of newly closed cases and hand out the due ones."""
    return schedule.sweep(worker_context())
