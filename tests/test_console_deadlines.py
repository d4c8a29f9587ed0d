"""系统管理 → 办理时限 (issue 15): an admin picks a locality's rule set, edits it with a reason (audited,
checked for overlaps, said in Chinese), and previews all three nested limits."""

from __future__ import annotations

from sqlalchemy import select

from tests.test_console_admin import HX, console_login
from ticketing.deadlines.models import DeadlineRuleChange


def test_admin_edits_a_locality_rule_set(client, users, context):
    admin, _ = users("admin")
    csrf = console_login(client, admin.username)
    post = {"headers": {"X-CSRF-Token": csrf, **HX}}
    page = client.get("/console/admin/deadlines", params={"locality": "chongming"})
    assert page.status_code == 200
    assert "崇明 办不成事“1-3-5”" in page.text and "1个工作日内联系群众" in page.text
    assert 'id="rule-handle-any-normal-complex-any"' in page.text and "预设" in page.text
    assert "规则集：default" not in page.text and "系统默认" in page.text  # the select names sets in Chinese

    saved = client.post("/console/admin/deadlines/rules", data={
        "locality": "chongming", "kind": "handle", "urgency": "normal", "complexity": "complex", "unit": "working_days",
        "amount": "7", "reason": "区里延长复杂事项时限"}, **post)
    assert saved.status_code == 200, saved.text
    assert "已调整" in saved.text and "区里延长复杂事项时限" in saved.text and "办结时限·全部类型·非紧急·复杂·全部渠道" in saved.text
    with context.sessions() as s:
        change = s.scalars(select(DeadlineRuleChange)).one()
        assert (change.locality, change.actor_name, change.after) == ("chongming", admin.display_name,
                                                                       {"unit": "working_days", "amount": 7})

    overlap = client.post("/console/admin/deadlines/rules", data={
        "locality": "chongming", "kind": "handle", "urgency": "normal", "channel": "web", "unit": "working_days",
        "amount": "2"}, **post)
    assert overlap.status_code == 422 and "重叠" in overlap.text and "受理渠道" not in overlap.text
    assert "办结时限·全部类型·非紧急·全部渠道" not in overlap.text and "网站" in overlap.text
    with context.sessions() as s:
        assert len(s.scalars(select(DeadlineRuleChange)).all()) == 1  # nothing written

    preview = client.get("/console/admin/deadlines/preview", params={
        "accepted_at": "2026-11-04T10:00", "urgency": "normal", "complexity": "complex", "locality": "chongming"})
    assert "2026-11-13 23:59" in preview.text and "2026-11-05 23:59" in preview.text and "答复到期" in preview.text
    later = client.get("/console/admin/deadlines/preview", params={"accepted_at": "2031-05-06T10:00"})
    assert "2031 年的法定节假日尚未公布" in later.text

    undone = client.post("/console/admin/deadlines/rules/delete", data={
        "locality": "chongming", "kind": "handle", "urgency": "normal", "complexity": "complex", "reason": "恢复"}, **post)
    assert undone.status_code == 200 and "已调整" not in undone.text.split("修改记录")[0]
    bad = client.post("/console/admin/deadlines/rules", data={
        "locality": "chongming", "kind": "handle", "urgency": "normal", "complexity": "hard", "unit": "hours",
        "amount": "2"}, **post)
    assert bad.status_code == 422 and "复杂程度" in bad.text


def test_a_missed_first_contact_shows_on_the_case_page_and_in_the_api(client, users, context):
    from tests.factories import new_ticket
    from tests.test_console_workbench import console_login as login_user

    agent, agent_h = users("agent")
    # accepted long before any run of the suite: every limit is missed, and the first contact shows it
    case = new_ticket(client, agent_h, accepted_at="2025-11-03T09:00:00+08:00")
    body = client.get(f"/api/v1/tickets/{case['number']}", headers=agent_h).json()
    assert body["lights"]["first_contact"] == "red" and body["light"] == "red"
    assert body["complexity"] == "general" and body["rule_set"] == "default"
    assert body["first_contact_due_at"] <= body["reply_due_at"] <= body["due_at"]
    login_user(client, agent)
    page = client.get(f"/console/tickets/{case['number']}")
    assert page.status_code == 200
    assert '<dd data-limit="first_contact"><span class="light red" aria-hidden="true"></span> 红灯' in page.text
    assert "复杂程度" in page.text and "答复时限" in page.text


def test_agent_sets_complexity_at_triage_and_changes_it_only_with_a_reason(client, users, context):
    from tests.factories import new_ticket
    from tests.test_console_workbench import console_login as login_user

    agent, agent_h = users("agent")
    number = new_ticket(client, agent_h)["number"]
    headers = login_user(client, agent)
    first = client.post(f"/console/tickets/{number}/triage", headers=headers,
                        data={"ticket_type": "complaint", "urgency": "normal", "complexity": "simple"})
    assert first.status_code == 200, first.text
    assert "修改需在备注中写明原因" in client.get(f"/console/tickets/{number}").text
    refused = client.post(f"/console/tickets/{number}/triage", headers=headers,
                          data={"ticket_type": "complaint", "urgency": "normal", "complexity": "complex"})
    assert refused.status_code == 422
    changed = client.post(f"/console/tickets/{number}/triage", headers=headers,
                          data={"ticket_type": "complaint", "urgency": "normal", "complexity": "complex",
                                "note": "涉及住建和城管两个部门"})
    assert changed.status_code == 200
    body = client.get(f"/api/v1/tickets/{number}", headers=agent_h).json()
    assert body["complexity"] == "complex"
    events = client.get(f"/api/v1/tickets/{number}/events", headers=agent_h).json()
    assert events[-1]["changes"]["complexity"] == ["simple", "complex"] and events[-1]["note"] == "涉及住建和城管两个部门"


def test_history_says_limits_and_rule_sets_in_chinese():
    from agent_console.views_ticket import LABELS, _show

    limits = {"first_contact": {"unit": "hours", "amount": 2}, "handle": {"unit": "working_days", "amount": 3}}
    assert _show(limits, {}, "limits") == "首次联系时限 2 小时；办结时限 3 个工作日"
    assert (LABELS["limits"], LABELS["complexity"], LABELS["limit"]) == ("所用时限规则", "复杂程度", "超期的时限")
    assert _show("chongming", {}, "rule_set") == "崇明" and _show("first_contact", {}, "limit") == "首次联系"
