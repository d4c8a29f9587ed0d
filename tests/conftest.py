"""Test fixtures. The suite runs twice: HOTLINE_TEST_BACKEND=sqlite (embedded default) and =postgres
(PostgreSQL + Redis on this machine). Each session gets a fresh database migrated by Alembic."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from hotline.context import AppContext
from hotline.database import make_engine, make_session_factory, upgrade
from hotline.settings import Settings
from wiring.registry import metadata

pytest_plugins = ["tests.factories"]  # shared fixtures: org, people

BACKEND = os.environ.get("HOTLINE_TEST_BACKEND", "sqlite")
PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def pytest_report_header(config) -> str:
    return f"hotline backend: {BACKEND}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    if BACKEND == "postgres":
        name = f"hotline_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        upgrade(url)
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'hotline.db'}"
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _wipe(engine) -> None:
    tables = [t.name for t in metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                conn.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture
def settings(database_url, tmp_path: Path, triage_models: Path) -> Settings:
    broker = REDIS_URL if BACKEND == "postgres" else None
    return Settings(data_dir=tmp_path / "data", database_url=database_url, broker_url=broker, _env_file=None,
                    triage_models_dir=triage_models)


@pytest.fixture(scope="session")
def triage_models(tmp_path_factory) -> Path:
    """One triage model trained from the packaged corpus for the whole test session (ticketing.triage)."""
    from ticketing.triage import model, training

    root = tmp_path_factory.mktemp("triage-models")
    model.save(model.train(training.corpus_rows()), root, meta={"tests": True})
    return root


class RecordingQueue:
    """Stands in for Celery in unit tests: records (task name, args, kwargs) that flows enqueue."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple, dict]] = []

    def __call__(self, name: str, *args, **kwargs) -> None:
        self.sent.append((name, args, kwargs))

    def names(self) -> list[str]:
        return [name for name, _, _ in self.sent]


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def context(settings, engine, queue) -> Iterator[AppContext]:
    _wipe(engine)
    yield AppContext(settings=settings, engine=engine, sessions=make_session_factory(engine), enqueue=queue)


@pytest.fixture
def session(context) -> Iterator[Session]:
    with context.sessions() as s:
        yield s


@pytest.fixture
def app(context):
    from wiring.app import create_app

    return create_app(context.settings, context=context)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture
def users(context):
    """Factory: users(role, department_id=None) -> (User, auth headers for the API)."""
    from ticketing.org.auth import hash_password, issue_token
    from ticketing.org.models import User

    counter = iter(range(1, 10_000))

    def make(role: str, department_id: int | None = None, password: str = "secret-pass-1"):
        with context.sessions() as s:
            n = next(counter)
            user = User(username=f"{role}{n}", display_name=f"{role} {n}", role=role,
                        department_id=department_id, password_hash=hash_password(password))
            s.add(user)
            s.flush()
            token = issue_token(s, user=user, ttl_hours=1)
            s.commit()
            return user, {"Authorization": f"Bearer {token}"}

    return make
