"""`hotline` processes for the SIP tests: their environment, start, stop, readiness; a test caller screen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.ports_support import wait_for

REPO = Path(__file__).resolve().parents[1]
BLOCKED_CALLER = "13000000000"


def block_list_screen(ctx):
    """A CallerScreen factory for HOTLINE_TELEPHONY_CALLER_SCREEN in tests: blocks BLOCKED_CALLER."""
    from telephony.port import Screening

    class BlockList:
        def screen(self, caller):
            return Screening(blocked=caller == BLOCKED_CALLER, reason="test block list")
    return BlockList()


def hotline_env(settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    data = Path(settings.data_dir).resolve()
    env.update({"HOTLINE_DATA_DIR": str(data), "HOTLINE_DATABASE_URL": settings.resolved_database_url,
                "HOTLINE_BROKER_URL": f"hotline-sqlite:///{data / 'broker.db'}", "HOTLINE_LOG_LEVEL": "INFO",
                "PYTHONPATH": str(REPO)})
    env.update(extra)
    return env


def start_process(argv: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    log = log_path.open("ab")
    return subprocess.Popen([sys.executable, "-m", "wiring.cli", *argv], cwd=REPO, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop_process(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, 15)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(5)
        except ProcessLookupError:
            pass


def wait_ready(log_path: Path, needle: str, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    ok = wait_for(lambda: proc.poll() is not None or (log_path.exists() and needle in log_path.read_text(
        errors="replace")), timeout)
    if proc.poll() is not None or not ok:
        raise AssertionError(f"process not ready ({needle}):\n" + log_path.read_text(errors="replace")[-3000:])
