"""Pooled PostgreSQL connections: no ping round trip per transaction, yet a connection the server dropped is
replaced before use (hotline.database._check_on_checkout instead of pool_pre_ping)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import pool, text

from hotline import database
from hotline.database import make_engine


def _postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("pooled server connections: PostgreSQL only")


@pytest.fixture
def pg_engine(database_url):
    _postgres(database_url)
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(monkeypatch):
    """Counts the pings the checkout check sends (each still goes to the server)."""
    sent: list[int] = []
    real_ping = database._ping

    def counting_ping(dbapi_conn):
        sent.append(1)
        real_ping(dbapi_conn)

    monkeypatch.setattr(database, "_ping", counting_ping)
    return sent


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(database_url: str, pid: int) -> None:
    admin = make_engine(database_url, poolclass=pool.NullPool)
    try:
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
            conn.commit()
            for _ in range(100):  # until the backend is gone
                if not conn.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).first():
                    break
                time.sleep(0.02)
    finally:
        admin.dispose()


def test_a_healthy_pooled_connection_is_reused_without_a_round_trip(pg_engine, pings):
    first = _backend_pid(pg_engine)
    for _ in range(5):
        assert _backend_pid(pg_engine) == first  # the same server connection, handed out again
    assert pings == []


def test_a_connection_the_server_dropped_is_replaced_before_use(pg_engine, database_url, pings):
    first = _backend_pid(pg_engine)
    _terminate(database_url, first)
    second = _backend_pid(pg_engine)  # no error: the dead connection was noticed at checkout
    assert second != first and pings == [1]  # its socket was readable, the ping failed, a new one opened
    assert _backend_pid(pg_engine) == second and pings == [1]


def test_a_long_idle_connection_is_pinged(pg_engine, monkeypatch, pings):
    first = _backend_pid(pg_engine)
    monkeypatch.setattr(database, "PING_IDLE_SECONDS", -1.0)  # everything counts as long idle
    assert _backend_pid(pg_engine) == first and pings == [1]  # pinged, alive, kept


def test_pre_ping_and_other_pools_are_left_as_asked(database_url):
    _postgres(database_url)
    engine = make_engine(database_url, pool_pre_ping=True)
    try:
        assert engine.pool._pre_ping
        assert not database.event.contains(engine, "checkout", database._check_on_checkout)
    finally:
        engine.dispose()
    engine = make_engine(database_url)
    try:
        assert not engine.pool._pre_ping and engine.pool._recycle == database.RECYCLE_SECONDS
        assert database.event.contains(engine, "checkout", database._check_on_checkout)
    finally:
        engine.dispose()
