"""骚扰来电管理 in a real browser: an agent flags the caller from the ticket page (twice → a proposal), the
supervisor confirms it on the abuse page, filters the blacklist, and lifts it again."""

from __future__ import annotations

from abuse import flows
from tests.e2e.conftest import login, shot
from tests.factories import build_org, new_ticket


def test_flag_from_ticket_then_supervisor_confirms_and_lifts(live_server, page, users, context, client):
    build_org(context)
    agent, headers = users("agent")
    boss, _ = users("supervisor")
    ticket = new_ticket(client, headers, caller_phone="0086 139 0013 9000")

    login(page, live_server, agent.username)
    page.wait_for_url("**/console/queue")
    page.goto(f"{live_server}/console/tickets/{ticket['number']}")
    record = page.locator("#abuse-caller")
    record.get_by_text("暂无骚扰事件").wait_for()
    for kind, note in (("辱骂", "辱骂话务员"), ("威胁", "扬言报复")):
        record.locator("select[name=kind]").select_option(label=kind)
        record.locator("input[name=note]").fill(note)
        record.get_by_role("button", name="标记骚扰").click()
        page.wait_for_url(f"**/console/tickets/{ticket['number']}")
        record.get_by_text(note).wait_for()
    assert "黑名单 待确认" in record.inner_text()
    shot(page, "abuse-ticket-record")
    page.click("text=退出")

    login(page, live_server, boss.username)
    page.wait_for_url("**/console/supervision")
    page.click("nav >> text=骚扰来电")
    page.wait_for_url("**/console/abuse")
    row = page.locator("#blacklist tr", has_text="13900139000")
    assert "待确认" in row.inner_text()
    row.locator("form[action$='/confirm'] button").click()
    page.wait_for_url("**/console/abuse**")
    assert flows.screen_caller(context, caller="13900139000").blocked

    page.select_option("select[name=status]", "active")
    page.fill("input[name=caller]", "+86 139 0013 9000")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**status=active**")
    row = page.locator("#blacklist tr", has_text="13900139000")
    assert "生效中" in row.inner_text()
    shot(page, "abuse-blacklist")
    row.locator("form[action$='/lift'] input[name=reason]").fill("领导批示提前解除")
    page.once("dialog", lambda dialog: dialog.accept())  # lifting a block asks first
    row.locator("form[action$='/lift'] button").click()
    page.locator("#blacklist", has_text="暂无记录").wait_for()   # back on the 生效中 filter: nothing left
    assert "已提前解除黑名单" in page.inner_text("#abuse-done")  # and says what was done
    page.goto(f"{live_server}/console/abuse?status=lifted&caller=13900139000")
    assert "已解除" in page.locator("#blacklist tr", has_text="13900139000").inner_text()
    audit = page.locator("#audit").inner_text()
    for step in ("记录事件", "自动提议拉黑", "确认生效", "提前解除", "领导批示提前解除", boss.display_name):
        assert step in audit
    shot(page, "abuse-audit")
    assert not flows.screen_caller(context, caller="13900139000").blocked
