"""回访 in a real browser: the supervisor opens a closed case and sees its return visit (unanswered survey call,
SMS, the caller's reply and the rating) loaded into the ticket page, then on the 回访管理 page dismisses an
unmatched reply, records a caller's opt-out and removes it again, all kept in the audit trail."""

from __future__ import annotations

from callbacks import flows, service
from tests.callbacks_support import PHONE, Runner, closed_case, visit_of
from tests.e2e.conftest import login, shot


def test_ticket_visits_section_and_opt_out_add_remove(live_server, page, users, context, queue, org):
    context.settings.visit_call_attempts, context.settings.visit_sms_attempts = 1, 1
    number = closed_case(context, users)
    runner = Runner(context, queue)
    runner.outbound.script(PHONE, "no_answer")
    runner.sweep()  # the survey call is not answered
    runner.sweep()  # the SMS survey goes out
    assert flows.handle_reply(context, phone=PHONE, body="2 谢谢", message_ref="SMe2e") == "rated"
    assert visit_of(context, number).status == "done"
    boss, _ = users("supervisor")

    login(page, live_server, boss.username)
    page.wait_for_url("**/console/supervision")
    page.goto(f"{live_server}/console/tickets/{number}")
    section = page.locator("#ticket-visits")
    section.get_by_text("已回访").wait_for()
    text = section.inner_text()
    for expected in ("回访记录", "满意（短信）", "电话", "无人接听", "短信", "已发送", "2 谢谢", PHONE):
        assert expected in text, expected
    section.scroll_into_view_if_needed()
    shot(page, "visits-ticket-section")

    flows.handle_reply(context, phone="13900000042", body="<b>不要再发了</b>", message_ref="SMe2e-late")
    page.click("nav >> text=回访管理")
    page.wait_for_url("**/console/visits")
    reply = page.locator("#replies tr", has_text="13900000042")
    assert "<b>不要再发了</b>" in reply.inner_text()  # caller text shown as text, not markup
    reply.scroll_into_view_if_needed()
    shot(page, "visits-unmatched-reply")
    reply.locator("form[aria-label=忽略回复] input[name=note]").fill("非评价内容")
    reply.get_by_role("button", name="忽略").click()
    page.locator("#replies", has_text="暂无未匹配回复").wait_for()
    form = page.locator("form[aria-label=登记拒绝回访]")
    form.locator("input[name=phone]").fill("+86 139 0000 0042")
    form.locator("input[name=reason]").fill("来电人电话中要求不再回访")
    form.get_by_role("button", name="登记拒绝回访").click()
    page.wait_for_url("**/console/visits?phone=13900000042**")
    row = page.locator("#opt-outs tr", has_text="13900000042")
    assert "人工登记" in row.inner_text() and "来电人电话中要求不再回访" in row.inner_text()
    assert boss.display_name in row.inner_text()
    shot(page, "visits-opt-out-added")

    row.locator("input[name=reason]").fill("来电人同意恢复回访")
    row.get_by_role("button", name="移除").click()
    page.locator("#opt-outs", has_text="暂无记录").wait_for()
    audit = page.locator("#visit-audit").inner_text()
    for expected in ("登记拒绝回访", "移除拒绝回访", "来电人同意恢复回访", boss.display_name):  # filtered by number
        assert expected in audit, expected
    shot(page, "visits-opt-out-removed")
    with context.sessions() as s:
        assert not service.is_opted_out(s, phone="13900000042")
