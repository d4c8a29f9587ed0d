"""Helpers for the runtime tests: environments for worker/`hotline up` subprocesses, process trees."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from hotline.settings import Settings

REPO_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def runtime_settings(settings: Settings, *, fresh_sqlite_db: bool = False, **update) -> Settings:
    """The test's settings with a queue of its own (Redis db 15 is shared) and a short visibility timeout."""
    changes = {"celery_queue": f"test-{uuid.uuid4().hex[:10]}", "broker_visibility_timeout": 10,
               "celery_extra_task_modules": ["tests.runtime_tasks"], **update}
    if fresh_sqlite_db and not (settings.database_url or "").startswith("postgresql"):
        changes["database_url"] = None
    return settings.model_copy(update=changes)


def runtime_env(settings: Settings, task_dir: Path, **extra: str) -> dict[str, str]:
    """Environment that makes a child process build exactly `settings` (plus the test task module)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update({
        "HOTLINE_DATA_DIR": str(settings.data_dir),
        "HOTLINE_CELERY_QUEUE": settings.celery_queue,
        "HOTLINE_BROKER_VISIBILITY_TIMEOUT": str(settings.broker_visibility_timeout),
        "HOTLINE_CELERY_EXTRA_TASK_MODULES": '["tests.runtime_tasks"]',
        "HOTLINE_TEST_TASK_DIR": str(task_dir),
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_DIR), env.get("PYTHONPATH")) if p),
    })
    if settings.database_url:
        env["HOTLINE_DATABASE_URL"] = settings.database_url
    if settings.broker_url:
        env["HOTLINE_BROKER_URL"] = settings.broker_url
    env.update(extra)
    return env


def start_worker(env: dict[str, str], log_path: Path, name: str, concurrency: int = 2) -> subprocess.Popen:
    """A real `hotline worker` in its own session (so the test can kill its whole process group)."""
    log = open(log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "wiring.cli", "worker", "-n", f"{name}@%h", "--concurrency", str(concurrency)],
            env=env, cwd=log_path.parent, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        log.close()


def stop_group(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
    """SIGTERM goes to the leader only (a Celery worker stops its own pool); SIGKILL to the whole group."""
    try:
        if sig == signal.SIGKILL:
            os.killpg(proc.pid, sig)
        else:
            os.kill(proc.pid, sig)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # nothing of the group outlives the test
        except ProcessLookupError:
            pass


def descendants(pid: int) -> set[int]:
    """All live descendants of `pid`, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def process_group(pgid: int) -> set[int]:
    """Live processes whose process group is `pgid`."""
    members = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.add(int(entry.name))
    return members
