"""Celery tasks of the ticket domain: IDs in, one flow, idempotent."""

from celery import shared_task

from hotline.context import worker_context
from ticketing import flows


@shared_task(name="ticketing.sweep_lights")
def sweep_lights() -> dict[str, int]:
    """Beat runs this every settings.sweep_interval_seconds; re-running it changes nothing."""
    return flows.sweep_lights(worker_context())
