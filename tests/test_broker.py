"""The embedded broker (hotline-sqlite://) and task delivery through real Celery workers.

Transport tests always use the embedded broker; worker tests use the backend's broker (embedded SQLite
on the sqlite run, Redis on the postgres run)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections import Counter
from queue import Empty

import pytest
from kombu import Connection

import wiring.celery_app  # noqa: F401 - registers the hotline-sqlite:// scheme
from hotline.broker import SCHEME, sqlite_url
from tests.runtime_support import runtime_env, runtime_settings, start_worker, stop_group, wait_until
from tests.runtime_tasks import read_lines
from wiring.celery_app import make_celery


@pytest.fixture
def broker_url(tmp_path) -> str:
    return f"{SCHEME}:///{tmp_path / 'broker.db'}"


def connect(url: str, visibility_timeout: float = 300) -> Connection:
    return Connection(url, transport_options={"polling_interval": 0.05, "visibility_timeout": visibility_timeout})


def rows(url: str) -> list[tuple[int, int]]:
    db = sqlite3.connect(sqlite_url(url).removeprefix("sqlite:///"))
    try:
        return db.execute("SELECT id, visible FROM kombu_message ORDER BY id").fetchall()
    finally:
        db.close()


def test_url_conversion_follows_sqlalchemy_convention():
    assert sqlite_url("hotline-sqlite:////var/lib/x/broker.db") == "sqlite:////var/lib/x/broker.db"
    assert sqlite_url("hotline-sqlite:///var/broker.db") == "sqlite:///var/broker.db"
    with pytest.raises(ValueError):
        sqlite_url("redis://localhost/0")


def test_round_trip_in_order_and_ack_deletes_the_row(broker_url):
    with connect(broker_url) as conn:
        q = conn.SimpleQueue("jobs")
        for i in range(3):
            q.put({"n": i})
        assert q.qsize() == 3
        got = []
        for _ in range(3):
            message = q.get(timeout=5)
            got.append(message.payload["n"])
            message.ack()
        assert got == [0, 1, 2]
        with pytest.raises(Empty):
            q.get(timeout=0.3)
        q.close()
    assert rows(broker_url) == []


def test_wal_mode_is_set(broker_url):
    with connect(broker_url) as conn:
        conn.SimpleQueue("jobs").put({"n": 1})
    db = sqlite3.connect(sqlite_url(broker_url).removeprefix("sqlite:///"))
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_requeue_makes_the_same_row_visible_instead_of_copying_it(broker_url):
    with connect(broker_url) as conn:
        q = conn.SimpleQueue("jobs")
        q.put({"n": 1})
        first = q.get(timeout=5)
        assert [visible for _, visible in rows(broker_url)] == [0]
        first.requeue()
        assert [visible for _, visible in rows(broker_url)] == [1]
        again = q.get(timeout=5)
        assert again.payload == {"n": 1}
        again.ack()
        q.close()
    assert rows(broker_url) == []


def test_reject_without_requeue_drops_the_message(broker_url):
    with connect(broker_url) as conn:
        q = conn.SimpleQueue("jobs")
        q.put({"n": 1})
        q.get(timeout=5).reject()
        q.close()
    assert rows(broker_url) == []


def test_clean_close_gives_unacked_messages_back(broker_url):
    conn = connect(broker_url)
    q = conn.SimpleQueue("jobs")
    q.put({"n": 7})
    q.get(timeout=5)  # never acknowledged
    q.close()
    conn.close()
    assert [visible for _, visible in rows(broker_url)] == [1]
    with connect(broker_url) as conn2:
        q2 = conn2.SimpleQueue("jobs")
        message = q2.get(timeout=5)
        assert message.payload == {"n": 7}
        message.ack()
        q2.close()


CONSUME_AND_HANG = textwrap.dedent("""
    import sys, time
    import wiring.celery_app
    from kombu import Connection
    conn = Connection(sys.argv[1], transport_options={"polling_interval": 0.05, "visibility_timeout": 1})
    q = conn.SimpleQueue("jobs")
    message = q.get(timeout=30)
    print("got", message.payload["n"], flush=True)
    time.sleep(600)
