"""Server side of the department workbench, the supervision desk and the dashboard: CSRF, who may see what,
escaping of what callers say, and htmx feedback."""

from __future__ import annotations

import json
import re

import pytest

from agent_console.session import COOKIE, csrf_for
from ticketing import flows
from ticketing.enums import Role
from ticketing.org.auth import Actor
from ticketing.schemas import DispatchIn, TicketCreate, TriageIn
from tests.factories import build_org

AGENT = Actor(id=None, role=Role.AGENT, name="agent")
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def console_login(client, user) -> dict[str, str]:
    """Log in through the form; returns the htmx headers (CSRF) for this session."""
    client.cookies.clear()
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    response = client.post("/console/login", data={"username": user.username, "password": "secret-pass-1",
                                                   "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return {"X-CSRF-Token": csrf_for(client.cookies[COOKIE]), "HX-Request": "true"}


def dispatched(context, lead: int, content: str = "路灯坏了") -> str:
    number = flows.create_ticket(context, data=TicketCreate(channel="phone", ticket_type="complaint",
                                                            content=content, caller_phone="13812345678"),
                                 actor=AGENT)
    flows.triage(context, number=number, data=TriageIn(), actor=AGENT)
    flows.dispatch(context, number=number, data=DispatchIn(lead_department_id=lead), actor=AGENT)
    return number


@pytest.fixture
def org(context):
    return build_org(context)


def test_workbench_lists_own_cases_escapes_text_and_masks_caller(client, context, org, users):
    mine = dispatched(context, org.housing, content=HOSTILE)
    theirs = dispatched(context, org.other)
    user, _ = users("department", org.housing)
    console_login(client, user)
    page = client.get("/console/workbench")
    assert page.status_code == 200
    assert mine in page.text and theirs not in page.text
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    case = client.get(f"/console/workbench/{mine}")
    assert case.status_code == 200
    assert "<script>alert" not in case.text and "&lt;img src=x" in case.text
    assert "13812345678" not in case.text and "138****5678" in case.text
    assert 'data-action="accept"' in case.text and 'data-action="reply"' not in case.text

    other = client.get(f"/console/workbench/{theirs}")
    assert other.status_code == 404 and "未找到，或无权查看" in other.text


def test_actions_need_csrf_and_stay_in_the_department(client, context, org, users):
    mine = dispatched(context, org.housing)
    theirs = dispatched(context, org.other)
    user, _ = users("department", org.housing)
    headers = console_login(client, user)

    refused = client.post(f"/console/workbench/{mine}/accept")
    assert refused.status_code == 403 and "无权进行此操作" in refused.text
    assert client.post(f"/console/workbench/{mine}/accept", headers={"X-CSRF-Token": "forged"}).status_code == 403

    done = client.post(f"/console/workbench/{mine}/accept", headers=headers)
    assert done.status_code == 200
    assert json.loads(done.headers["HX-Trigger"]) == {"hotline-notice": "已签收"}
    assert 'id="wb-case"' in done.text and 'data-action="reply"' in done.text
    again = client.post(f"/console/workbench/{mine}/accept", headers=headers)
    assert again.status_code == 409 and "toast error" in again.text

    assert client.post(f"/console/workbench/{theirs}/accept", headers=headers).status_code == 404
    assert client.post(f"/console/workbench/{theirs}/note", data={"note": "x"}, headers=headers).status_code == 404

    short = client.post(f"/console/workbench/{mine}/return", data={"reason": "x"}, headers=headers)
    assert short.status_code == 422 and "理由" in short.text
    bad = client.post(f"/console/workbench/{mine}/extension", data={"working_days": "abc", "reason": "需要协调"},
                      headers=headers)
    assert bad.status_code == 422 and "延期工作日" in bad.text
    ok = client.post(f"/console/workbench/{mine}/extension", data={"working_days": "2", "reason": "需要协调"},
                     headers=headers)
    assert ok.status_code == 200 and 'data-extension="pending"' in ok.text
    assert 'data-action="extension"' not in ok.text  # one pending request at a time


def test_roles_reach_only_their_pages(client, context, org, users):
    dept, _ = users("department", org.housing)
    boss, _ = users("supervisor")
    agent, _ = users("agent")
    console_login(client, dept)
    for path in ("/console/supervision", "/console/dashboard"):
        assert client.get(path).status_code == 403
    console_login(client, agent)
    assert client.get("/console/workbench").status_code == 403
    assert client.get("/console/dashboard").status_code == 403
    headers = console_login(client, boss)
    assert client.get("/console/supervision").status_code == 200
    number = dispatched(context, org.housing)
    assert client.post(f"/console/workbench/{number}/accept", headers=headers).status_code == 403


def test_supervisor_reviews_return_and_dashboard_matches_report(client, context, org, users):
    number = dispatched(context, org.housing, content=HOSTILE)
    dept, _ = users("department", org.housing)
    boss, boss_api = users("supervisor")
    headers = console_login(client, dept)
    client.post(f"/console/workbench/{number}/return", headers=headers,
                data={"reason": f"不属于本单位 {HOSTILE}", "suggested_department_id": str(org.other)})

    headers = console_login(client, boss)
    desk = client.get("/console/supervision")
    assert f'data-return="{number}"' in desk.text and "<script>alert" not in desk.text
    missing = client.post(f"/console/supervision/returns/{number}", data={"decision": "uphold"}, headers=headers)
    assert missing.status_code == 422 and "改派单位" in missing.text
    done = client.post(f"/console/supervision/returns/{number}", headers=headers,
                       data={"decision": "uphold", "new_department_id": str(org.other), "note": "同意"})
    assert done.status_code == 200 and f'data-return="{number}"' not in done.text
    assert "已改派至" in json.loads(done.headers["HX-Trigger"])["hotline-notice"]

    found = client.get("/console/supervision/case", params={"number": number}, headers=headers)
    assert "督办意见" in found.text
    pressed = client.post(f"/console/supervision/case/{number}/supervise", data={"note": "请加快"}, headers=headers)
    assert pressed.status_code == 200 and "督办 1 次" in pressed.text

    board = client.get("/console/dashboard", params={"period": "7d"})
    api = client.get("/api/v1/reports/departments", params={"period": "7d"}, headers=boss_api).json()
    for d in api["departments"]:
        row = re.search(rf'<tr data-department="{d["department_id"]}".*?</tr>', board.text, re.S)[0]
        assert f'<td data-field="dispatched">{d["dispatched"]}</td>' in row
        assert f'<td data-field="responded">{d["responded"]}</td>' in row
    assert 'id="chart-rates"' in board.text
    wrong = client.get("/console/dashboard", params={"period": "custom", "start": "2026-02-01", "end": "2026-01-01"})
    assert wrong.status_code == 200 and "统计期间有误" in wrong.text
