"""The Celery application: embedded SQLite broker by default, Redis (or any kombu URL) when configured.

Task registry (TASK_MODULES) and beat schedule live here. Tasks are thin (IDs in, one flow, idempotent),
declared with `celery.shared_task(name=...)` in their domain, and get their database through
`hotline.context.worker_context()`; domains never import this module.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from hotline import broker
from hotline.settings import Settings, get_settings

# Modules whose tasks every worker registers. Add a domain's tasks module here.
TASK_MODULES: list[str] = ["ticketing.tasks", "telephony.tasks", "callbacks.tasks", "abuse.tasks", "reports.tasks",
                           "acd.tasks"]

SWEEP_LIGHTS_TASK = "ticketing.sweep_lights"
SWEEP_CALLS_TASK = "telephony.sweep_calls"
SWEEP_VISITS_TASK = "callbacks.sweep_visits"
SWEEP_ABUSE_TASK = "abuse.sweep"
SWEEP_ACD_TASK = "acd.sweep"

broker.register()

# --- ASR tier (issue 14): transcription runs on queues of its own ---------------------------------
# Logical queue names (what `hotline worker --queues` takes) → tasks routed there by task name. The
# physical names carry settings.celery_queue, so installations (and tests) sharing a Redis stay apart.
ASR_ROUTES = {"telephony.process_urgent_call": "asr-urgent", "telephony.process_call": "asr"}
LOGICAL_QUEUES = ("default", "asr-urgent", "asr")
QUEUE_GROUPS = {"asr": ("asr-urgent", "asr"), "all": LOGICAL_QUEUES}  # urgent calls are taken first


def queue_name(settings: Settings, logical: str) -> str:
    """'default' → settings.celery_queue, 'asr' → '<celery_queue>-asr'; any other name passes through."""
    if logical == "default":
        return settings.celery_queue
    return f"{settings.celery_queue}-{logical}" if logical in LOGICAL_QUEUES else logical


def worker_queues(settings: Settings, names: str | None) -> list[str]:
    """Physical queues for `hotline worker --queues a,b` (None: all of them, urgent ASR before the rest)."""
    out: list[str] = []
    for name in (names or "all").split(","):
        for logical in QUEUE_GROUPS.get(name.strip(), (name.strip(),)):
            if logical and queue_name(settings, logical) not in out:
                out.append(queue_name(settings, logical))
    return out


def task_routes(settings: Settings) -> dict[str, dict[str, str]]:
    return {task: {"queue": queue_name(settings, logical)} for task, logical in ASR_ROUTES.items()}
# --- end of the ASR tier block ----------------------------------------------------------------------


def url_scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else url.lower()


def transport_options(settings: Settings, url: str) -> dict[str, Any]:
    """Per-scheme broker options. Only keys a transport understands: the stock `sqla+` transport passes
    every option to create_engine(), so it gets none."""
    scheme = url_scheme(url)
    if scheme == broker.SCHEME:
        return {
            "polling_interval": settings.broker_polling_interval,
            "visibility_timeout": settings.broker_visibility_timeout,
        }
    if scheme in {"redis", "rediss", "redis+socket", "sentinel"}:
        # kombu scans for expired unacked messages every interval x throttle s (100 s by default):
        # scan every quarter of the timeout (at most 10 s) so redelivery follows the timeout.
        return {
            "visibility_timeout": settings.broker_visibility_timeout,
            "unacked_restore_interval": max(1, min(10, settings.broker_visibility_timeout // 4)),
            "unacked_restore_throttle": 1,
            "queue_order_strategy": "priority",  # a worker empties its first queue (asr-urgent) first
        }
    if scheme in {"sqs"}:
        return {"visibility_timeout": settings.broker_visibility_timeout,
                "polling_interval": settings.broker_polling_interval}
    return {}


def task_modules(settings: Settings) -> list[str]:
    return [*TASK_MODULES, *(m for m in settings.celery_extra_task_modules if m not in TASK_MODULES)]


def make_celery(settings: Settings) -> Celery:
    url = settings.resolved_broker_url
    if url_scheme(url) == broker.SCHEME:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = Celery("hotline", broker=url, include=task_modules(settings))
    app.conf.update(
        broker_transport_options=transport_options(settings, url),
        broker_connection_retry_on_startup=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_concurrency=settings.worker_concurrency,
        task_ignore_result=True,
        task_default_queue=settings.celery_queue,
        task_routes=task_routes(settings),
        result_backend=None,
        task_serializer="json",
        accept_content=["json"],
        timezone=settings.timezone,
        enable_utc=True,
        beat_schedule={
            "sweep-lights": {"task": SWEEP_LIGHTS_TASK, "schedule": settings.sweep_interval_seconds},
            "sweep-calls": {"task": SWEEP_CALLS_TASK, "schedule": settings.calls_sweep_seconds},
            "sweep-visits": {"task": SWEEP_VISITS_TASK, "schedule": settings.visit_sweep_seconds},
            "sweep-abuse": {"task": SWEEP_ABUSE_TASK, "schedule": settings.abuse_sweep_seconds},
            "sweep-reports": {"task": "reports.sweep", "schedule": settings.report_sweep_seconds},
            "sweep-acd": {"task": SWEEP_ACD_TASK, "schedule": settings.acd_sweep_seconds},
        },
        beat_schedule_filename=str(settings.data_dir.resolve() / "celerybeat-schedule"),
    )
    app.hotline_settings = settings  # type: ignore[attr-defined]
    return app


celery = make_celery(get_settings())
celery.set_default()  # current in every thread: shared_task proxies resolve to this app
