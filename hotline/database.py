"""Engine, sessions and schema migrations (Alembic) for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, Engine, MetaData, Select, TypeDecorator, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from hotline.errors import NotFound

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def first_or_not_found(session: Session, stmt: Select, *, lock: bool = False, message: str, **details):
    """The first row of `stmt` (locked FOR UPDATE when `lock`), or NotFound(message, **details)."""
    row = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if row is None:
        raise NotFound(message, **details)
    return row


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, *, connect_timeout: float | None = None, **kwargs) -> Engine:
    """`connect_timeout` (seconds, server databases): a database that does not answer fails the request fast
    (503 from hotline.http_guard) instead of holding it for the operating system's TCP timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    # Not pool_pre_ping (a SELECT 1 round trip on every checkout, i.e. every transaction): _check_on_checkout
    # pings only a connection the server may have dropped.
    check = not kwargs.get("pool_pre_ping") and kwargs.get("poolclass") is None
    kwargs.setdefault("pool_recycle", RECYCLE_SECONDS)
    if connect_timeout is not None and url.startswith("postgresql"):
        kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", max(1, round(connect_timeout)))
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
    engine = create_engine(url, **kwargs)
    if check:
        event.listen(engine, "checkin", _mark_checkin)
        event.listen(engine, "checkout", _check_on_checkout)
    return engine


RECYCLE_SECONDS = 1800  # reopen pooled PostgreSQL connections after 30 min (idle links some networks cut)
PING_IDLE_SECONDS = 30.0  # a connection idle longer than this is pinged before use


def _mark_checkin(_dbapi_conn, record) -> None:
    record.info["checked_in"] = time.monotonic()


def _check_on_checkout(dbapi_conn, record, _proxy) -> None:
    """Hand out a pooled PostgreSQL connection without a round trip when it is surely alive.

    An idle connection receives nothing, so if its socket is readable the server has closed it (restart,
    pg_terminate_backend, idle timeout) or sent a notice: then, and after PING_IDLE_SECONDS of idleness
    (a link dropped silently shows nothing), it is pinged; a failed ping raises DisconnectionError, and the
    pool replaces the connection and checks out a fresh one (as pool_pre_ping would).
    """
    checked_in = record.info.get("checked_in")
    if checked_in is None:  # just opened
        return
    idle = time.monotonic() - checked_in
    try:
        readable = bool(select.select([dbapi_conn.fileno()], [], [], 0)[0])
    except (OSError, ValueError):  # closed socket
        readable = True
    if not readable and idle <= PING_IDLE_SECONDS:
        return
    try:
        _ping(dbapi_conn)
    except Exception as exc:  # any failure means the connection is unusable
        raise DisconnectionError(f"pooled connection lost: {exc}") from exc


def _ping(dbapi_conn) -> None:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute("SELECT 1")
    finally:
        cursor.close()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Let SQLAlchemy own transactions; WAL lets readers run beside the writer.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin_immediate(conn) -> None:
    # Writers take the lock at BEGIN, so two writers queue (busy_timeout) instead of failing mid-transaction
    # on a stale snapshot. Read-only sessions (see make_session_factory) begin deferred and never block.
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("readonly") else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine, *, readonly: bool = False) -> sessionmaker[Session]:
    """Sessions for writing, or (readonly=True) for reading: on SQLite those never take the write lock."""
    bind = engine.execution_options(readonly=True) if readonly else engine
    return sessionmaker(bind, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that rolls back on error and always closes; flows commit explicitly."""
    session = factory()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Keep autogenerate away from the objects migrations manage by hand: SQLite FTS5 tables, PostgreSQL
    expression indexes on to_tsvector(search_tokens) (0002) and other expression indexes (named *_expr)."""
    return not (name and (name.endswith(("_fts", "_search_tsv", "_expr")) or "_fts_" in name))


def alembic_config(url: str):
    from alembic.config import Config

    here = Path(__file__).parent
    cfg = Config()
    cfg.set_main_option("script_location", str(here / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at `url` to `revision` (the same path `hotline up` and the tests take)."""
    from alembic import command

    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)
    log.info("database schema at %s", revision)
