"""Celery tasks of the telephony domain: IDs in, one flow, idempotent."""

from functools import lru_cache

from celery import shared_task

from hotline.context import worker_context
from telephony import flows


@lru_cache(maxsize=1)
def _recognizer():
    """One recognizer per worker process: loading a model takes seconds, reusing it takes none."""
    from asr.engines import make_recognizer

    return make_recognizer(worker_context().settings)


@shared_task(name="telephony.process_call")
def process_call(call_id: int) -> str:
    """Transcribe a recorded call and register its ticket; a repeated delivery changes nothing."""
    return flows.process_call(worker_context(), call_id=call_id, recognizer=_recognizer())


@shared_task(name="telephony.process_urgent_call")
def process_urgent_call(call_id: int) -> str:
    """The same as process_call, for urgent-key calls (routed to the asr-urgent queue)."""
    return flows.process_call(worker_context(), call_id=call_id, recognizer=_recognizer())


@shared_task(name="telephony.sweep_calls")
def sweep_calls() -> dict[str, int]:
    """Beat: re-enqueue calls whose processing is due or was lost."""
    return flows.sweep_calls(worker_context())
