"""Administration and knowledge base in a real browser: an admin sets up a department and its user, changes
a deadline rule and a holiday and sees due dates follow, edits an IVR prompt; a supervisor writes a KB
article and finds it with a Chinese search; an agent can search but not edit."""

from __future__ import annotations

from tests.e2e.conftest import login, shot
from tests.factories import build_org


def toast(page, text: str) -> None:
    page.locator("#toasts .toast", has_text=text).first.wait_for()


def preview_due(page, accepted_at: str) -> str:
    form = page.locator("form[hx-get='/console/admin/deadlines/preview']")
    form.locator("input[name=accepted_at]").fill(accepted_at)
    page.locator("#preview").evaluate("el => { el.innerHTML = ''; }")  # wait for this answer, not the last
    form.locator("button[type=submit]").click()
    due = page.locator("#preview .due")
    due.wait_for()
    return due.inner_text()


def test_admin_sets_up_department_user_deadlines_holiday_and_prompt(live_server, page, users, context):
    build_org(context)
    admin, _ = users("admin")
    login(page, live_server, admin.username)
    page.wait_for_url("**/console/admin")
    assert page.locator("h1").first.inner_text() == "系统管理"
    shot(page, "admin-overview")

    # 单位: a new street under 朝阳区
    page.click(".subnav >> text=单位")
    node = page.locator(".node", has=page.locator("strong", has_text="朝阳区"))
    node.locator("summary", has_text="新建下级").click()
    child = node.locator("details form")
    child.locator("input[name=code]").fill("s-jxq")
    child.locator("input[name=name]").fill("酒仙桥街道")
    child.locator("select[name=level]").select_option("street")
    child.locator("button", has_text="新建").click()
    toast(page, "已新建单位 酒仙桥街道")
    assert page.locator("#dept-tree strong", has_text="酒仙桥街道").count() == 1
    shot(page, "admin-departments")

    # 用户与角色: a department user for it, who can then sign in to the department workbench
    page.click(".subnav >> text=用户与角色")
    page.fill("input[name=username]", "jxq.staff")
    page.fill("input[name=display_name]", "酒仙桥办事员")
    page.select_option("select[name=role]", "department")
    page.locator("form[hx-post='/console/admin/users'] select[name=department_id]").select_option(label="酒仙桥街道")
    page.locator("form[hx-post='/console/admin/users'] input[name=password]").fill("jxq-pass-2026")
    page.locator("form[hx-post='/console/admin/users'] button[type=submit]").click()
    toast(page, "已新建用户 jxq.staff")
    row = page.locator("#users-table tr", has_text="jxq.staff")
    assert row.locator("select[name=department_id] option:checked").inner_text() == "酒仙桥街道"
    shot(page, "admin-users")

    # 办理时限: default 3 working days, then 5; the preview follows
    page.click(".subnav >> text=办理时限")
    assert preview_due(page, "2025-03-03T10:00").startswith("2025-03-06")
    rule = page.locator("#rule-handle-any-normal")
    rule.locator("input[name=amount]").fill("5")
    rule.locator("button", has_text="保存").click()
    toast(page, "时限规则已保存")
    assert page.locator("#rule-handle-any-normal button", has_text="删除").count() == 1
    assert preview_due(page, "2025-03-03T10:00").startswith("2025-03-10")
    shot(page, "admin-deadlines")

    # 节假日: a local day off on Friday 2025-03-07 moves the due day to Tuesday
    page.goto(f"{live_server}/console/admin/holidays?year=2025")
    page.fill("input[name=day]", "2025-03-07")
    page.select_option("select[name=is_workday]", "0")
    page.fill("input[name=note]", "区政府通知临时放假")
    page.click("text=保存调整")
    toast(page, "2025-03-07 已设为放假")
    assert "override" in page.locator("[data-day='2025-03-07']").get_attribute("class")
    assert "rest" in page.locator("[data-day='2025-03-07']").get_attribute("class")
    assert page.locator("#override-2025-03-07").inner_text().count("区政府通知临时放假") == 1
    shot(page, "admin-holidays")
    page.click(".subnav >> text=办理时限")
    assert preview_due(page, "2025-03-03T10:00").startswith("2025-03-11")

    # IVR 提示音
    page.click(".subnav >> text=IVR 提示音")
    greeting = page.locator("#prompt-greeting")
    greeting.locator("[name=text]").fill("您好，欢迎致电12345政务服务便民热线。")
    greeting.locator("button", has_text="保存").click()
    toast(page, "已保存")
    page.reload()
    assert page.locator("#prompt-greeting [name=text]").input_value() == "您好，欢迎致电12345政务服务便民热线。"
    assert page.locator("#prompt-greeting .tag", has_text="已修改").count() == 1
    shot(page, "admin-ivr")

    page.click("text=退出")
    login(page, live_server, "jxq.staff", "jxq-pass-2026")
    page.wait_for_url("**/console/workbench**")
    assert "酒仙桥办事员" in page.locator(".who").inner_text()


def test_supervisor_writes_kb_article_agent_only_searches(live_server, page, users):
    supervisor, _ = users("supervisor")
    login(page, live_server, supervisor.username)
    page.wait_for_url("**/console/supervision**")
    page.goto(f"{live_server}/console/kb")
    page.click("text=新建条目")
    page.fill("input[name=question]", "社保卡丢失了怎么补办？")
    page.fill("textarea[name=answer]", "可携带本人身份证到任一社保服务网点办理挂失和补卡，也可在“掌上12333”线上申请，补卡需缴纳工本费。")
    page.fill("input[name=tags]", "社保，补卡")
    page.fill("input[name=valid_from]", "2026-05-01")
    page.fill("input[name=valid_until]", "2026-04-01")
    page.click("#kb-form button[type=submit]")
    page.locator(".field-error", has_text="失效日期不能早于生效日期").wait_for()
    shot(page, "kb-validation")
    page.fill("input[name=valid_from]", "")
    page.fill("input[name=valid_until]", "")
    page.click("#kb-form button[type=submit]")
    toast(page, "已新建知识库条目")
    page.wait_for_url("**/console/kb/*")

    page.goto(f"{live_server}/console/kb")
    page.fill("input[name=q]", "社保卡补办")
    page.keyboard.press("Enter")
    hit = page.locator(".kb-hit", has_text="社保卡丢失了怎么补办")
    hit.locator("mark").first.wait_for()  # the unfiltered list shows the article too, without marks
    assert page.locator(".kb-count").inner_text().startswith("“社保卡补办”共 1 条")
    assert hit.locator("mark").count() >= 2
    shot(page, "kb-search")

    page.click("text=退出")
    agent, _ = users("agent")
    login(page, live_server, agent.username)
    page.wait_for_url("**/console/queue**")
    page.goto(f"{live_server}/console/kb?q=补卡")
    assert page.locator("text=新建条目").count() == 0
    page.click(".kb-hit h2 a")
    assert page.locator("h1", has_text="社保卡丢失了怎么补办").count() == 1
    assert page.locator("textarea, #kb-form").count() == 0
    shot(page, "kb-agent-article")
    page.goto(f"{live_server}/console/kb/new")
    assert page.locator(".error").inner_text() == "无权进行此操作"
