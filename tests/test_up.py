"""`hotline up` end to end: migrate, serve /healthz, run tasks (sent by name and by beat), restart a
crashed child, and stop everything on SIGINT with exit code 0 and no process left behind."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from unittest.mock import patch

import httpx
import pytest

from hotline.supervisor import ProcessSpec, Supervisor
from tests.runtime_support import (
    alive,
    descendants,
    free_port,
    process_group,
    runtime_env,
    runtime_settings,
    wait_until,
)
from tests.runtime_tasks import read_lines
from wiring.celery_app import make_celery
from wiring.runner import PROCESS_SPEC_FACTORIES, process_specs


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _children(pid: int, marker: str) -> list[int]:
    """Direct children of `pid` whose command line contains `marker`."""
    found = []
    for child in descendants(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            ppid = int(Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if ppid == pid and marker in cmdline:
            found.append(child)
    return found


def test_hotline_up_runs_supervises_and_stops_cleanly(settings, tmp_path):
    port = free_port()
    s = runtime_settings(settings, fresh_sqlite_db=True, data_dir=tmp_path / "data", api_port=port)
    env = runtime_env(s, tmp_path, HOTLINE_API_PORT=str(port), HOTLINE_SWEEP_INTERVAL_SECONDS="1",
                      HOTLINE_WORKER_CONCURRENCY="2", HOTLINE_RUNNER_STOP_TIMEOUT="20")
    log_path = tmp_path / "up.log"
    app = make_celery(s)
    with open(log_path, "wb") as log:
        up = subprocess.Popen([sys.executable, "-m", "wiring.cli", "up"], env=env, cwd=tmp_path,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        health = f"http://127.0.0.1:{port}/healthz"
        assert wait_until(lambda: _healthy(health), timeout=90), log_path.read_text()[-3000:]
        assert f"API on http://127.0.0.1:{port}" in log_path.read_text()

        app.send_task("hotline_test.record", args=["by-name"])
        assert wait_until(lambda: "by-name" in read_lines(tmp_path, "runs.log"), timeout=60)
        # beat sends ticketing.sweep_lights every second and the worker runs it
        assert wait_until(lambda: re.search(r"ticketing\.sweep_lights\[[^\]]+\] succeeded", log_path.read_text()),
                          timeout=60), log_path.read_text()[-3000:]

        # a crashed worker (whole group killed) is noticed and restarted
        (worker,) = _children(up.pid, "wiring.cli worker")
        os.killpg(worker, signal.SIGKILL)
        assert wait_until(lambda: [p for p in _children(up.pid, "wiring.cli worker") if p != worker], timeout=60)
        app.send_task("hotline_test.record", args=["after-restart"])
        assert wait_until(lambda: "after-restart" in read_lines(tmp_path, "runs.log"), timeout=60)
        assert "worker exited with code" in log_path.read_text()

        tree = descendants(up.pid)
        groups = {pid for pid in tree if os.getpgid(pid) == pid}
        assert len(groups) >= 3  # api, worker, beat each lead their own group
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=90) == 0
    finally:
        app.close()
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait()
    assert [pid for pid in tree if alive(pid)] == []
    assert [pgid for pgid in groups if process_group(pgid)] == []
    assert not _healthy(health)


# --- supervisor and process specs, without the platform ------------------------------------------

def test_core_process_specs_follow_settings(settings):
    s = settings.model_copy(update={"api_host": "0.0.0.0", "api_port": 8123})
    specs = {spec.name: spec.argv for spec in process_specs(s)}
    assert set(specs) == {"api", "worker", "beat", "telephony"}
    assert specs["api"][specs["api"].index("--host") + 1] == "0.0.0.0"
    assert specs["api"][specs["api"].index("--port") + 1] == "8123"
    assert specs["worker"][-1] == "worker" and specs["beat"][-1] == "beat"


def extra_processes(_settings) -> list[ProcessSpec]:
    return [ProcessSpec("sip", [sys.executable, "-c", "pass"])]


def test_process_spec_hook_adds_processes_and_rejects_duplicate_names(settings):
    names = [s.name for s in process_specs(settings, [*PROCESS_SPEC_FACTORIES, "tests.test_up:extra_processes"])]
    assert names == ["api", "worker", "beat", "telephony", "sip"]
    with pytest.raises(ValueError, match="duplicate"):
        process_specs(settings, ["tests.test_up:extra_processes", "tests.test_up:extra_processes"])


def test_crashing_child_is_restarted_with_doubling_back_off(caplog):
    caplog.set_level(logging.INFO, logger="hotline.supervisor")
    crash = ProcessSpec("crash", [sys.executable, "-c", "import sys; sys.exit(3)"])
    supervisor = Supervisor([crash], backoff_initial=0.05, backoff_max=10, stop_timeout=5)
    child = supervisor.children[0]
    supervisor._spawn(child)
    delays = []
    try:
        while child.restarts < 4:
            before = child.backoff
            supervisor.check()
            if child.restart_at is not None and (not delays or delays[-1][1] != child.restart_at):
                delays.append((before, child.restart_at))
            time.sleep(0.01)
    finally:
        supervisor.stop_all()
    assert [d for d, _ in delays[:4]] == [0.05, 0.1, 0.2, 0.4]
    assert "crash exited with code 3" in caplog.text


def test_stop_kills_a_child_that_ignores_sigterm():
    stubborn = ProcessSpec("stubborn", [sys.executable, "-c",
                                        ("import signal, time\n"
                                        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                                        "print('ready', flush=True)\n"
                                        "time.sleep(120)")])
    supervisor = Supervisor([stubborn], stop_timeout=0.5)
    child = supervisor.children[0]
    with patch.object(subprocess, "Popen", partial(subprocess.Popen, stdout=subprocess.PIPE, text=True)):
        supervisor._spawn(child)
    popen = child.popen
    assert popen.stdout.readline().strip() == "ready"
    supervisor.stop_all()
    assert popen.returncode == -signal.SIGKILL
    assert not alive(popen.pid)
