"""Celery tasks used only by the runtime tests. Workers load this module through
HOTLINE_CELERY_EXTRA_TASK_MODULES='["tests.runtime_tasks"]' with the repo on PYTHONPATH; the product never does.

Every run writes to files in $HOTLINE_TEST_TASK_DIR so the test process can count executions."""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery import shared_task

from hotline.context import worker_context


def out_dir() -> Path:
    return Path(os.environ["HOTLINE_TEST_TASK_DIR"])


def append(name: str, line: str) -> None:
    # O_APPEND writes of one short line are atomic between processes.
    fd = os.open(out_dir() / name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


def read_lines(directory: Path, name: str) -> list[str]:
    path = directory / name
    return path.read_text().split() if path.exists() else []


@shared_task(name="hotline_test.record")
def record(token: str) -> None:
    append("runs.log", token)


@shared_task(name="hotline_test.relay")
def relay(token: str) -> None:
    """Enqueue `record(token)` from inside the worker, through the worker's AppContext (as flows do)."""
    worker_context().enqueue("hotline_test.record", token)


@shared_task(name="hotline_test.effect_once")
def effect_once(key: str, seconds: float = 0.0) -> str:
    """The idempotent-task pattern: the effect is keyed, claimed atomically, and a redelivered or
    repeated run that finds it done does nothing."""
    done = out_dir() / f"done-{key}"
    if done.exists():
        append("skipped.log", key)
        return "already done"
    append("started.log", key)
    time.sleep(seconds)
    tmp = out_dir() / f".{key}.{os.getpid()}"
    tmp.write_text(key)
    try:
        os.link(tmp, done)  # atomic and exclusive: only one run produces the effect
    except FileExistsError:
        append("skipped.log", key)
        return "already done"
    finally:
        tmp.unlink()
    append("effects.log", key)
    return "done"


# A stand-in recognizer for the ASR-tier runtime tests (tests/test_asr_tier.py): with
# HOTLINE_TEST_ASR_SECONDS set, the worker's telephony tasks transcribe with a fake that logs each start to
# asr-started.log, takes that long, and answers HOTLINE_TEST_ASR_TEXT.
if os.environ.get("HOTLINE_TEST_ASR_SECONDS"):
    import telephony.tasks
    from asr.fake import FakeRecognizer

    class _SlowRecognizer(FakeRecognizer):
        def transcribe(self, wav_path, bias=None):
            append("asr-started.log", f"{Path(wav_path).name}:{os.getpid()}")
            time.sleep(float(os.environ["HOTLINE_TEST_ASR_SECONDS"]))
            self.text_by_name[Path(wav_path).name] = os.environ.get("HOTLINE_TEST_ASR_TEXT", "")
            return super().transcribe(wav_path, bias)

    telephony.tasks._recognizer = lambda: _SlowRecognizer()
