"""Process supervision for `hotline up` and the SIP workers: children from specs, restarts with back-off.

Each child runs in its own process group and gets SIGTERM if the supervisor dies (Linux), so nothing is
orphaned. A child that exits on its own is restarted after a back-off (1 s doubling up to
`runner_restart_backoff_max`, reset once it has stayed up that long). SIGINT/SIGTERM stop every
child (SIGTERM, wait `runner_stop_timeout`, then SIGKILL of the whole group) and exit 0.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessSpec:
    """One supervised child: a name for the logs, the argv to run, extra environment."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


def cli_argv(*args: str) -> list[str]:
    """The argv that runs the `hotline` command line (wiring.cli) in a child process with this Python."""
    return [sys.executable, "-m", "wiring.cli", *args]


def _child_setup() -> None:  # runs in the child between fork and exec
    os.setpgid(0, 0)
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: follow the supervisor if it dies
    except OSError:
        pass


def _killpg(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class Child:
    spec: ProcessSpec
    popen: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = 0.0
    restart_at: float | None = None
    restarts: int = 0


class Supervisor:
    def __init__(self, specs: list[ProcessSpec], *, stop_timeout: float = 20.0, backoff_max: float = 30.0,
                 backoff_initial: float = 1.0, poll_interval: float = 0.2) -> None:
        self.children = [Child(spec, backoff=backoff_initial) for spec in specs]
        self.stop_timeout = stop_timeout
        self.backoff_max = backoff_max
        self.backoff_initial = backoff_initial
        self.poll_interval = poll_interval
        self._stop_signal: int | None = None

    # --- lifecycle ----------------------------------------------------------------------------
    def request_stop(self, signum: int = signal.SIGTERM, _frame=None) -> None:
        self._stop_signal = signum

    @property
    def stopping(self) -> bool:
        return self._stop_signal is not None

    def run(self) -> int:
        """Start every child, supervise until SIGINT/SIGTERM, stop them all; returns the exit code."""
        previous = {sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for child in self.children:
                if not self.stopping:
                    self._spawn(child)
            while not self.stopping:
                self.check()
                time.sleep(self.poll_interval)
            log.info("received %s, stopping %d process(es)", signal.Signals(self._stop_signal).name,
                     len(self.children))
        finally:
            self.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def check(self) -> None:
        """Notice exited children, schedule and perform restarts."""
        now = time.monotonic()
        for child in self.children:
            if child.popen is not None and child.popen.poll() is not None:
                code, uptime = child.popen.returncode, now - child.started_at
                _killpg(child.popen.pid, signal.SIGKILL)  # leftovers of its group (pool processes)
                child.popen = None
                if uptime >= self.backoff_max:
                    child.backoff = self.backoff_initial
                child.restart_at = now + child.backoff
                log.error("%s exited with code %s after %.1fs; restarting in %.1fs",
                          child.spec.name, code, uptime, child.backoff)
                child.backoff = min(child.backoff * 2, self.backoff_max)
            if child.popen is None and child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self._spawn(child)

    def _spawn(self, child: Child) -> None:
        env = {**os.environ, **child.spec.env}
        try:
            # The supervisor runs no threads, so preexec_fn is safe here.
            child.popen = subprocess.Popen(child.spec.argv, env=env, preexec_fn=_child_setup)  # noqa: PLW1509
        except OSError:
            log.exception("cannot start %s", child.spec.name)
            child.restart_at = time.monotonic() + child.backoff
            child.backoff = min(child.backoff * 2, self.backoff_max)
            return
        child.started_at = time.monotonic()
        child.restart_at = None
        log.info("started %s (pid %d)%s", child.spec.name, child.popen.pid,
                 f", restart #{child.restarts}" if child.restarts else "")

    def stop_all(self) -> None:
        running = [c for c in self.children if c.popen is not None and c.popen.poll() is None]
        for child in running:
            try:
                child.popen.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + self.stop_timeout
        for child in running:
            try:
                child.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within %.0fs; killing it", child.spec.name, self.stop_timeout)
                _killpg(child.popen.pid, signal.SIGKILL)
                child.popen.wait()
        for child in self.children:
            if child.popen is not None:
                _killpg(child.popen.pid, signal.SIGKILL)  # anything left in the group
                log.info("stopped %s (exit code %s)", child.spec.name, child.popen.returncode)
                child.popen = None
