"""Console part 3 on the server side: admin-only pages, CSRF on every write, inert caller/author text in the
knowledge base, Chinese validation messages, and admin edits reaching the domain (rules → due dates)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from ivr.prompts import DEFAULT_PROMPTS
from tests.factories import build_org, new_ticket

ADMIN_PAGES = ["/console/admin", "/console/admin/users", "/console/admin/departments", "/console/admin/catalogue",
               "/console/admin/deadlines", "/console/admin/holidays", "/console/admin/ivr"]
HX = {"HX-Request": "true"}
XSS_Q = "<script>alert('q')</script>路灯报修"
XSS_A = "路灯坏了请拨打<img src=x onerror=alert(1)>，夜间<b>抢修</b>"


def console_login(client, username: str) -> str:
    """Sign in through the login form; returns the session's CSRF token (from the page's meta tag)."""
    client.cookies.clear()
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    landed = client.post("/console/login", data={"username": username, "password": "secret-pass-1",
                                                 "csrf_token": token})
    assert landed.status_code == 200, landed.text
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', landed.text).group(1)


@pytest.mark.parametrize("role", ["agent", "supervisor", "department"])
def test_admin_pages_and_writes_are_for_admins_only(client, users, context, role):
    org = build_org(context)
    user, _ = users(role, org.street if role == "department" else None)
    csrf = console_login(client, user.username)
    for path in ADMIN_PAGES:
        page = client.get(path)
        assert page.status_code == 403, path
        assert "无权进行此操作" in page.text and "Traceback" not in page.text
    denied = client.post("/console/admin/ivr/menu", data={"text": "被篡改", "csrf_token": csrf})
    assert denied.status_code == 403
    rule = client.post("/console/admin/deadlines/rules", headers={"X-CSRF-Token": csrf, **HX},
                       data={"kind": "handle", "urgency": "normal", "unit": "working_days", "amount": "9"})
    assert rule.status_code == 403 and 'class="toast error"' in rule.text
    with context.sessions() as s:
        from ivr.prompts import get_prompts
        from ticketing.deadlines.service import list_rules

        assert get_prompts(s)["menu"] == DEFAULT_PROMPTS["menu"] and list_rules(s) == []


def test_admin_writes_need_the_sessions_csrf_token(client, users):
    admin, _ = users("admin")
    csrf = console_login(client, admin.username)
    assert client.get("/console/admin/ivr").status_code == 200
    for headers in ({}, {"X-CSRF-Token": "0" * 64}):
        refused = client.post("/console/admin/ivr/menu", data={"text": "伪造的菜单"}, headers=headers)
        assert refused.status_code == 403 and "无权进行此操作" in refused.text
    assert DEFAULT_PROMPTS["menu"] in client.get("/console/admin/ivr").text
    saved = client.post("/console/admin/ivr/menu", data={"text": "新菜单：咨询请按2。"},
                        headers={"X-CSRF-Token": csrf, **HX})
    assert saved.status_code == 200 and "新菜单：咨询请按2。" in saved.text
    assert "hotline-notice" in saved.headers["HX-Trigger"]
    too_long = client.post("/console/admin/ivr/menu", data={"text": "长" * 301},
                           headers={"X-CSRF-Token": csrf, **HX})
    assert too_long.status_code == 422 and "提示音文本不能超过 300 个字" in too_long.text
    assert client.post("/console/kb/new", data={"question": "问", "answer": "答"}).status_code == 403


def test_kb_search_escapes_article_text_and_marks_matches(client, users):
    supervisor, _ = users("supervisor")
    agent, _ = users("agent")
    csrf = console_login(client, supervisor.username)
    created = client.post("/console/kb/new", data={"question": XSS_Q, "answer": XSS_A, "tags": "路灯，<i>市政</i>",
                                                   "active": "1", "csrf_token": csrf}, follow_redirects=False)
    assert created.status_code == 303
    article_url = created.headers["location"].split("?")[0]
    for who in (supervisor, agent):
        console_login(client, who.username)
        for url in ("/console/kb?q=路灯", "/console/kb", article_url):
            html = client.get(url).text
            assert "<script>alert" not in html and "<img src=x" not in html and "<b>抢修" not in html, url
            assert "&lt;img src=x onerror=alert(1)&gt;" in html, url
        hits = client.get("/console/kb/results", params={"q": "路灯"}, headers=HX).text
        assert "<mark>路灯</mark>" in hits and "&lt;script&gt;" in hits and "共 1 条" in hits
        assert "&lt;i&gt;市政&lt;/i&gt;" in hits


def test_kb_editor_reports_problems_in_chinese_and_only_writers_edit(client, users):
    supervisor, _ = users("supervisor")
    csrf = console_login(client, supervisor.username)
    base = {"question": "公积金怎么提取？", "answer": "携带身份证到公积金中心办理。", "csrf_token": csrf, "active": "1"}
    bad_dates = client.post("/console/kb/new", data=base | {"valid_from": "2026-05-01", "valid_until": "2026-04-01"})
    assert bad_dates.status_code == 422 and "失效日期不能早于生效日期" in bad_dates.text
    assert 'value="公积金怎么提取？"' in bad_dates.text  # what was typed is kept
    empty = client.post("/console/kb/new", data=base | {"answer": "  "}, headers=HX)
    assert empty.status_code == 200 and "不能为空" in empty.text and 'id="kb-form"' in empty.text
    ok = client.post("/console/kb/new", data=base, headers=HX)
    assert ok.status_code == 200 and "已新建知识库条目" in ok.headers["HX-Trigger"].encode().decode("unicode_escape")
    article_id = int(re.search(r"/console/kb/(\d+)", ok.headers["HX-Push-Url"]).group(1))
    off = client.post(f"/console/kb/{article_id}/deactivate", headers={"X-CSRF-Token": csrf, **HX})
    assert off.status_code == 200 and "已停用" in off.text
    assert "共 0 条" in client.get("/console/kb/results", params={"q": "公积金"}, headers=HX).text
    assert "共 1 条" in client.get("/console/kb/results", params={"q": "公积金", "status": "inactive"}).text

    agent, _ = users("agent")
    agent_csrf = console_login(client, agent.username)
    assert client.get("/console/kb/new").status_code == 403
    assert 'name="answer"' not in client.get(f"/console/kb/{article_id}").text
    edit = client.post(f"/console/kb/{article_id}", data=base | {"csrf_token": agent_csrf})
    assert edit.status_code == 403
    department, _ = users("department", None)
    console_login(client, department.username)
    assert client.get("/console/kb").status_code == 403


def test_admin_rule_edit_reaches_new_tickets_and_errors_read_in_chinese(client, users, context):
    build_org(context)
    admin, _ = users("admin")
    _, agent_h = users("agent")
    csrf = console_login(client, admin.username)
    post = {"headers": {"X-CSRF-Token": csrf, **HX}}
    accepted = "2025-03-03T10:00:00+08:00"  # a Monday; no holiday in the following fortnight
    before = new_ticket(client, agent_h, accepted_at=accepted)
    assert datetime.fromisoformat(before["due_at"]).date().isoformat() == "2025-03-06"  # default: 3 working days
    saved = client.post("/console/admin/deadlines/rules", data={
        "kind": "handle", "ticket_type": "", "urgency": "normal", "unit": "working_days", "amount": "5"}, **post)
    assert saved.status_code == 200 and 'value="5"' in saved.text
    after = new_ticket(client, agent_h, accepted_at=accepted)
    assert datetime.fromisoformat(after["due_at"]).astimezone(context.settings.tz).isoformat() == \
        "2025-03-10T23:59:59+08:00"
    preview = client.get("/console/admin/deadlines/preview", params={"accepted_at": "2025-03-03T10:00",
                                                                     "urgency": "normal"})
    assert "2025-03-10 23:59" in preview.text and "5 个工作日" in preview.text
    bad = client.post("/console/admin/deadlines/rules", data={
        "kind": "handle", "urgency": "normal", "unit": "working_days", "amount": "5000"}, **post)
    assert bad.status_code == 422 and "时限数值须为 0 到 1000 之间的整数" in bad.text

    client.post("/console/admin/users", data={"username": "dup.user", "role": "agent",
                                              "password": "long-enough-1"}, **post)
    dup = client.post("/console/admin/users", data={"username": "dup.user", "role": "agent",
                                                    "password": "long-enough-1"}, **post)
    assert dup.status_code == 409 and "用户名已被使用" in dup.text
    orphan = client.post("/console/admin/users", data={"username": "no.dept", "role": "department",
                                                       "password": "long-enough-1"}, **post)
    assert orphan.status_code == 422 and "承办单位账号必须选择所属单位" in orphan.text
    last_admin = client.post(f"/console/admin/users/{admin.id}/deactivate", **post)
    assert last_admin.status_code == 409 and "最后一个启用的管理员" in last_admin.text
