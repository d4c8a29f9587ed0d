"""Embedded Celery broker: kombu's SQLAlchemy transport on a SQLite file, made crash-safe.

URL scheme ``hotline-sqlite:///<path>`` (the path follows SQLAlchemy's ``sqlite:///`` convention).
Differences from the stock ``sqla+sqlite://`` transport:

* a delivered message keeps a lease (its row's ``timestamp``) that the consuming worker renews while
  it holds the message; rows whose lease is older than ``visibility_timeout`` are made visible again,
  so a worker killed with -9 loses nothing (Redis-like redelivery, without duplicating long tasks);
* acknowledged messages are deleted; requeued ones become visible again instead of being copied;
* SQLite runs in WAL mode with a busy timeout, writers take the lock at ``BEGIN IMMEDIATE`` and idle
  polling only reads;
* transport options are never passed to ``create_engine()`` (``polling_interval`` is read by the
  transport class, ``visibility_timeout``/``busy_timeout`` by the channel);
* the tables are plain SQLAlchemy Core, so the deprecated ``noload`` relationship is never mapped.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import UTC, datetime, timedelta
from json import dumps, loads
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import sqlalchemy as kombu_sqla
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError

from hotline.broker_file import SCHEME as BROKER_SCHEME
from hotline.broker_file import check_file

log = logging.getLogger(__name__)

SCHEME = BROKER_SCHEME

_LOCK = threading.Lock()
_ENGINES: dict[tuple[int, str], Engine] = {}
_TABLES: dict[tuple[str, str], tuple[Table, Table]] = {}


def register() -> None:
    """Make ``hotline-sqlite://`` URLs resolve to this transport (idempotent)."""
    TRANSPORT_ALIASES.setdefault(SCHEME, "hotline.broker:Transport")


def sqlite_url(broker_url: str) -> str:
    """``hotline-sqlite:///x`` -> ``sqlite:///x`` (same path convention as SQLAlchemy)."""
    scheme, sep, rest = broker_url.partition("://")
    if not sep or scheme != SCHEME:
        raise ValueError(f"not a {SCHEME}:// URL: {broker_url!r}")
    return f"sqlite://{rest}"


def _now() -> datetime:
    # The column is naive (kombu's layout); it always holds UTC.
    return datetime.now(UTC).replace(tzinfo=None)


def tables(queue_tablename: str = "kombu_queue", message_tablename: str = "kombu_message") -> tuple[Table, Table]:
    """Core tables with the stock transport's layout (a stock broker file stays readable)."""
    key = (queue_tablename, message_tablename)
    with _LOCK:
        if key not in _TABLES:
            md = MetaData()
            queue = Table(
                queue_tablename, md,
                Column("id", Integer, primary_key=True, autoincrement=True),
                Column("name", String(200), unique=True),
                sqlite_autoincrement=True,
            )
            message = Table(
                message_tablename, md,
                Column("id", Integer, primary_key=True, autoincrement=True),
                Column("visible", Boolean, default=True, index=True),
                # Pending: NULL. Delivered: when the consumer's lease was last renewed (naive UTC).
                Column("timestamp", DateTime, nullable=True, index=True),
                Column("payload", Text, nullable=False),
                # Bumped at every delivery: a stale holder cannot requeue someone else's delivery.
                Column("version", SmallInteger, nullable=False, default=1),
                Column("queue_id", Integer, ForeignKey(f"{queue_tablename}.id")),
                Index(f"ix_{message_tablename}_pending", "queue_id", "visible", "id"),
                sqlite_autoincrement=True,
            )
            _TABLES[key] = (queue, message)
        return _TABLES[key]


def _on_connect(busy_timeout_ms: int):
    def configure(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (see _on_begin)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return configure


def _on_begin(conn) -> None:
    # Writers take the lock up front so that two of them queue on busy_timeout instead of failing
    # mid-transaction; read-only polls ask for a deferred BEGIN and never block producers.
    deferred = conn.get_execution_options().get("hotline_read_only", False)
    conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def engine_for(url: str, busy_timeout_ms: int = 30000) -> Engine:
    """One engine per (process, file): SQLite connections must not cross a fork."""
    key = (os.getpid(), url)
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                check_file(Path(path))
            engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000,
                                                      "check_same_thread": False})
            event.listen(engine, "connect", _on_connect(busy_timeout_ms))
            event.listen(engine, "begin", _on_begin)
            _ENGINES[key] = engine
        return engine


