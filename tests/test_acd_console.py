"""Console 话务排队 (zh-CN): the agent's state switcher with CSRF, the 漏接回拨 list worked from the page,
agent phones for admins (a generated password shown once), and the supervisors' wallboard with its JSON."""

from __future__ import annotations

from acd import flows, phones
from acd.models import AgentPhone, MissedCallback
from tests.test_console_admin import console_login


def test_agent_switches_state_and_works_the_callback_list(client, users, context):
    agent, _ = users("agent")
    csrf = console_login(client, agent.username)
    page = client.get("/console/acd")
    assert page.status_code == 200 and "话务排队" in page.text and "尚未为您配置坐席电话" in page.text
    phones.set_phone(context, username=agent.username, extension="8001", password="pass-word-1")
    page = client.get("/console/acd")
    assert "未签入" in page.text and "示闲（接听来电）" in page.text
    assert client.post("/console/acd/state", data={"state": "available"}).status_code == 403  # no CSRF
    done = client.post("/console/acd/state", data={"state": "available", "csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert 'data-agent-state="available"' in client.get("/console/acd").text
    refused = client.post("/console/acd/state", data={"state": "available", "csrf_token": csrf})
    assert refused.status_code == 409 and "当前状态不允许此操作" in refused.text
    client.post("/console/acd/state", data={"state": "on_break", "reason": "用餐", "csrf_token": csrf})
    assert "小休</strong>（用餐）" in client.get("/console/acd").text

    call = flows.queue_caller(context, caller="13800138000")["queue_call_id"]
    flows.caller_left(context, queue_call_id=call)
    page = client.get("/console/acd")
    assert "13800138000" in page.text and "待回拨" in page.text
    with context.sessions() as s:
        cb = s.query(MissedCallback).one().id
    client.post(f"/console/acd/callbacks/{cb}", data={"outcome": "reached", "note": "已答复", "csrf_token": csrf})
    assert "暂无漏接来电" in client.get("/console/acd").text  # pending filter: nothing left
    assert "已回拨接通：已答复" in client.get("/console/acd", params={"status": "done"}).text
    assert client.get("/console/acd/wallboard").status_code == 403  # supervisors only
    assert 'action="/console/acd/phones"' not in page.text


def test_admin_sets_a_phone_and_sees_the_password_once(client, users, context):
    admin, _ = users("admin")
    agent, _ = users("agent")
    csrf = console_login(client, admin.username)
    page = client.post("/console/acd/phones", data={"username": agent.username, "extension": "8009",
                                                    "skills": "urgent，dialect:粤语", "csrf_token": csrf})
    assert page.status_code == 200 and "仅显示一次" in page.text
    password = page.text.split("<code>")[1].split("</code>")[0]
    with context.sessions() as s:
        assert s.query(AgentPhone).one().ha1 == phones.digest_ha1(agent.username, "hotline", password)
    listed = client.get("/console/acd").text
    assert "8009" in listed and "dialect:粤语" in listed and password not in listed
    bad = client.post("/console/acd/phones", data={"username": "nobody", "extension": "8010", "csrf_token": csrf})
    assert bad.status_code == 404


def test_wallboard_shows_the_figures_and_refreshes_from_a_static_script(client, users, context):
    boss, _ = users("supervisor")
    agent, _ = users("agent")
    phones.set_phone(context, username=agent.username, extension="8001", password="pass-word-1")
    flows.set_state(context, user_id=agent.id, state="available")
    flows.queue_caller(context, caller="13800138000")
    console_login(client, boss.username)
    page = client.get("/console/acd/wallboard")
    assert page.status_code == 200 and "话务大屏" in page.text and "服务水平（15 秒内接通 ÷ 呼入）" in page.text
    assert "接通率" in page.text and "振铃中" in page.text
    assert '<script src="/static/acd.js" defer></script>' in page.text
    body = page.text.split("<main")[1]
    assert "<script" not in body  # no inline script (a strict CSP is coming)
    data = client.get("/console/acd/wallboard.json").json()
    assert data["offered"] == 1 and data["agents_by_state"]["ringing"] == 1 and data["waiting"] == 1
    script = client.get("/static/acd.js")
    assert script.status_code == 200 and "textContent" in script.text and "innerHTML" not in script.text
    figures = {line.split('data-figure="')[1].split('"')[0] for line in page.text.splitlines() if 'data-figure="' in line}
    assert figures - {"as_of"} <= set(data) | {f"agents_by_state.{k}" for k in data["agents_by_state"]}


def test_header_switcher_loads_by_htmx_and_switches_state(client, users, context):
    agent, _ = users("agent")
    csrf = console_login(client, agent.username)
    assert 'hx-get="/console/acd/me"' in client.get("/console/acd").text
    assert client.get("/console/acd/me").text.strip() == ""  # no phone: nothing in the header
    phones.set_phone(context, username=agent.username, extension="8001", password="pass-word-1")
    fragment = client.get("/console/acd/me").text
    assert "坐席：未签入" in fragment and "示闲" in fragment
    switched = client.post("/console/acd/state", data={"state": "available"},
                           headers={"HX-Request": "true", "X-CSRF-Token": csrf})
    assert switched.status_code == 200 and "坐席：空闲" in switched.text and "示忙" in switched.text
    refused = client.post("/console/acd/state", data={"state": "available"},
                          headers={"HX-Request": "true", "X-CSRF-Token": csrf})
    assert refused.status_code == 409 and "当前状态不允许此操作" in refused.text  # a toast, not a page
