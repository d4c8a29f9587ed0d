"""Celery task of the reports domain: beat sweeps the report and warning due-rows (idempotent)."""

from celery import shared_task


@shared_task(name="reports.sweep")
def sweep() -> dict[str, int]:
    from reports import schedule
    from hotline.context import worker_context

    return schedule.sweep(worker_context())
