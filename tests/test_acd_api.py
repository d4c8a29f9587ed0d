"""ACD contracts: POST/GET /api/v1/acd/state, GET /api/v1/acd/stats, the 漏接回拨 routes, daily figures, roles;
and `hotline agent-phone set/list`."""

from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner

from acd import flows, phones
from acd.models import AgentPhone, MissedCallback
from hotline.settings import get_settings
from wiring.cli import main

BASE = "/api/v1/acd"


def test_agent_sets_state_and_409_on_an_invalid_change(client, users, context):
    agent, headers = users("agent")
    r = client.post(f"{BASE}/state", json={"state": "available"}, headers=headers)
    assert r.status_code == 409 and "agent phone" in r.json()["message"]  # no phone yet
    phones.set_phone(context, username=agent.username, extension="8001", password="pass-word-1")
    r = client.post(f"{BASE}/state", json={"state": "available"}, headers=headers)
    assert r.status_code == 200 and r.json()["state"] == "available"
    r = client.post(f"{BASE}/state", json={"state": "available"}, headers=headers)
    assert r.status_code == 409 and r.json()["error"] == "invalid_transition"
    assert "available" in r.json()["message"]
    assert client.post(f"{BASE}/state", json={"state": "on_call"}, headers=headers).status_code == 422
    assert client.post(f"{BASE}/state", json={"state": "on_break"}, headers=headers).status_code == 422  # reason
    r = client.post(f"{BASE}/state", json={"state": "on_break", "reason": "培训"}, headers=headers)
    assert r.json()["state"] == "on_break" and r.json()["reason"] == "培训"
    assert client.get(f"{BASE}/state", headers=headers).json()["reason"] == "培训"
    assert client.post(f"{BASE}/state", json={"state": "available"}).status_code == 401
    _, dept = users("department")
    assert client.post(f"{BASE}/state", json={"state": "available"}, headers=dept).status_code == 403


def test_stats_callbacks_and_daily_over_the_api(client, users, context):
    agent, headers = users("agent")
    _, boss = users("supervisor")
    phones.set_phone(context, username=agent.username, extension="8001", password="pass-word-1")
    client.post(f"{BASE}/state", json={"state": "available"}, headers=headers)
    answered = flows.queue_caller(context, caller="13800138000")["queue_call_id"]
    flows.answered(context, queue_call_id=answered, agent_user_id=agent.id)
    gone = flows.queue_caller(context, caller="13900139000")["queue_call_id"]
    flows.caller_left(context, queue_call_id=gone)
    body = client.get(f"{BASE}/stats", headers=headers).json()
    for key in ("offered", "answered", "abandoned", "service_level", "answer_rate", "asa_seconds", "aht_seconds",
                "longest_wait_seconds", "agents_by_state"):
        assert key in body
    assert (body["offered"], body["answered"], body["abandoned"]) == (2, 1, 1)
    assert body["service_level"] == 0.5 and body["answer_rate"] == 0.5 and body["agents_by_state"]["on_call"] == 1

    listed = client.get(f"{BASE}/callbacks", params={"status": "pending"}, headers=headers).json()
    assert [c["caller"] for c in listed] == ["13900139000"]
    r = client.post(f"{BASE}/callbacks/{listed[0]['id']}", json={"outcome": "reached", "note": "已回拨"},
                    headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["handled_by"] == agent.id
    assert client.post(f"{BASE}/callbacks/{listed[0]['id']}", json={"outcome": "reached"},
                       headers=headers).status_code == 409
    assert client.post(f"{BASE}/callbacks/{listed[0]['id']}", json={"outcome": "?"}, headers=headers).status_code == 422
    assert client.post(f"{BASE}/callbacks/9999", json={"outcome": "busy"}, headers=headers).status_code == 404
    assert client.get(f"{BASE}/callbacks", params={"status": "x"}, headers=headers).status_code == 422

    from acd import sweep

    sweep.sweep(context)
    day = body["day"]
    assert client.get(f"{BASE}/daily", params={"start": day, "end": day}, headers=headers).status_code == 403
    rows = client.get(f"{BASE}/daily", params={"start": day, "end": day}, headers=boss).json()
    assert rows[0]["offered"] == 2 and rows[0]["abandoned"] == 1
    assert [a["extension"] for a in client.get(f"{BASE}/agents", headers=boss).json()] == ["8001"]


def test_cli_sets_a_phone_with_a_generated_password_and_lists_it(settings, context, users):
    agent, _ = users("agent")
    env = {"HOTLINE_DATABASE_URL": settings.database_url, "HOTLINE_DATA_DIR": str(settings.data_dir)}

    def run(*args):
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        finally:
            get_settings.cache_clear()

    result = run("agent-phone", "set", agent.username, "--extension", "8001", "--skill", "urgent")
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].strip()
    with context.sessions() as s:
        phone = s.query(AgentPhone).one()
        assert phone.ha1 == phones.digest_ha1(agent.username, "hotline", password)
    result = run("agent-phone", "set", agent.username, "--extension", "8002", "--password", "my-own-pass")
    assert result.exit_code == 0 and "password:" not in result.output
    bad = run("agent-phone", "set", "nobody", "--extension", "8003")
    assert bad.exit_code != 0 and "no active user" in bad.output
    listed = json.loads(run("agent-phone", "list", "--json").stdout)
    assert [(r["extension"], r["skills"], r["state"]) for r in listed] == [("8002", ["urgent"], "logged_out")]
    assert "8002" in run("agent-phone", "list").output


def test_beat_runs_the_acd_sweep_task(settings, context, monkeypatch):
    from acd import stats, tasks
    from wiring.celery_app import TASK_MODULES, make_celery

    assert "acd.tasks" in TASK_MODULES
    conf = make_celery(settings).conf
    assert conf.beat_schedule["sweep-acd"] == {"task": "acd.sweep", "schedule": settings.acd_sweep_seconds}
    assert tasks.sweep.name == "acd.sweep"
    flows.queue_caller(context, caller="13800138000")
    monkeypatch.setattr(tasks, "worker_context", lambda: context)
    assert tasks.sweep.run() == {"actions": 0}
    assert tasks.sweep.run() == {"actions": 0}  # idempotent
    today = stats.stats(context)["day"]
    rows = stats.daily(context, start=date.fromisoformat(today), end=date.fromisoformat(today))
    assert [r["offered"] for r in rows] == [1]


def test_callback_numbers_are_masked_for_roles_that_may_not_see_callers(client, users, context):
    from tests.test_console_admin import console_login

    agent, headers = users("agent")
    _, boss = users("supervisor")
    context.settings.roles_seeing_caller = ["supervisor", "admin"]
    call = flows.queue_caller(context, caller="13800138000")["queue_call_id"]
    flows.caller_left(context, queue_call_id=call)
    seen = client.get(f"{BASE}/callbacks", headers=headers).json()[0]
    assert seen["caller"] != "13800138000" and seen["caller"].startswith("138")
    assert client.get(f"{BASE}/callbacks", headers=boss).json()[0]["caller"] == "13800138000"
    marked = client.post(f"{BASE}/callbacks/{seen['id']}", json={"outcome": "busy"}, headers=headers).json()
    assert marked["caller"] == seen["caller"]
    console_login(client, agent.username)
    page = client.get("/console/acd").text
    assert seen["caller"] in page and "13800138000" not in page
    with context.sessions() as s:  # masking never reaches the database
        assert s.query(MissedCallback).one().caller == "13800138000"
