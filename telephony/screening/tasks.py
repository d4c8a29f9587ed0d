"""Celery tasks of abuse screening: IDs in, one flow, idempotent."""

from hotline.celery_app import celery, worker_context
from telephony.screening import sweep as abuse_sweep


@celery.task(name="abuse.sweep")
def sweep() -> dict[str, int]:
    """Beat: expire due blacklist entries, lexicon and nuisance scans of recent calls, link blocked attempts."""
    return abuse_sweep.sweep(worker_context())
