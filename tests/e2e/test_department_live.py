"""A department sees a newly dispatched urgent case on its open workbench within 2 s, without reload: the row,
a toast and a count in the tab title (issue 17: "departments never see new work live")."""

from __future__ import annotations

import time

from tests.e2e.conftest import login, shot
from tests.factories import build_org
from ticketing import flows
from ticketing.enums import Channel, TicketType, Urgency
from ticketing.org.auth import Actor
from ticketing.schemas import DispatchIn, TicketCreate, TriageIn


def test_dispatched_urgent_case_appears_live(live_server, page, context, users):
    org = build_org(context)
    agent, _ = users("agent")
    staff, _ = users("department", org.housing)
    actor = Actor.of(agent)
    login(page, live_server, staff.username)
    page.wait_for_url("**/console/workbench")
    page.wait_for_selector("#wb-live.on")
    page.evaluate("window.__sameDocument = true")
    number = flows.create_ticket(context, actor=actor, data=TicketCreate(
        channel=Channel.PHONE, ticket_type=TicketType.HELP, urgency=Urgency.URGENT, content="小区燃气泄漏，味道很大",
        caller_phone="13900002222"))
    flows.triage(context, number=number, data=TriageIn(), actor=actor)
    started = time.monotonic()
    flows.dispatch(context, number=number, data=DispatchIn(lead_department_id=org.housing), actor=actor)
    page.locator(f"#wb-list tr[data-number='{number}']").wait_for(timeout=5000)
    seen_after = time.monotonic() - started
    assert seen_after < 2.0, f"shown {seen_after:.2f} s after dispatch"
    assert "紧急" in page.locator(".live-toast", has_text=number).inner_text()
    assert page.title().startswith("(1) ")
    assert page.evaluate("window.__sameDocument") is True
    shot(page, "department-live")
    print(f"dispatched urgent case on the department's screen after {seen_after:.2f} s")