class Channel(kombu_sqla.Channel):
    """Channel with leases, visibility-timeout restore and delete-on-ack."""

    from_transport_options = kombu_sqla.Channel.from_transport_options + (
        "visibility_timeout",
        "busy_timeout",
    )
    visibility_timeout: float = 300.0
    busy_timeout: int = 30000  # milliseconds

    def __init__(self, connection, **kwargs):
        self._held: dict[str, tuple[int, int]] = {}  # delivery tag -> (row id, version)
        self._held_lock = threading.Lock()
        self._queue_ids: dict[str, int] = {}
        self._no_ack_queues: set[str] = set()
        self._next_maintenance = 0.0
        super().__init__(connection, **kwargs)

    # --- setup ----------------------------------------------------------------------------
    def _configure_entity_tablenames(self, opts):
        # The stock version also builds ORM classes (with a deprecated `noload` relationship).
        self.queue_tablename = opts.get("queue_tablename", "kombu_queue")
        self.message_tablename = opts.get("message_tablename", "kombu_message")
        self._queue_t, self._message_t = tables(self.queue_tablename, self.message_tablename)

    def _open(self):
        engine = engine_for(sqlite_url(self.connection.client.hostname), int(self.busy_timeout))
        self._queue_t.metadata.create_all(engine)
        return engine

    @property
    def engine(self) -> Engine:
        if getattr(self, "_engine", None) is None or self._engine_pid != os.getpid():
            self._engine = self._open()
            self._engine_pid = os.getpid()
        return self._engine

    @property
    def session(self):  # pragma: no cover - guard against stock code paths
        raise NotImplementedError("the hotline transport does not use an ORM session")

    def _queue_id(self, queue: str) -> int:
        qid = self._queue_ids.get(queue)
        if qid is None:
            q = self._queue_t
            with self.engine.begin() as conn:
                conn.execute(sqlite_insert(q).values(name=queue).on_conflict_do_nothing())
                qid = conn.execute(select(q.c.id).where(q.c.name == queue)).scalar_one()
            self._queue_ids[queue] = qid
        return qid

    def _get_or_create(self, queue):
        return self._queue_id(queue)

    def _new_queue(self, queue, **kwargs):
        self._queue_id(queue)

    # --- produce / consume ------------------------------------------------------------------
    def _put(self, queue, payload, **kwargs):
        qid = self._queue_id(queue)
        with self.engine.begin() as conn:
            conn.execute(self._message_t.insert().values(
                queue_id=qid, payload=dumps(payload), visible=True, timestamp=None, version=1))

    def _get(self, queue):
        qid = self._queue_id(queue)
        m = self._message_t
        pending = select(m.c.id).where(m.c.queue_id == qid, m.c.visible.is_(True)).order_by(m.c.id).limit(1)
        with self.engine.connect().execution_options(hotline_read_only=True) as conn:
            if conn.execute(pending).first() is None:  # idle poll: read only
                raise Empty()
        with self.engine.begin() as conn:
            row = conn.execute(
                select(m.c.id, m.c.payload, m.c.version)
                .where(m.c.queue_id == qid, m.c.visible.is_(True)).order_by(m.c.id).limit(1)
            ).first()
            if row is None:
                raise Empty()
            version = (row.version % 30000) + 1
            if queue in self._no_ack_queues:
                conn.execute(delete(m).where(m.c.id == row.id))
            else:
                conn.execute(update(m).where(m.c.id == row.id)
                             .values(visible=False, timestamp=_now(), version=version))
        payload = loads(row.payload)
        if queue not in self._no_ack_queues:
            with self._held_lock:
                self._held[payload["properties"]["delivery_tag"]] = (row.id, version)
        return payload

    def basic_consume(self, queue, no_ack, callback, consumer_tag, **kwargs):
        if no_ack:
            self._no_ack_queues.add(queue)
        return super().basic_consume(queue, no_ack, callback, consumer_tag, **kwargs)

    def basic_cancel(self, consumer_tag):
        queue = self._tag_to_queue.get(consumer_tag)
        super().basic_cancel(consumer_tag)
        if queue is not None and queue not in self._active_queues:
            self._no_ack_queues.discard(queue)

    def basic_get(self, queue, no_ack=False, **kwargs):
        if not no_ack:
            return super().basic_get(queue, no_ack=False, **kwargs)
        self._no_ack_queues.add(queue)
        try:
            return super().basic_get(queue, no_ack=True, **kwargs)
        finally:
            if queue not in self._active_queues:
                self._no_ack_queues.discard(queue)

    # --- settle ------------------------------------------------------------------------------
    def _release(self, delivery_tag) -> tuple[int, int] | None:
        with self._held_lock:
            return self._held.pop(delivery_tag, None)

    def _delete_row(self, held: tuple[int, int] | None) -> None:
        if held is not None:
            with self.engine.begin() as conn:
                conn.execute(delete(self._message_t).where(self._message_t.c.id == held[0]))

    def basic_ack(self, delivery_tag, multiple=False):
        self._delete_row(self._release(delivery_tag))
        super().basic_ack(delivery_tag, multiple=multiple)
        self._wake_transport()

    def basic_reject(self, delivery_tag, requeue=False):
        if requeue:  # QoS.reject -> _restore_at_beginning -> _restore below
            super().basic_reject(delivery_tag, requeue=True)
        else:
            self._delete_row(self._release(delivery_tag))
            super().basic_reject(delivery_tag, requeue=False)
        self._wake_transport()

    def _wake_transport(self) -> None:
        transport = self.connection
        if transport is not None and hasattr(transport, "wake"):
            transport.wake()

    def _restore(self, message):
        """Requeue: make our row visible again (the stock transport inserts a copy)."""
        held = self._release(message.delivery_tag)
        if held is None:
            return super()._restore(message)
        m = self._message_t
        with self.engine.begin() as conn:
            conn.execute(update(m).where(m.c.id == held[0], m.c.version == held[1], m.c.visible.is_(False))
                         .values(visible=True, timestamp=None))
        return None

    # --- leases ------------------------------------------------------------------------------
    def drain_events(self, timeout=None, callback=None):
        if self._consumers:
            self.maintain()
        return super().drain_events(timeout=timeout, callback=callback)

    def maintain(self, force: bool = False) -> int:
        """Renew leases of held messages and restore expired ones; rate-limited. Returns restored rows."""
        now = monotonic()
        if not force and now < self._next_maintenance:
            return 0
        self._next_maintenance = now + max(0.5, min(float(self.visibility_timeout) / 4, 30.0))
        m = self._message_t
        with self._held_lock:
            ids = [row_id for row_id, _ in self._held.values()]
        try:
            with self.engine.begin() as conn:
                if ids:
                    conn.execute(update(m).where(m.c.id.in_(ids), m.c.visible.is_(False))
                                 .values(timestamp=_now()))
                cutoff = _now() - timedelta(seconds=float(self.visibility_timeout))
                restored = conn.execute(
                    update(m).where(m.c.visible.is_(False), m.c.timestamp < cutoff)
                    .values(visible=True, timestamp=None)
                ).rowcount
        except OperationalError:
            log.exception("broker maintenance failed; retrying at the next poll")
            return 0
        if restored:
            log.warning("restored %d message(s) whose consumer stopped renewing for %ss",
                        restored, self.visibility_timeout)
        return restored

    # --- admin -------------------------------------------------------------------------------
    def _size(self, queue):
        m = self._message_t
        with self.engine.connect().execution_options(hotline_read_only=True) as conn:
            return conn.execute(select(func.count()).select_from(m).where(
                m.c.queue_id == self._queue_id(queue), m.c.visible.is_(True))).scalar_one()

    def _purge(self, queue):
        m = self._message_t
        qid = self._queue_id(queue)
        with self.engine.begin() as conn:
            count = conn.execute(select(func.count()).select_from(m)
                                 .where(m.c.queue_id == qid, m.c.visible.is_(True))).scalar_one()
            conn.execute(delete(m).where(m.c.queue_id == qid))
        return count

    def _query_all(self, queue):  # pragma: no cover - stock helper built on the ORM session
        raise NotImplementedError


class Transport(kombu_sqla.Transport):
    """``hotline-sqlite://`` transport."""

    Channel = Channel
    driver_name = SCHEME
    polling_interval = 0.1  # overridden by the `polling_interval` transport option

    def __init__(self, client, **kwargs):
        super().__init__(client, **kwargs)
        self._settled = threading.Event()

    def wake(self) -> None:
        """A delivery was settled (possibly from a pool's result thread): a prefetch slot is free."""
        self._settled.set()

    def drain_events(self, connection, timeout=None):
        # As the virtual transport's loop, but the pause after an empty poll ends early when a
        # message is acked: with prefetch 1 the next task then starts at once, not a poll later.
        started = monotonic()
        interval = self.polling_interval
        if timeout and interval and interval > timeout:
            interval = timeout
        while True:
            try:
                self.cycle.get(self._deliver, timeout=timeout)
                return
            except Empty:
                if timeout is not None and monotonic() - started >= timeout:
                    raise TimeoutError() from None
                if interval:
                    self._settled.wait(interval)
                    self._settled.clear()
