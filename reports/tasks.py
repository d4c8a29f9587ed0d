"""Celery task of the reports domain: beat sweeps the report and warning due-rows (idempotent)."""

from celery import shared_task


@shared_task(name="reports.sweep")
def sweep() -> dict[str, int]:
    from hotline.context import worker_context
    from reports import schedule

    return schedule.sweep(worker_context())
