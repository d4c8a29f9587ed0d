"""回访管理 console page: supervisors see visits in progress, failed and dissatisfied ones with their attempts,
unmatched SMS replies (attach to a visit or dismiss), the opt-out list (add, remove) and the audit trail;
other roles are refused. The ticket page loads the case's 回访记录."""

from __future__ import annotations

import re

from callbacks import flows, schedule
from tests.callbacks_support import PHONE, Runner, closed_case, ticket_of, visit_of
from tests.test_console_admin import console_login


def login(client, user) -> None:
    client.cookies.clear()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/login").text)[1]
    response = client.post("/console/login", data={"username": user.username, "password": "secret-pass-1",
                                                   "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text


def section(page: str, title: str) -> str:
    return page.split(f'data-section="{title}"', 1)[1].split("</table>", 1)[0]


def test_supervisor_page_lists_due_failed_and_dissatisfied_visits(client, context, users, queue):
    context.settings.visit_call_attempts, context.settings.visit_sms_attempts = 1, 0
    unhappy, unreachable = closed_case(context, users), closed_case(context, users, "139 0000 0001")
    runner = Runner(context, queue)
    runner.outbound.script(PHONE, "answered", "5")
    runner.outbound.script("13900000001", "busy")
    runner.sweep()   # the first is rated 非常不满意, the second was busy
    runner.sweep()   # no SMS configured: the second is unreachable
    waiting = closed_case(context, users, "139 0000 0002")
    schedule.schedule_closed(context)  # scheduled, not yet due
    supervisor, _ = users("supervisor")
    login(client, supervisor)
    page = client.get("/console/visits")
    assert page.status_code == 200 and 'href="/console/visits"' in page.text
    assert unhappy in section(page.text, "不满意") and "非常不满意" in section(page.text, "不满意")
    assert "按键5" in section(page.text, "不满意")
    failed = section(page.text, "回访失败")
    assert unreachable in failed and "占线" in failed and unhappy not in failed
    assert waiting in section(page.text, "待回访") and unhappy not in section(page.text, "待回访")
    one = client.get("/console/visits", params={"number": unhappy})
    assert unhappy in section(one.text, "本工单回访") and unreachable not in one.text
    agent, _ = users("agent")
    login(client, agent)
    refused = client.get("/console/visits")
    assert refused.status_code == 403 and unhappy not in refused.text


def test_unmatched_reply_is_shown_escaped_and_attached_to_a_late_visit(client, context, users, queue):
    context.settings.visit_call_attempts = 0
    number = closed_case(context, users)
    runner = Runner(context, queue)
    runner.sweep()
    runner.sweep()  # no reply in time: unreachable
    flows.handle_reply(context, phone=PHONE, body="<b>5</b> 太晚了", message_ref="SMlate1")
    flows.handle_reply(context, phone="13900000009", body="<script>alert('x')</script>", message_ref="SMjunk")
    supervisor, _ = users("supervisor")
    csrf = console_login(client, supervisor.username)
    page = client.get("/console/visits").text
    replies = page.split('id="replies"', 1)[1].split("</table>", 1)[0]
    assert "未匹配回复（2）" in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in replies
    assert "<script>alert" not in page and "&lt;b&gt;5&lt;/b&gt; 太晚了" in replies
    assert f'name="ticket_number" required maxlength="32" value="{number}"' in replies  # the late visit proposed
    reply_id = re.search(r'data-reply="(\d+)"><td[^>]*>[^<]*</td><td class="nowrap">13812345678', replies)[1]

    no_csrf = client.post(f"/console/visits/replies/{reply_id}/attach", data={"ticket_number": number})
    assert no_csrf.status_code == 403 and visit_of(context, number).status == "unreachable"
    done = client.post(f"/console/visits/replies/{reply_id}/attach", follow_redirects=False,
                       data={"csrf_token": csrf, "ticket_number": number, "rating": "", "note": "超时回复"})
    assert done.status_code == 303 and done.headers["location"] == f"/console/visits?number={number}#vs-1-h"
    visit = visit_of(context, number)
    assert (visit.status, visit.rating) == ("done", 1) and ticket_of(context, number).reopen_count == 1
    case = client.get(done.headers["location"]).text
    assert "非常不满意" in section(case, "本工单回访") and "&lt;b&gt;5&lt;/b&gt; 太晚了" in section(case, "本工单回访")

    junk_id = re.search(r'data-reply="(\d+)"', client.get("/console/visits").text.split('id="replies"')[1])[1]
    wrong = client.post(f"/console/visits/replies/{junk_id}/attach", data={"csrf_token": csrf, "ticket_number": number})
    assert wrong.status_code == 422 and "输入有误" in wrong.text  # no rating in it, none chosen
    client.post(f"/console/visits/replies/{junk_id}/dismiss", data={"csrf_token": csrf, "note": "垃圾短信"})
    page = client.get("/console/visits").text
    assert "暂无未匹配回复" in page
    audit = page.split('id="visit-audit"', 1)[1].split("</table>", 1)[0]
    assert "关联回复到回访" in audit and "忽略回复" in audit and "垃圾短信" in audit and "（评价：非常不满意）" in audit
    assert supervisor.display_name in audit


def test_opt_outs_added_and_removed_from_the_page(client, context, users, queue):
    context.settings.visit_call_attempts = 0
    closed_case(context, users, "139 0000 0003")
    Runner(context, queue).sweep()
    flows.handle_reply(context, phone="13900000003", body="退订", message_ref="SMtd")
    supervisor, _ = users("supervisor")
    csrf = console_login(client, supervisor.username)
    listed = client.get("/console/visits").text.split('id="opt-outs"', 1)[1].split("</table>", 1)[0]
    assert "13900000003" in listed and "短信退订" in listed and "来电人" in listed

    assert client.post("/console/visits/opt-outs", data={"phone": PHONE, "reason": "要求"}).status_code == 403
    bad = client.post("/console/visits/opt-outs", data={"csrf_token": csrf, "phone": "abc", "reason": "要求"})
    assert bad.status_code == 422 and "输入有误" in bad.text
    added = client.post("/console/visits/opt-outs", follow_redirects=False,
                        data={"csrf_token": csrf, "phone": "+86 138 1234 5678", "reason": "电话中明确拒绝回访"})
    assert added.status_code == 303 and added.headers["location"] == f"/console/visits?phone={PHONE}#vs-optout-h"
    page = client.get(added.headers["location"]).text
    row = page.split('id="opt-outs"', 1)[1].split("</table>", 1)[0]
    assert PHONE in row and "人工登记" in row and "电话中明确拒绝回访" in row and "13900000003" not in row
    dup = client.post("/console/visits/opt-outs", data={"csrf_token": csrf, "phone": PHONE, "reason": "再次"})
    assert dup.status_code == 409

    removed = client.post("/console/visits/opt-outs/remove", follow_redirects=False,
                          data={"csrf_token": csrf, "phone": PHONE, "reason": "来电人同意回访"})
    assert removed.status_code == 303
    page = client.get(removed.headers["location"]).text
    assert "暂无记录" in page.split('id="opt-outs"', 1)[1].split("</table>", 1)[0]
    audit = page.split('id="visit-audit"', 1)[1].split("</table>", 1)[0]
    assert "登记拒绝回访" in audit and "移除拒绝回访" in audit and "来电人同意回访" in audit

    context.settings.roles_seeing_caller = ["agent"]
    masked = client.get("/console/visits").text.split('id="opt-outs"', 1)[1].split("</table>", 1)[0]
    assert "139****0003" in masked and "13900000003</td>" not in masked


def test_ticket_page_loads_the_cases_visits(client, context, users, queue, org):
    number = closed_case(context, users)
    runner = Runner(context, queue)
    runner.outbound.script(PHONE, "no_answer")
    runner.sweep()
    runner.outbound.script(PHONE, "answered", "2")
    runner.sweep()
    agent, _ = users("agent")
    console_login(client, agent.username)
    page = client.get(f"/console/tickets/{number}").text
    assert f'hx-get="/console/visits/tickets/{number}"' in page
    body = client.get(f"/console/visits/tickets/{number}").text
    assert "回访记录" in body and "已回访" in body and 'data-field="rating">满意</span>（电话）' in body
    assert "无人接听" in body and "按键 2" in body and "接通" in body and PHONE in body
    assert "在回访管理中查看" not in body  # agents have no 回访管理 page

    context.settings.roles_seeing_caller = ["supervisor"]
    assert "138****5678" in client.get(f"/console/visits/tickets/{number}").text
    fresh = closed_case(context, users, None)
    assert "暂无回访记录" in client.get(f"/console/visits/tickets/{fresh}").text
    assert client.get("/console/visits/tickets/NOPE").status_code == 404

    department, _ = users("department", org.housing)
    console_login(client, department.username)
    assert client.get(f"/console/visits/tickets/{number}").status_code == 403
