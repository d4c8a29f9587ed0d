"""A department and a supervisor work cases through the console in a real browser: 签收 → 进展 → 答复, 退单 →
异议审核 → 改派, 延期 → 批准, red lights and 督办, and the 三率 dashboard against the API."""

from __future__ import annotations

from datetime import timedelta

import httpx

from hotline.database import utcnow
from tests.e2e.conftest import login, shot
from tests.factories import build_org
from ticketing import flows
from ticketing.enums import Role
from ticketing.org.auth import Actor
from ticketing.schemas import DispatchIn, TicketCreate, TriageIn

AGENT = Actor(id=None, role=Role.AGENT, name="话务员")


def _case(context, lead: int, content: str, *, days_old: int = 0) -> str:
    accepted = utcnow() - timedelta(days=days_old) if days_old else None
    number = flows.create_ticket(context, data=TicketCreate(
        channel="phone", ticket_type="complaint", content=content, caller_phone="13900001111",
        accepted_at=accepted), actor=AGENT)
    flows.triage(context, number=number, data=TriageIn(), actor=AGENT)
    flows.dispatch(context, number=number, data=DispatchIn(lead_department_id=lead), actor=AGENT)
    return number


def _toast(page, text: str) -> None:
    page.locator("#toasts .toast", has_text=text).first.wait_for()


def test_department_and_supervisor_journey(live_server, page, context, users):
    org = build_org(context)
    housing, _ = users("department", org.housing)
    transport, _ = users("department", org.other)
    boss, boss_api = users("supervisor")
    handled = _case(context, org.housing, "小区路灯坏了三天，晚上很黑。<b>请尽快</b>")
    returned = _case(context, org.housing, "公交站牌被撞倒，不属于住建局管")
    extended = _case(context, org.housing, "老旧小区加装电梯进度咨询")
    overdue = _case(context, org.housing, "井盖缺失，十天前已反映", days_old=10)
    flows.sweep_lights(context)

    # --- department: 待签收 → 签收 → 进展 → 答复 -------------------------------------------------------
    login(page, live_server, housing.username)
    page.wait_for_url("**/console/workbench")
    rows = page.locator("table.wb-table tbody tr")
    assert {rows.nth(i).get_attribute("data-number") for i in range(rows.count())} == {
        handled, returned, extended, overdue}
    assert page.locator(f'tr[data-number="{overdue}"] .light.red').count() == 1
    shot(page, "workbench-pending")
    page.click(f"text={handled}")
    page.wait_for_url(f"**/console/workbench/{handled}")
    assert "<b>请尽快</b>" in page.locator(".transcript").first.inner_text()  # shown as text, not markup
    page.click("form[data-action=accept] button")
    _toast(page, "已签收")
    assert page.locator("[data-status]").get_attribute("data-status") == "accepted"
    page.fill("form[data-action=note] textarea", "已派人到现场查看")
    page.click("form[data-action=note] button")
    _toast(page, "已记录办理进展")
    assert "已派人到现场查看" in page.locator(".wb-history").inner_text()
    page.fill("form[data-action=reply] textarea", "路灯已更换，恢复照明")
    page.click("form[data-action=reply] button")
    _toast(page, "已答复")
    assert page.locator("[data-status]").get_attribute("data-status") == "replied"
    assert page.locator("form[data-action=reply]").count() == 0
    flows.close(context, number=handled, actor=AGENT, note="回访满意")  # the hotline closes it
    page.goto(f"{live_server}/console/workbench?tab=closed")
    assert page.locator(f'tr[data-number="{handled}"]').count() == 1

    # --- 退单 with a reason and a suggested department; 延期 request ----------------------------------
    page.goto(f"{live_server}/console/workbench/{returned}")
    page.fill("form[data-action=return] textarea", "站牌属于交通部门管理")
    page.select_option("form[data-action=return] select", str(org.other))
    page.click("form[data-action=return] button")
    _toast(page, "已退单")
    assert page.locator("[data-status]").get_attribute("data-status") == "returned"
    page.goto(f"{live_server}/console/workbench/{extended}")
    old_due = page.locator("#wb-due").inner_text()
    page.click("form[data-action=accept] button")
    _toast(page, "已签收")
    page.fill("form[data-action=extension] input[name=working_days]", "5")
    page.fill("form[data-action=extension] input[name=reason]", "需协调电梯厂家")
    page.click("form[data-action=extension] button")
    _toast(page, "已提交延期申请")
    assert page.locator('tr[data-extension="pending"]').count() == 1

    # --- supervisor: 异议审核 → 改派, 延期审批, 督办 of the red case -------------------------------------
    login(page, live_server, boss.username)
    page.wait_for_url("**/console/supervision")
    item = page.locator(f'article[data-return="{returned}"]')
    assert "站牌属于交通部门管理" in item.inner_text() and "市交通局" in item.inner_text()
    assert page.locator(f'section[data-light-list="red"] tr[data-number="{overdue}"]').count() == 1
    shot(page, "supervision")
    item.locator("select[name=new_department_id]").select_option(str(org.other))
    item.locator("button[value=uphold]").click()
    _toast(page, "已改派至市交通局")
    assert page.locator(f'article[data-return="{returned}"]').count() == 0
    page.locator(f'article[data-extension="{extended}"] button[value=approve]').click()
    _toast(page, "已批准延期")
    red_row = page.locator(f'section[data-light-list="red"] tr[data-number="{overdue}"]')
    red_row.locator("input[name=note]").fill("请今日内处理")
    red_row.locator("button").click()
    _toast(page, f"已督办工单 {overdue}")

    # --- the first department lost the re-dispatched case; the deadline moved ----------------------
    login(page, live_server, housing.username)
    page.wait_for_url("**/console/workbench")
    assert page.locator(f'tr[data-number="{returned}"]').count() == 0
    page.goto(f"{live_server}/console/workbench/{returned}")
    assert "未找到，或无权查看" in page.locator("main").inner_text()
    page.goto(f"{live_server}/console/workbench/{extended}")
    assert page.locator('tr[data-extension="approved"]').count() == 1
    assert page.locator("#wb-due").inner_text() != old_due
    page.goto(f"{live_server}/console/workbench/{overdue}")
    assert page.locator("[data-light]").get_attribute("data-light") == "red"
    assert "请今日内处理" in page.locator(".wb-history").inner_text()

    login(page, live_server, transport.username)
    page.wait_for_url("**/console/workbench")
    assert page.locator(f'tr[data-number="{returned}"]').count() == 1

    # --- dashboard: charts drawn, table equals the API ---------------------------------------------
    login(page, live_server, boss.username)
    page.goto(f"{live_server}/console/dashboard?period=7d")
    page.wait_for_selector("body[data-charts=ready]")
    assert page.locator("canvas").count() == 4
    api = httpx.get(f"{live_server}/api/v1/reports/departments", params={"period": "7d"}, headers=boss_api).json()
    assert len(api["departments"]) == 2
    for d in [*api["departments"], api["total"]]:
        key = d["department_id"] if d["department_id"] is not None else "total"
        row = page.locator(f'#rates-table tr[data-department="{key}"]')
        for field in ("dispatched", "responded", "closed", "on_time"):
            assert row.locator(f'td[data-field="{field}"]').inner_text() == str(d[field])
        for field in ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate"):
            shown = row.locator(f'td[data-field="{field}"]').inner_text()
            assert shown == ("—" if d[field] is None else f"{d[field]:.1f}%")
    shot(page, "dashboard")
