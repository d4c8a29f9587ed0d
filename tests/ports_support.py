"""Free local ports for test peers (never handed out twice in one process) and polling until something holds."""

from __future__ import annotations

import socket
import threading
import time

_HANDED_OUT: set[int] = set()   # ports free_port gave to someone in this test process: never given twice
_PORT_LOCK = threading.Lock()


def free_port(count: int = 1) -> int:
    """A port p such that p..p+count-1 are free for UDP and TCP on 127.0.0.1 right now and were not handed
    out before in this process (threads starting SIPp at once must not be given overlapping ranges)."""
    with _PORT_LOCK:
        base = _free_range(count)
        _HANDED_OUT.update(range(base, base + count))
    return base


def _free_range(count: int) -> int:
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + count >= 65000 or _HANDED_OUT.intersection(range(base, base + count)):
            continue
        try:
            for port in range(base, base + count):
                for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    with socket.socket(socket.AF_INET, kind) as probe:
                        probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free port range")


def wait_for(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
