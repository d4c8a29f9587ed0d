"""Composition root: app factory, command line, Celery app and model registry; imports every domain, none imports it.

Importing any wiring module installs the task sender of `hotline.context`, so every process that starts
here (API, CLI, Celery worker) enqueues through the one Celery app of wiring.celery_app."""

from typing import Any

from hotline import context as _context


def _send_task(name: str, *args: Any, **kwargs: Any) -> Any:
    from wiring import celery_app  # imported on first send: commands that never enqueue do not load Celery

    return celery_app.celery.send_task(name, args=args, kwargs=kwargs)


_context.install_enqueue(_send_task)