""")


def test_message_of_a_consumer_killed_with_sigkill_is_redelivered(broker_url, tmp_path):
    with connect(broker_url) as conn:
        conn.SimpleQueue("jobs").put({"n": 42})
    proc = subprocess.Popen([sys.executable, "-c", CONSUME_AND_HANG, broker_url], stdout=subprocess.PIPE,
                            text=True, cwd=tmp_path)
    try:
        assert proc.stdout.readline().split() == ["got", "42"]
        assert [visible for _, visible in rows(broker_url)] == [0]
    finally:
        proc.kill()
        proc.wait()
    with connect(broker_url, visibility_timeout=1) as conn:
        q = conn.SimpleQueue("jobs")
        message = q.get(timeout=30)  # restored once the dead consumer's lease expired
        assert message.payload == {"n": 42}
        message.ack()
        q.close()
    assert rows(broker_url) == []


def test_a_live_consumer_keeps_its_lease_past_the_visibility_timeout(broker_url):
    """A long task is not redelivered while its worker is alive and polling (unlike a plain timeout)."""
    holder, other = connect(broker_url, visibility_timeout=1), connect(broker_url, visibility_timeout=1)
    try:
        held_q, other_q = holder.SimpleQueue("jobs"), other.SimpleQueue("jobs")
        held_q.put({"n": 1})
        message = held_q.get(timeout=5)
        polls = 0
        while polls < 12:  # ~3.6 s of polling on both sides, several visibility timeouts
            for conn in (holder, other):
                try:
                    conn.drain_events(timeout=0.15)
                except TimeoutError:
                    pass
            with pytest.raises(Empty):
                other_q.get_nowait()
            polls += 1
        assert [visible for _, visible in rows(broker_url)] == [0]
        message.ack()
        assert rows(broker_url) == []
    finally:
        holder.close()
        other.close()


# --- real workers -------------------------------------------------------------------------------

PRODUCER = textwrap.dedent("""
    import sys
    from wiring.celery_app import celery
    prefix, count = sys.argv[1], int(sys.argv[2])
    for i in range(count):
        celery.send_task("hotline_test.record", args=[f"{prefix}-{i}"])
    celery.close()
""")


def broker_rows_left(settings) -> list[tuple[int, int]]:
    if settings.resolved_broker_url.startswith(SCHEME):
        return rows(settings.resolved_broker_url)
    return []


def test_several_producers_and_two_workers_lose_and_duplicate_nothing(settings, tmp_path):
    s = runtime_settings(settings)
    env = runtime_env(s, tmp_path)
    workers = [start_worker(env, tmp_path / f"w{i}.log", f"w{i}") for i in (1, 2)]
    try:
        producers = [subprocess.Popen([sys.executable, "-c", PRODUCER, f"p{p}", "60"], env=env, cwd=tmp_path)
                     for p in range(4)]
        assert [p.wait(timeout=120) for p in producers] == [0, 0, 0, 0]
        expected = {f"p{p}-{i}" for p in range(4) for i in range(60)}
        assert wait_until(lambda: len(read_lines(tmp_path, "runs.log")) >= len(expected), timeout=120)
    finally:
        codes = [stop_group(w) for w in workers]
    runs = read_lines(tmp_path, "runs.log")
    assert set(runs) == expected
    assert [token for token, n in Counter(runs).items() if n > 1] == []
    assert codes == [0, 0]
    assert broker_rows_left(s) == []  # acknowledged rows are deleted


def test_tasks_of_a_worker_killed_with_sigkill_run_after_restart_exactly_once(settings, tmp_path):
    """Two tasks running and one waiting when the worker dies (kill -9 of its whole process group);
    after a restart every task completes and, being idempotent, has its effect exactly once."""
    s = runtime_settings(settings)
    env = runtime_env(s, tmp_path)
    app = make_celery(s)
    keys = ["a", "b", "c"]
    worker = start_worker(env, tmp_path / "w1.log", "w1", concurrency=2)
    try:
        for key in keys:
            app.send_task("hotline_test.effect_once", args=[key, 3.0])
        assert wait_until(lambda: len(read_lines(tmp_path, "started.log")) >= 2, timeout=60)
        stop_group(worker, signal.SIGKILL)
        interrupted = set(read_lines(tmp_path, "started.log"))
        assert read_lines(tmp_path, "effects.log") == []
        worker = start_worker(env, tmp_path / "w1-restarted.log", "w1", concurrency=2)
        assert wait_until(lambda: len(read_lines(tmp_path, "effects.log")) >= 3, timeout=120)
    finally:
        stop_group(worker)
        app.close()
    assert sorted(read_lines(tmp_path, "effects.log")) == keys
    started = Counter(read_lines(tmp_path, "started.log"))
    assert all(started[key] >= 2 for key in interrupted)  # redelivered and run again
    assert broker_rows_left(s) == []


def test_idempotent_task_repeated_in_process_has_one_effect(tmp_path, monkeypatch):
    from tests.runtime_tasks import effect_once

    monkeypatch.setenv("HOTLINE_TEST_TASK_DIR", str(tmp_path))
    assert effect_once.run("k") == "done"
    assert effect_once.run("k") == "already done"
    assert read_lines(tmp_path, "effects.log") == ["k"]
    assert read_lines(tmp_path, "skipped.log") == ["k"]
