"""Login throttling (issue 16, probe 5): per address and per account, progressive delays, the same answer for
unknown, disabled and locked users, locks that strangers cannot make permanent, admin unlock, audited."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from ticketing.access import throttle
from ticketing.access.models import AccessRecord, LoginAttempt
from ticketing.org.models import User

PASSWORD = "secret-pass-1"
BAD = {"error": "unauthenticated", "message": "invalid username or password"}


def login(client, username, password):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def from_address(app, address):
    return TestClient(app, client=(address, 40000))


def audit(context, action):
    with context.reader() as s:
        return list(s.scalars(select(AccessRecord).where(AccessRecord.action == action)))


@pytest.fixture
def strict(context):
    s = context.settings
    s.login_max_failures, s.login_account_max_failures, s.login_account_min_addresses = 3, 6, 3
    s.login_delay_after, s.login_delay_max_seconds = 1, 0.0
    return s


def test_delays_grow_and_are_capped(settings):
    settings.login_delay_after, settings.login_delay_max_seconds = 2, 1.0
    assert [throttle.delay_for(settings, n) for n in range(6)] == [0, 0, 0.25, 0.5, 1.0, 1.0]


def test_failed_answers_are_delayed(client, users, context):
    context.settings.login_delay_after, context.settings.login_delay_max_seconds = 1, 0.3
    agent, _ = users("agent")
    assert login(client, agent.username, "wrong-1").status_code == 401
    started = time.monotonic()
    assert login(client, agent.username, "wrong-2").status_code == 401
    assert time.monotonic() - started >= 0.25


def test_unknown_disabled_and_locked_accounts_answer_alike(app, users, context, session, strict):
    agent, _ = users("agent")
    disabled, _ = users("agent")
    session.execute(update(User).where(User.id == disabled.id).values(active=False))
    session.commit()
    # Lock the agent's account: failures from three addresses (each under its own address limit).
    for n in range(6):
        with from_address(app, f"10.1.0.{n % 3}") as c:
            assert login(c, agent.username, "wrong").status_code == 401
    with from_address(app, "10.9.9.9") as c:
        answers = [login(c, name, pw) for name, pw in [
            (agent.username, PASSWORD), ("nobody-at-all", PASSWORD), (disabled.username, PASSWORD)]]
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert all(a.json() == BAD for a in answers)
    (locked,) = audit(context, "login_account_locked")
    assert locked.detail["username"] == agent.username and locked.detail["addresses"] == 3


def test_a_locked_account_still_admits_its_owner_from_a_known_address(app, users, context, strict):
    agent, _ = users("agent")
    with from_address(app, "192.168.1.20") as office:
        assert login(office, agent.username, PASSWORD).status_code == 200  # known-good from now on
    for n in range(6):
        with from_address(app, f"10.2.0.{n % 3}") as c:
            login(c, agent.username, "wrong")
    with from_address(app, "10.3.3.3") as stranger:
        assert login(stranger, agent.username, PASSWORD).status_code == 401
    with from_address(app, "192.168.1.20") as office:
        assert login(office, agent.username, PASSWORD).status_code == 200


def test_address_lock_is_audited_once_and_ages_out(app, users, context, strict):
    agent, _ = users("agent")
    with from_address(app, "10.4.0.1") as c:
        codes = [login(c, agent.username, "wrong").status_code for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    (row,) = audit(context, "login_address_locked")
    assert row.client == "10.4.0.1" and row.detail["failures"] == 3
    with context.sessions() as s:  # the window passes
        for attempt in s.scalars(select(LoginAttempt)):
            attempt.at -= timedelta(minutes=context.settings.login_lockout_minutes + 1)
        s.commit()
    with from_address(app, "10.4.0.1") as c:
        assert login(c, agent.username, PASSWORD).status_code == 200


def test_admin_unlocks_an_account(app, client, users, context, strict):
    agent, _ = users("agent")
    _, admin = users("admin")
    _, supervisor = users("supervisor")
    for n in range(6):
        with from_address(app, f"10.5.0.{n % 3}") as c:
            login(c, agent.username, "wrong")
    with from_address(app, "10.6.0.1") as c:
        assert login(c, agent.username, PASSWORD).status_code == 401
    assert client.post(f"/api/v1/users/{agent.id}/unlock", headers=supervisor).status_code == 403
    resp = client.post(f"/api/v1/users/{agent.id}/unlock", headers=admin)
    assert resp.status_code == 200 and resp.json()["id"] == agent.id
    with from_address(app, "10.6.0.1") as c:
        assert login(c, agent.username, PASSWORD).status_code == 200
    (row,) = audit(context, "login_unlocked")
    assert row.actor_role == "admin" and row.detail == {"username": agent.username, "cleared": 6}


def test_admin_unlocks_from_the_console(app, client, users, context, strict):
    from tests.test_console_admin import HX, console_login

    agent, _ = users("agent")
    admin, _ = users("admin")
    for n in range(6):
        with from_address(app, f"10.7.0.{n % 3}") as c:
            login(c, agent.username, "wrong")
    csrf = console_login(client, admin.username)
    page = client.get("/console/admin/users")
    assert "解除登录锁定" in page.text
    done = client.post(f"/console/admin/users/{agent.id}/unlock", headers={"X-CSRF-Token": csrf, **HX})
    assert done.status_code == 200 and "登录锁定已解除" in json.loads(done.headers["HX-Trigger"])["hotline-notice"]
    with from_address(app, "10.8.0.1") as c:
        assert login(c, agent.username, PASSWORD).status_code == 200
    assert len(audit(context, "login_unlocked")) == 1


def test_colleagues_behind_one_address_are_not_locked_out_by_each_others_typos(app, users, context, strict):
    alice, _ = users("agent")
    bob, _ = users("agent")
    with from_address(app, "10.9.0.1") as office:
        assert login(office, alice.username, PASSWORD).status_code == 200  # Alice works here
        for _ in range(3):
            assert login(office, bob.username, "typo").status_code == 401  # Bob mistypes: address locked
        assert login(office, "stranger", PASSWORD).status_code == 429
        assert login(office, alice.username, PASSWORD).status_code == 200  # known here: still admitted
        assert login(office, bob.username, PASSWORD).status_code == 429  # never logged in from here
