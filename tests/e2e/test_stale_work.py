"""Stale work: while an agent has a case open, a supervisor dispatches it — the agent's page says so within
seconds and stops offering triage/dispatch; the agent's queue drops the case from its 待处理 list without a
reload. The agent's own action does not mark the page stale."""

from __future__ import annotations

from tests.e2e.conftest import login, shot
from tests.factories import build_org
from ticketing import flows
from ticketing.enums import Channel, TicketType
from ticketing.org.auth import Actor
from ticketing.schemas import DispatchIn, TicketCreate, TriageIn


def test_case_changed_under_the_agent(live_server, page, context, users):
    org = build_org(context)
    agent, _ = users("agent")
    boss, _ = users("supervisor")
    sup = Actor.of(boss)

    def case(text):
        return flows.create_ticket(context, actor=Actor.of(agent), data=TicketCreate(
            channel=Channel.PHONE, ticket_type=TicketType.COMPLAINT, content=text, caller_phone="13900002222",
            category_id=org.cat_roads))

    mine, theirs = case("路灯坏了"), case("井盖丢了")
    login(page, live_server, agent.username)
    page.wait_for_url("**/console/queue")
    page.goto(f"{live_server}/console/tickets/{mine}")
    page.click("form[data-action=triage] button[type=submit]")  # the agent's own change
    page.locator("form[data-action=dispatch]").wait_for()
    page.wait_for_timeout(2500)
    assert page.locator("#stale").is_hidden()

    flows.triage(context, number=theirs, data=TriageIn(), actor=sup)
    page.goto(f"{live_server}/console/tickets/{theirs}")
    page.wait_for_timeout(300)
    flows.dispatch(context, number=theirs, data=DispatchIn(), actor=sup)  # someone else dispatches it
    page.locator("#stale").wait_for(timeout=5000)
    assert "派单" in page.inner_text("#stale")
    assert page.locator("form[data-action=dispatch] button[type=submit]").is_disabled()
    shot(page, "stale-case")

    page.goto(f"{live_server}/console/queue")
    row = page.locator(f"tr[data-number='{mine}']")
    row.wait_for()
    flows.dispatch(context, number=mine, data=DispatchIn(), actor=sup)
    row.wait_for(state="detached", timeout=5000)  # no longer waiting for the hotline: gone from 待处理
