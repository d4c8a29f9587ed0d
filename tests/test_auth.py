"""Login, lock-out, logout, /me, password reset and the `hotline user create` command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

import wiring.app
from hotline.settings import get_settings
from ticketing.org.cli import user as user_cli
from ticketing.org.models import ApiToken, Department, User

PASSWORD = "secret-pass-1"  # the `users` fixture's default password
BAD = "invalid username or password"


@pytest.fixture
def app(context, monkeypatch):
    # Only the organisation router: these tests must not depend on other domains' routers.
    from wiring.app import create_app

    monkeypatch.setattr(wiring.app, "ROUTERS", ["ticketing.org.views"])
    return create_app(context.settings, context=context)


def login(client, username: str, password: str):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_login_returns_working_bearer_token(client, users, settings):
    agent, _ = users("agent")
    before = datetime.now(UTC)
    resp = login(client, agent.username, PASSWORD)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "bearer" and body["role"] == "agent"
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires.tzinfo is not None
    assert before + timedelta(hours=settings.token_ttl_hours) <= expires + timedelta(seconds=1)
    me = client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json() == {"id": agent.id, "username": agent.username, "name": agent.display_name,
                         "role": "agent", "department_id": None}


def test_login_is_case_insensitive_on_username(client, users):
    agent, _ = users("agent")
    assert login(client, agent.username.upper(), PASSWORD).status_code == 200


def test_wrong_password_and_unknown_user_look_the_same(client, users):
    agent, _ = users("agent")
    wrong = login(client, agent.username, "not-the-password")
    unknown = login(client, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"error": "unauthenticated", "message": BAD}


def test_inactive_user_cannot_log_in_even_with_right_password(client, users, session):
    agent, _ = users("agent")
    session.execute(update(User).where(User.id == agent.id).values(active=False))
    session.commit()
    resp = login(client, agent.username, PASSWORD)
    assert resp.status_code == 401 and resp.json()["message"] == BAD


def test_an_address_with_too_many_failures_is_refused_but_the_account_is_not(client, users, context, app):
    from fastapi.testclient import TestClient

    context.settings.login_max_failures = 3
    context.settings.login_lockout_minutes = 10
    context.settings.login_delay_max_seconds = 0
    agent, _ = users("agent")
    for _ in range(3):
        assert login(client, agent.username, "wrong-password").status_code == 401
    # This address is now refused for any account (429 tells nothing about the account), even the right password.
    refused = login(client, agent.username, PASSWORD)
    assert refused.status_code == 429 and refused.json()["error"] == "too_many_requests"
    assert 0 < int(refused.headers["retry-after"]) <= 600
    assert login(client, "nobody-here", PASSWORD).json() == refused.json()
    tokens = session_tokens(context, agent.id)
    assert tokens == 1  # only the fixture's token
    # The owner, from another address, logs in as usual: strangers cannot lock the account out.
    with TestClient(app, client=("10.0.0.7", 5000)) as elsewhere:
        assert login(elsewhere, agent.username, PASSWORD).status_code == 200


def session_tokens(context, user_id: int) -> int:
    with context.reader() as s:
        return s.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user_id))


def test_successful_login_resets_failure_count(client, users, context):
    context.settings.login_max_failures = 3
    agent, _ = users("agent")
    for _ in range(2):
        assert login(client, agent.username, "wrong-password").status_code == 401
    assert login(client, agent.username, PASSWORD).status_code == 200
    for _ in range(2):
        assert login(client, agent.username, "wrong-password").status_code == 401
    assert login(client, agent.username, PASSWORD).status_code == 200


def test_logout_revokes_only_that_token(client, users):
    agent, fixture_headers = users("agent")
    token = login(client, agent.username, PASSWORD).json()["access_token"]
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/me", headers=fixture_headers).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}])
def test_requests_without_valid_token_are_401(client, headers):
    resp = client.get("/api/v1/me", headers=headers)
    assert resp.status_code == 401 and resp.json()["error"] == "unauthenticated"


def test_admin_resets_password_unlocks_and_revokes_tokens(client, users, session):
    _, admin = users("admin")
    agent, agent_headers = users("agent")
    session.execute(update(User).where(User.id == agent.id)
                    .values(locked_until=datetime.now(UTC) + timedelta(hours=1), failed_logins=2))
    session.commit()
    short = client.post(f"/api/v1/users/{agent.id}/reset-password", json={"password": "short"}, headers=admin)
    assert short.status_code == 422 and "at least 8 characters" in short.json()["message"]
    resp = client.post(f"/api/v1/users/{agent.id}/reset-password", json={"password": "brand-new-pass"},
                       headers=admin)
    assert resp.status_code == 200, resp.text
    assert client.get("/api/v1/me", headers=agent_headers).status_code == 401
    assert login(client, agent.username, PASSWORD).status_code == 401
    assert login(client, agent.username, "brand-new-pass").status_code == 200


def test_agent_cannot_reset_someone_elses_password(client, users):
    _, agent_headers = users("agent")
    other, _ = users("agent")
    resp = client.post(f"/api/v1/users/{other.id}/reset-password", json={"password": "brand-new-pass"},
                       headers=agent_headers)
    assert resp.status_code == 403


# --- hotline user create ------------------------------------------------------------------------


@pytest.fixture
def cli_env(settings, monkeypatch, context):
    monkeypatch.setenv("HOTLINE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_creates_admin_who_can_log_in(cli_env, client, session):
    result = cli_env.invoke(user_cli, ["create", "--username", "Root", "--password", "root-password-1",
                                       "--role", "admin", "--display-name", "管理员"])
    assert result.exit_code == 0, result.output
    created = session.scalars(select(User).where(User.username == "root")).one()
    assert created.role == "admin" and created.display_name == "管理员" and created.password_hash != ""
    session.rollback()  # end the read before the API writes (SQLite locks at BEGIN)
    assert login(client, "root", "root-password-1").json()["role"] == "admin"


def test_cli_reads_password_from_stdin_and_resolves_department_code(cli_env, session, client):
    session.add(Department(code="zj", name="市住建局", level="unit"))
    session.commit()
    result = cli_env.invoke(user_cli, ["create", "--username", "clerk", "--role", "department",
                                       "--department", "zj"], input="clerk-password\nclerk-password\n")
    assert result.exit_code == 0, result.output
    created = session.scalars(select(User).where(User.username == "clerk")).one()
    dept_id = session.scalar(select(Department.id).where(Department.code == "zj"))
    assert created.department_id == dept_id and created.role == "department"
    session.rollback()
    assert login(client, "clerk", "clerk-password").status_code == 200


@pytest.mark.parametrize("args, message", [
    (["--role", "department", "--password", "long-enough-1"], "needs a department_id"),
    (["--role", "agent", "--password", "short"], "at least 8 characters"),
    (["--role", "department", "--department", "nope", "--password", "long-enough-1"], "no active department"),
])
def test_cli_rejects_invalid_user_and_writes_nothing(cli_env, session, args, message):
    result = cli_env.invoke(user_cli, ["create", "--username", "bad", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert session.scalar(select(func.count()).select_from(User)) == 0
