"""Celery tasks of abuse screening: IDs in, one flow, idempotent."""

from celery import shared_task

from abuse import sweep as abuse_sweep
from hotline.context import worker_context


@shared_task(name="abuse.sweep")
def sweep() -> dict[str, int]:
    """Beat: expire due blacklist entries, lexicon and nuisance scans of recent calls, link blocked attempts."""
    return abuse_sweep.sweep(worker_context())
