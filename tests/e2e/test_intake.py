"""受理 form in a real browser at 1366×768, keyboard only: the agent types the caller's words, suggestions fill
type, urgency, matter and department as they type, a repeat of the same caller is offered for 并单, and
Ctrl+Enter saves through the intake flow. Emergency words flag the case urgent with a hand-off banner."""

from __future__ import annotations

import re

from agent_console.suggest import suggest_for_form
from tests.e2e.conftest import login, shot, wait_until
from tests.factories import build_org
from ticketing import flows
from ticketing.enums import Channel, TicketType
from ticketing.flows import queries
from ticketing.org import catalogue_flows
from ticketing.org.auth import Actor
from ticketing.schemas import TicketCreate


def test_register_by_keyboard_with_live_suggestions(live_server, page, context, users):
    with context.sessions() as session:  # the packaged matter catalogue, as `hotline demo seed` loads it
        catalogue_flows.import_defaults(session, actor=Actor.system("test"))
    agent, _ = users("agent")
    actor = Actor.of(agent)
    earlier = flows.create_ticket(context, actor=actor, data=TicketCreate(
        channel=Channel.PHONE, ticket_type=TicketType.COMPLAINT, content="广场舞噪音", caller_phone="13900002222"))
    words = "和平街道这边楼下广场舞噪音扰民，每天晚上十点还不停，我要投诉"
    with context.reader() as session:  # what the engine says of these words, the form must show
        expected = suggest_for_form(context, session, words)
    assert expected["type"] and expected["matter"] and expected["department"]
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    bad_responses: list[str] = []
    page.on("response", lambda r: bad_responses.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    login(page, live_server, agent.username)
    page.wait_for_url("**/console/queue")
    page.goto(f"{live_server}/console/tickets/new")
    assert page.evaluate("document.activeElement.id") == "caller_phone"  # autofocus: the number first
    page.keyboard.type("+86 139 0000 2222")
    page.keyboard.press("Tab")
    page.keyboard.type("张先生")
    page.keyboard.press("Tab")  # channel
    page.keyboard.press("Tab")  # content
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.type(words)
    dept = expected["department"]["value"]
    page.locator(f"#intake-suggest[data-suggest-type='{expected['type']['value']}']").wait_for()
    page.locator(f"#intake-suggest[data-suggest-department='{dept}']").wait_for()
    wait_until(page, f"document.getElementById('lead_department_id').value === '{dept}'")
    assert page.input_value("#ticket_type") == expected["type"]["value"]
    assert page.input_value("#category_id") == str(expected["matter"]["value"])
    assert page.locator(f"#intake-repeats button[value='merge:{earlier}']").is_visible()
    assert "来电号码：13900002222" in page.inner_text("#intake-hints")
    # the whole form and its hints fit a 1366×768 screen without horizontal scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    box = page.locator("#save-register").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 768
    shot(page, "intake-form")

    page.focus("#content")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#intake-saved")
    number = re.search(r"\d{13}", page.inner_text("#intake-saved"))[0]
    t = queries.ticket_view(context, number=number, actor=actor)
    assert t.status == "registered" and t.category_id == expected["matter"]["value"] and t.caller_name == "张先生"
    assert page.evaluate("document.activeElement.id") == "caller_phone"  # ready for the next call

    page.fill("#content", "家里煤气泄漏了，味道很大")
    page.locator("#intake-suggest[data-suggest-urgency='urgent']").wait_for()
    assert page.input_value("#urgency") == "urgent"
    assert "119" in page.inner_text(".handoff")
    shot(page, "intake-urgent")
    assert messages == [] and bad_responses == []


def test_case_page_shortcuts_and_help_overlay(live_server, page, context, users):
    build_org(context)
    agent, _ = users("agent")
    number = flows.create_ticket(context, actor=Actor.of(agent), data=TicketCreate(
        channel=Channel.PHONE, ticket_type=TicketType.COMPLAINT, content="路灯坏了", caller_phone="13900002222"))
    login(page, live_server, agent.username)
    page.wait_for_url("**/console/queue")
    page.goto(f"{live_server}/console/tickets/{number}")
    page.keyboard.press("?")
    help_box = page.locator("#shortcut-help")
    help_box.wait_for()
    text = help_box.inner_text()
    assert "快捷键" in text and "分类" in text and "并单" in text and "办理历史" in text
    assert "派单" not in text.replace("派单目录", "")  # a registered case cannot be dispatched before triage
    shot(page, "case-shortcuts")
    page.keyboard.press("Escape")
    assert not help_box.is_visible()
    page.keyboard.press("t")
    assert page.evaluate("document.activeElement.closest('form').dataset.action") == "triage"
    page.keyboard.press("Escape")  # leaves the field: keys work again
    page.keyboard.press("m")
    assert page.evaluate("document.activeElement.name") == "into"
