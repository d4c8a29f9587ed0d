"""The agent's day in a real browser: a phone case appears live on the open queue, the agent opens it with the
keyboard, loads the recording (audited), triages it as urgent and dispatches it with the catalogue's suggested
lead department and a co-handling unit. Caller text never runs as script; department staff see only their
own cases."""

from __future__ import annotations

import re
import wave

from tests.e2e.conftest import login, shot, wait_until
from tests.factories import build_org
from ticketing import flows
from ticketing.enums import Channel, TicketType, Urgency
from ticketing.flows import queries
from ticketing.kb import service as kb
from ticketing.org.auth import Actor
from ticketing.schemas import DispatchIn, TicketCreate, TriageIn

XSS = "<img src=x onerror=alert(1)><script>alert(2)</script>"


def write_wav(path, seconds: float = 1.0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00\x10\x00" * int(4000 * seconds))


def test_phone_case_arrives_live_then_triage_and_dispatch(live_server, page, context, users):
    org = build_org(context)
    agent, _ = users("agent")
    actor = Actor.of(agent)
    with context.sessions() as s:
        kb.add_article(s, question="路灯坏了找哪个部门？", answer="路灯维修由市住建局负责，一般3个工作日内修复。",
                       tags="路灯")
        s.commit()
    write_wav(context.settings.data_dir / "recordings" / "calls" / "c-001.wav")

    login(page, live_server, agent.username)
    page.wait_for_url("**/console/queue")
    page.wait_for_selector("#live.on")  # the event stream is connected
    page.evaluate("window.__sameDocument = true")

    number = flows.create_ticket(context, actor=actor, recording_url="calls/c-001.wav",
                                 transcript="来电人：望京西路1号门口的路灯坏了三天，晚上很黑，老人摔倒了。",
                                 data=TicketCreate(channel=Channel.PHONE, ticket_type=TicketType.COMPLAINT,
                                                   content="望京西路1号路灯坏了三天，晚上很黑。",
                                                   caller_phone="13812345678", address="望京西路1号",
                                                   district="chaoyang", category_id=org.cat_roads))
    toast = page.locator(".live-toast", has_text=number)
    toast.wait_for()
    assert "望京西路1号路灯坏了三天" in toast.inner_text()
    row = page.locator(f"tr[data-number='{number}']")
    row.wait_for()
    assert page.locator("#live-banner").is_visible()
    assert page.evaluate("window.__sameDocument") is True  # no reload
    shot(page, "agent-queue")

    page.keyboard.press("j")
    assert page.locator("table[data-queue] tr.selected").get_attribute("data-number") == number
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/console/tickets/{number}")
    assert "路灯坏了三天，晚上很黑，老人摔倒了" in page.locator("[data-field=transcript]").inner_text()
    assert "派单目录" in page.locator("#suggestions").inner_text()
    assert "市住建局负责" in page.locator("#kb").inner_text()

    with page.expect_response(re.compile(rf"/console/tickets/{number}/recording$")) as answer:
        page.eval_on_selector("audio", "a => { a.preload = 'auto'; a.load(); }")
    assert answer.value.status in (200, 206)
    wait_until(page, "document.querySelector('audio').readyState >= 1")  # metadata decoded
    assert page.eval_on_selector("audio", "a => Math.round(a.duration)") == 1
    assert "listen" in [e.action for e in queries.history(context, number=number, actor=actor)]

    page.check("form[data-action=triage] input[name=urgency][value=urgent]")
    page.click("form[data-action=triage] button[type=submit]")
    page.locator(".toast", has_text="已保存分类").wait_for()
    dispatch = page.locator("form[data-action=dispatch]")
    dispatch.wait_for()
    assert dispatch.locator("select[name=lead_department_id]").input_value() == str(org.housing)
    shot(page, "agent-ticket")
    dispatch.locator(f"input[name=co_department_ids][value='{org.other}']").check()
    dispatch.locator("button[type=submit]").click()
    page.locator(".toast", has_text="已派单").wait_for()
    history = page.locator("#history")
    assert "主办：市住建局；协办：市交通局" in history.inner_text()
    assert "收听录音" in history.inner_text() and "分类" in history.inner_text()
    assert "坐席人工选择" in history.inner_text() and "chosen by" not in history.inner_text()
    assert page.locator(".ticket-head .tag.status").inner_text() == "已派单"
    t = queries.ticket_view(context, number=number, actor=actor)
    assert t.status == "dispatched" and t.urgency == "urgent"
    assert {(a.department_id, a.role) for a in t.assignments} == {(org.housing, "lead"), (org.other, "co")}
    shot(page, "agent-ticket-dispatched")


def test_caller_text_is_inert_and_departments_see_only_their_cases(live_server, browser, page, context, users):
    org = build_org(context)
    agent, _ = users("agent")
    housing, _ = users("department", org.housing)
    actor = Actor.of(agent)
    numbers = {}
    for key, lead in (("ours", org.housing), ("theirs", org.other)):
        text = XSS if key == "ours" else "公交站台顶棚破损"
        numbers[key] = flows.create_ticket(context, actor=actor, transcript=text, data=TicketCreate(
            channel=Channel.PHONE, ticket_type=TicketType.HELP, content=text, title=text[:40],
            urgency=Urgency.NORMAL, caller_phone="13900001111"))
        flows.triage(context, number=numbers[key], data=TriageIn(), actor=actor)
        flows.dispatch(context, number=numbers[key], data=DispatchIn(lead_department_id=lead), actor=actor)

    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, live_server, agent.username)
    page.wait_for_url("**/console/queue")
    page.goto(f"{live_server}/console/tickets/{numbers['ours']}")
    assert page.locator("[data-field=transcript]").inner_text() == XSS  # shown as text
    html = page.content()
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html and "<script>alert(2)" not in html
    page.goto(f"{live_server}/console/queue?status=")
    assert page.locator(f"tr[data-number='{numbers['ours']}'] td.summary b").inner_text() == XSS[:40]
    page.fill("[data-search]", "公交站台")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*q=%E5%85%AC%E4%BA%A4.*"))  # filters are kept in the address
    page.locator(f"tr[data-number='{numbers['ours']}']").wait_for(state="detached")
    assert page.locator(f"tr[data-number='{numbers['theirs']}']").count() == 1
    page.wait_for_timeout(300)  # give a broken page the chance to fire its dialog
    assert dialogs == []

    staff = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        dept_page = staff.new_page()
        dept_page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        login(dept_page, live_server, housing.username)
        dept_page.wait_for_url(re.compile(r".*/console/(workbench|queue).*"))
        dept_page.goto(f"{live_server}/console/tickets/{numbers['theirs']}")
        assert "未找到，或无权查看" in dept_page.locator("main").inner_text()
        assert "公交站台" not in dept_page.content()
        dept_page.goto(f"{live_server}/console/queue")
        listed = dept_page.locator("table[data-queue] tbody tr[data-number]")
        assert [listed.nth(i).get_attribute("data-number") for i in range(listed.count())] == [numbers["ours"]]
        assert "139****1111" in dept_page.locator("table[data-queue]").inner_text()
        assert dept_page.locator("#live").count() == 0  # no live feed of all new cases for departments
        shot(dept_page, "department-queue")
    finally:
        staff.close()
    assert dialogs == []
