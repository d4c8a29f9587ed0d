"""The agent queue in a real browser: a caller's cases found by the last four digits of the number, a saved
view kept across reloads, and a column sorted by clicking its header."""

from __future__ import annotations

from tests.e2e.conftest import login
from ticketing import flows
from ticketing.enums import Channel, TicketType, Urgency
from ticketing.org.auth import Actor
from ticketing.schemas import TicketCreate


def test_search_saved_view_and_sorting(live_server, page, context, users):
    agent, _ = users("agent")
    actor = Actor.of(agent)

    def case(content, phone, urgency=Urgency.NORMAL):
        return flows.create_ticket(context, actor=actor, data=TicketCreate(
            channel=Channel.PHONE, ticket_type=TicketType.COMPLAINT, content=content, caller_phone=phone,
            urgency=urgency))

    first = case("路灯不亮", "13911112222")
    second = case("燃气味道很大", "13933332222", Urgency.URGENT)
    other = case("噪音扰民", "13955556666")
    login(page, live_server, agent.username)
    page.wait_for_url("**/console/queue")
    page.fill("input[name=q]", "2222")
    page.keyboard.press("Enter")
    page.locator(".search-kind", has_text="号码后四位").wait_for()
    numbers = page.eval_on_selector_all("table[data-queue] tbody tr[data-number]", "rs => rs.map(r => r.dataset.number)")
    assert numbers == [second, first] and other not in numbers  # urgent first

    page.once("dialog", lambda d: d.accept("尾号2222"))
    page.click("#save-view")
    page.locator("#saved-views a", has_text="尾号2222").wait_for()
    page.goto(f"{live_server}/console/queue")
    page.click("#saved-views a >> text=尾号2222")
    page.locator(".search-kind", has_text="号码后四位").wait_for()

    page.click("table[data-queue] thead button.sort >> text=工单编号")
    numbers = page.eval_on_selector_all("table[data-queue] tbody tr[data-number]", "rs => rs.map(r => r.dataset.number)")
    assert numbers == sorted(numbers)
    page.click("table[data-queue] thead button.sort >> text=工单编号")
    numbers = page.eval_on_selector_all("table[data-queue] tbody tr[data-number]", "rs => rs.map(r => r.dataset.number)")
    assert numbers == sorted(numbers, reverse=True)
