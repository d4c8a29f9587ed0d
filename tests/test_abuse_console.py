"""Console 骚扰来电管理: the list pages with filters, supervisor-only actions with CSRF, appeals recorded by
agents, and the caller's record (with a report form) loaded into the ticket page."""

from __future__ import annotations

from abuse import flows, service
from tests.factories import build_org, new_ticket
from tests.test_console_admin import console_login
from ticketing.org.auth import Actor

CALLER = "13800138000"


def test_supervisor_confirms_a_proposal_and_lifts_it_from_the_page(client, users, context):
    agent_user, _ = users("agent")
    boss_user, _ = users("supervisor")
    agent = Actor.of(agent_user)
    flows.report_incident(context, actor=agent, kind="insult", note="第一次", caller=CALLER)
    proposed = flows.report_incident(context, actor=agent, kind="threat", note="第二次", caller=CALLER)["proposed"]

    csrf = console_login(client, agent_user.username)
    page = client.get("/console/abuse")
    assert page.status_code == 200 and "骚扰来电管理" in page.text and "待确认" in page.text
    assert f"/console/abuse/blacklist/{proposed['id']}/confirm" not in page.text   # agents cannot decide
    refused = client.post(f"/console/abuse/blacklist/{proposed['id']}/confirm", data={"csrf_token": csrf})
    assert refused.status_code == 403

    csrf = console_login(client, boss_user.username)
    page = client.get("/console/abuse", params={"status": "proposed"})
    assert f"/console/abuse/blacklist/{proposed['id']}/confirm" in page.text
    assert client.post(f"/console/abuse/blacklist/{proposed['id']}/confirm", data={}).status_code == 403  # no CSRF
    done = client.post(f"/console/abuse/blacklist/{proposed['id']}/confirm",
                       data={"csrf_token": csrf, "reason": "录音核实"}, follow_redirects=False)
    assert done.status_code == 303
    assert flows.screen_caller(context, caller=CALLER).blocked
    active = client.get("/console/abuse", params={"status": "active", "caller": "+86 138 0013 8000"}).text
    assert "生效中" in active and CALLER in active
    assert "待确认" not in client.get("/console/abuse", params={"status": "active"}).text.split('id="blacklist"')[1] \
        .split("</table>")[0]
    client.post(f"/console/abuse/blacklist/{proposed['id']}/lift", data={"csrf_token": csrf, "reason": "领导批示"})
    assert not flows.screen_caller(context, caller=CALLER).blocked
    with context.sessions() as s:
        assert [a.action for a in service.audit_for(s, caller=CALLER)][-2:] == ["confirmed", "lifted"]


def test_agent_records_an_appeal_and_supervisor_decides(client, users, context):
    agent_user, _ = users("agent")
    boss_user, _ = users("supervisor")
    entry = flows.blacklist(context, actor=Actor.of(boss_user), caller=CALLER, days=7, reason="威胁")
    csrf = console_login(client, agent_user.username)
    client.post(f"/console/abuse/blacklist/{entry['id']}/appeal", data={"csrf_token": csrf, "reason": "号码已过户"})
    csrf = console_login(client, boss_user.username)
    page = client.get("/console/abuse", params={"appeal": "pending"}).text
    assert "申诉中：号码已过户" in page
    client.post(f"/console/abuse/blacklist/{entry['id']}/grant", data={"csrf_token": csrf, "reason": "核实"})
    with context.sessions() as s:
        [row] = service.list_entries(s, caller=CALLER)
        assert row.status == "lifted" and row.appeal_status == "granted"


def test_ticket_page_loads_the_callers_record_and_reports_an_incident(client, users, context):
    build_org(context)
    agent_user, headers = users("agent")
    ticket = new_ticket(client, headers, caller_phone="+86 13800138000")
    csrf = console_login(client, agent_user.username)
    page = client.get(f"/console/tickets/{ticket['number']}")
    assert f'hx-get="/console/abuse/tickets/{ticket["number"]}/caller"' in page.text
    record = client.get(f"/console/abuse/tickets/{ticket['number']}/caller")
    assert CALLER in record.text and "暂无骚扰事件" in record.text
    back = client.post("/console/abuse/incidents", follow_redirects=False,
                       headers={"referer": f"http://testserver/console/tickets/{ticket['number']}"},
                       data={"csrf_token": csrf, "kind": "pestering", "note": "反复纠缠同一问题",
                             "ticket_number": ticket["number"]})
    assert back.status_code == 303 and back.headers["location"] == f"/console/tickets/{ticket['number']}"
    record = client.get(f"/console/abuse/tickets/{ticket['number']}/caller").text
    assert "无理纠缠" in record and "反复纠缠同一问题" in record


def test_department_accounts_have_no_abuse_pages(client, users, context):
    org = build_org(context)
    user, _ = users("department", org.street)
    console_login(client, user.username)
    assert client.get("/console/abuse").status_code == 403
