"""The database briefly unavailable (issue 16, reliability): requests fail fast with 503 (a request id, no
traceback) and the same running app recovers when the database is back, without a restart.

PostgreSQL: the app talks to the test database through a TCP proxy this test starts and stops (the machine's
PostgreSQL server is never touched). SQLite: the engine's connection factory refuses while the "outage" lasts."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from contextlib import suppress

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from wiring.app import create_app
from hotline.context import AppContext
from hotline.database import make_engine, make_session_factory


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; stop() closes the listener and cuts every open connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, 0
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self.port, self._listener = listener.getsockname()[1], listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self._listener:
            with suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        for conn in self._conns:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._conns.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with suppress(OSError):
            dst.shutdown(socket.SHUT_WR)


@pytest.fixture
def outage(context, database_url):
    """(engine, down(), up()) for the backend under test."""
    if database_url.startswith("postgresql"):
        url = make_url(database_url)
        proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
        proxy.start()
        engine = make_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
                             connect_timeout=2, pool_timeout=2)
        yield engine, proxy.stop, proxy.start
        proxy.stop()
    else:
        path = make_url(database_url).database
        state = {"down": False}

        def connect():
            if state["down"]:
                raise sqlite3.OperationalError("unable to open database file")
            return sqlite3.connect(path, timeout=2, check_same_thread=False)

        engine = make_engine(f"sqlite:///{path}", creator=connect)

        def down():
            state["down"] = True
            engine.pool.dispose()  # open connections die with the outage, as a server's would

        yield engine, down, lambda: state.update(down=False)
    engine.dispose()


def test_requests_fail_fast_with_503_and_recover_without_restart(context, users, outage):
    engine, down, up = outage
    _, agent = users("agent")
    app_context = AppContext(settings=context.settings, engine=engine, sessions=make_session_factory(engine),
                             enqueue=context.enqueue)
    with TestClient(create_app(context.settings, context=app_context)) as client:
        assert client.get("/api/v1/tickets", headers=agent).status_code == 200
        down()
        for _ in range(3):
            started = time.monotonic()
            failed = client.get("/api/v1/tickets", headers=agent)
            assert failed.status_code == 503, failed.text
            assert time.monotonic() - started < 5
            body = failed.json()
            assert body["error"] == "service_unavailable" and body["request_id"] and "Traceback" not in failed.text
            assert failed.headers["retry-after"]
        up()
        answers = [client.get("/api/v1/tickets", headers=agent).status_code for _ in range(3)]
        assert answers[-1] == 200 and answers.count(200) >= 2, answers
