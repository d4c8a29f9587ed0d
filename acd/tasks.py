"""Celery tasks of the ACD: the periodic sweep (idempotent)."""

from celery import shared_task

from acd import sweep as acd_sweep
from hotline.context import worker_context


@shared_task(name="acd.sweep")
def sweep() -> dict:
    """Beat: end wrap-ups, time out unanswered rings, offer messages, store the daily figures."""
    return acd_sweep.sweep(worker_context())
