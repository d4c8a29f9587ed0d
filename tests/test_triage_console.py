"""Triage in the console and at registration: the ticket page's 智能分诊 panel with one-step 转警/转急救,
the live alert for an urgent case, automatic dispatch of a single-unit matter (visible, undoable), and the
phone path registering an urgent call urgent when the caller pressed no urgent key."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from tests.test_calls import FakeRecognizer, place_call, run_enqueued
from tests.test_console_agent import as_, make, org, people  # noqa: F401 - fixtures
from ticketing.flows import queries
from ticketing.models import Ticket
from ticketing.org import service as orgs


def test_ticket_page_offers_the_handoff_and_records_it(client, context, people):  # noqa: F811
    agent = people["agent"]
    number = make(context, agent.actor, content="我爸倒在卫生间里叫不醒了，快来人")
    page = as_(client, agent).get(f"/console/tickets/{number}").text
    assert "智能分诊" in page and "应转 120" in page and "转120" in page and "转110" in page
    done = client.post(f"/console/tickets/{number}/handoff", data={"service": "120", "outcome": "three_way",
                       "note": "三方通话，120已派车"}, headers={"HX-Request": "true", "X-CSRF-Token": agent.csrf})
    assert done.status_code == 200 and "已转 120" in done.text and "三方通话" in done.text
    events = queries.history(context, number=number, actor=agent.actor)
    assert events[-1].action == "handoff" and events[-1].actor_name == agent.actor.name


def test_live_stream_raises_an_alert_for_an_urgent_case(client, context, people):  # noqa: F811
    context.settings.console_poll_seconds = 0.05
    context.settings.console_stream_max_seconds = 5
    supervisor = people["supervisor"]
    after_id = int(as_(client, supervisor).get("/console/queue").text
                   .split('data-stream="/console/queue/stream?after=')[1].split('"')[0])
    timer = threading.Timer(0.3, lambda: make(context, supervisor.actor, content="楼下饭店燃气泄漏了，味道很大"))
    lines: list[str] = []
    started = time.monotonic()
    with client.stream("GET", f"/console/queue/stream?after={after_id}") as response:
        timer.start()
        for line in response.iter_lines():
            lines.append(line)
            if line == "event: alert":
                break
    timer.join()
    assert time.monotonic() - started < 5 and "event: alert" in lines
    assert 'id="urgent-alerts"' in client.get("/console/queue").text


def test_auto_dispatch_of_a_single_unit_matter_is_visible_and_undoable(client, context, people, session):  # noqa: F811
    dept = orgs.create_department(session, code="cgj", name="市城市管理局", level="city")
    orgs.create_category(session, code="17006", name="路灯照明")
    session.commit()
    context.settings.triage_auto_dispatch_threshold = 0.3
    from ticketing.triage import flows as triage_flows

    triage_flows._engines.clear()
    agent = people["agent"]
    try:
        number = make(context, agent.actor, content="钢城小区门口的路灯坏了两个礼拜了，晚上一片漆黑")
    finally:
        context.settings.triage_auto_dispatch_threshold = 0.9
        triage_flows._engines.clear()
    ticket = queries.ticket_view(context, number=number, actor=agent.actor)
    assert ticket.status.value == "dispatched" and ticket.department == "市城市管理局"
    last = queries.history(context, number=number, actor=agent.actor)[-1]
    assert last.action == "auto_dispatch" and "自动派单" in last.changes["reason"][1]
    page = as_(client, agent).get(f"/console/tickets/{number}").text
    assert "撤回自动派单" in page
    undone = client.post(f"/console/tickets/{number}/undo-auto-dispatch", data={"note": "应由街道处理"},
                         headers={"HX-Request": "true", "X-CSRF-Token": agent.csrf})
    assert undone.status_code == 200
    ticket = queries.ticket_view(context, number=number, actor=agent.actor)
    assert ticket.status.value == "triaged" and ticket.department is None
    del dept


def test_phone_call_telling_of_danger_is_registered_urgent(context, settings, session, queue):
    """Menu key 1 (not the urgent key): the words decide, with the urgent time limit."""
    place_call(context, settings, name="f.wav", digits="1", mark={"menu_choice": "1", "ticket_type": "help",
                                                                  "urgent": False})
    place_call(context, settings, name="n.wav", digits="1", mark={"menu_choice": "1", "ticket_type": "help",
                                                                  "urgent": False})
    run_enqueued(context, queue, FakeRecognizer({"f.wav": "喂喂，我们楼下搅火了，烟好大，快来人啊",
                                                 "n.wav": "我想问一下社保卡丢了怎么补办"}))
    with context.reader() as s:
        by_call = {t.call_ref.split("@")[0]: t for t in s.scalars(select(Ticket))}
    fire, normal = by_call["f.wav"], by_call["n.wav"]
    assert fire.urgency == "urgent" and fire.suggestions["triage"]["handoff"] == "119"
    assert normal.urgency == "normal"
    assert fire.due_at - fire.accepted_at < normal.due_at - normal.accepted_at


def test_only_an_automatic_dispatch_can_be_undone(client, context, people):  # noqa: F811
    agent = people["agent"]
    number = make(context, agent.actor)
    response = as_(client, agent).post(f"/console/tickets/{number}/undo-auto-dispatch", data={},
                                       headers={"HX-Request": "true", "X-CSRF-Token": agent.csrf})
    assert response.status_code in (409, 422)
    assert queries.ticket_view(context, number=number, actor=agent.actor).status.value == "registered"
