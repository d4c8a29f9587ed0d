"""ACD flows on the database: phones with HA1 only, states with their log, routing stored and reloaded,
abandoned callers on the 漏接回拨 list, the sweep (a late tick loses nothing), figures and the daily row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from acd import flows, phones, stats, sweep
from acd.models import AgentPhone, AgentStateLog, MissedCallback, QueueCall
from hotline.errors import Conflict, InvalidTransition, NotFound, ValidationFailed

T0 = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def two_agents(context, users):
    a, _ = users("agent")
    b, _ = users("agent")
    phones.set_phone(context, username=a.username, extension="8001", password="pass-word-1")
    phones.set_phone(context, username=b.username, extension="8002", password="pass-word-2", skills=["dialect:粤语"])
    return a.id, b.id


def test_phone_keeps_only_the_digest_and_generates_a_password(context, users):
    user, _ = users("agent")
    row, generated = phones.set_phone(context, username=user.username, extension="8001")
    assert generated and len(generated) == context.settings.acd_password_length
    with context.sessions() as s:
        phone = s.query(AgentPhone).one()
        assert phone.ha1 == phones.digest_ha1(user.username, "hotline", generated) and generated not in phone.ha1
    assert row["extension"] == "8001" and row["state"] == "logged_out"
    _, again = phones.set_phone(context, username=user.username, extension="8003", password="new-password")
    assert again is None
    with context.sessions() as s:
        assert s.query(AgentPhone).one().ha1 == phones.digest_ha1(user.username, "hotline", "new-password")
    other, _ = users("agent")
    with pytest.raises(Conflict):
        phones.set_phone(context, username=other.username, extension="8003")
    with pytest.raises(NotFound):
        phones.set_phone(context, username="nobody", extension="8009")
    with pytest.raises(ValidationFailed):
        phones.set_phone(context, username=other.username, extension="12a")
    with pytest.raises(ValidationFailed):
        phones.set_phone(context, username=other.username, extension="8004", skills=["cooking"])
    dept, _ = users("department")
    with pytest.raises(ValidationFailed):
        phones.set_phone(context, username=dept.username, extension="8005")


def test_states_are_logged_and_invalid_changes_refused(context, two_agents):
    a, _ = two_agents
    assert flows.set_state(context, user_id=a, state="available", now=at(0))["state"] == "available"
    with pytest.raises(InvalidTransition):
        flows.set_state(context, user_id=a, state="available", now=at(1))
    with pytest.raises(InvalidTransition):
        flows.set_state(context, user_id=a, state="on_call", now=at(1))
    with pytest.raises(ValidationFailed):
        flows.set_state(context, user_id=a, state="on_break", now=at(1))
    flows.set_state(context, user_id=a, state="on_break", reason="午休", now=at(60))
    flows.set_state(context, user_id=a, state="available", now=at(60 + 1800))
    flows.set_state(context, user_id=a, state="logged_out", now=at(3600))
    with context.sessions() as s:
        log = [(r.state, r.reason) for r in s.query(AgentStateLog).filter_by(user_id=a).order_by(AgentStateLog.id)]
    assert log == [("available", None), ("on_break", "午休"), ("available", None), ("logged_out", None)]
    spent = stats.pause_seconds(context, user_id=a, start=at(0), end=at(7200))
    assert spent == {"available": 60 + 1740, "on_break:午休": 1800, "logged_out": 3600}
    with pytest.raises(Conflict):
        flows.set_state(context, user_id=999, state="available")


def test_a_call_rings_the_longest_idle_is_answered_and_wraps_up(context, two_agents):
    a, b = two_agents
    flows.set_state(context, user_id=b, state="available", now=at(0))
    flows.set_state(context, user_id=a, state="available", now=at(5))
    queued = flows.queue_caller(context, caller="+86 138 0013 8000", call_ref="sip-1", now=at(10))
    assert {"action": "ring", "call_id": queued["queue_call_id"], "agent_id": b} in queued["actions"]
    assert flows.agent_state(context, user_id=b)["state"] == "ringing"
    actions = flows.answered(context, queue_call_id=queued["queue_call_id"], agent_user_id=b, now=at(14))
    assert {"action": "bridge", "call_id": queued["queue_call_id"], "agent_id": b} in actions
    flows.call_ended(context, agent_user_id=b, now=at(194))
    assert flows.agent_state(context, user_id=b)["state"] == "wrap_up"
    sweep.sweep(context, now=at(210))
    assert flows.agent_state(context, user_id=b)["state"] == "wrap_up"
    sweep.sweep(context, now=at(600))  # late tick: wrap-up ended at 224 all the same
    state = flows.agent_state(context, user_id=b)
    assert state["state"] == "available"
    with context.sessions() as s:
        call = s.get(QueueCall, queued["queue_call_id"])
        assert call.caller == "13800138000" and call.status == "answered" and call.wrap_seconds == 30
    figures = stats.stats(context, now=at(600))
    assert figures["offered"] == 1 and figures["answered"] == 1 and figures["service_level"] == 1.0
    assert figures["asa_seconds"] == 4 and figures["aht_seconds"] == 180 + 30


def test_no_answer_moves_on_and_an_abandoned_caller_lands_on_the_callback_list(context, two_agents):
    a, b = two_agents
    flows.set_state(context, user_id=a, state="available", now=at(0))
    flows.set_state(context, user_id=b, state="available", now=at(1))
    first = flows.queue_caller(context, caller="13800138000", now=at(10))["queue_call_id"]
    assert flows.agent_state(context, user_id=a)["state"] == "ringing"
    actions = flows.tick(context, now=at(10 + context.settings.acd_ring_seconds))
    assert {"action": "ring", "call_id": first, "agent_id": b} in actions
    assert (flows.agent_state(context, user_id=a)["state"], flows.agent_state(context, user_id=a)["reason"]) == ("on_break", "未接听")
    flows.caller_left(context, queue_call_id=first, now=at(30))
    assert flows.agent_state(context, user_id=b)["state"] == "available"  # no zombie ring
    with context.sessions() as s:
        cb = s.query(MissedCallback).one()
        assert cb.caller == "13800138000" and cb.status == "pending"
        assert s.get(QueueCall, first).status == "abandoned"
    done = flows.mark_callback(context, callback_id=cb.id, user_id=a, outcome="no_answer", now=at(100))
    assert done.status == "pending" and done.outcome == "no_answer"
    done = flows.mark_callback(context, callback_id=cb.id, user_id=a, outcome="reached", note="已解答", now=at(200))
    assert done.status == "done"
    with pytest.raises(Conflict):
        flows.mark_callback(context, callback_id=cb.id, user_id=a, outcome="reached")
    with pytest.raises(ValidationFailed):
        flows.mark_callback(context, callback_id=cb.id, user_id=a, outcome="maybe")
    figures = stats.stats(context, now=at(300))
    assert figures["offered"] == 1 and figures["abandoned"] == 1 and figures["service_level"] == 0.0
    assert figures["agents_by_state"]["on_break"] == 1 and figures["agents_by_state"]["available"] == 1


def test_max_wait_offer_message_and_the_daily_row_is_idempotent(context, two_agents):
    first = flows.queue_caller(context, caller="13900139000", urgent=True, now=at(0))
    assert first["actions"] == [{"action": "announce", "call_id": first["queue_call_id"], "position": 1,
                                 "expected_wait": None}]
    second = flows.queue_caller(context, caller="13700137000", now=at(5))["queue_call_id"]
    assert [(a["call_id"], a["position"]) for a in flows.announcements(context)] == [(first["queue_call_id"], 1),
                                                                                    (second, 2)]
    actions = flows.tick(context, now=at(context.settings.acd_max_wait_seconds))
    assert {"action": "offer_message", "call_id": first["queue_call_id"]} in actions
    assert stats.stats(context, now=at(200))["longest_wait_seconds"] == 200
    flows.caller_left(context, queue_call_id=first["queue_call_id"], outcome="message", now=at(200))
    sweep.sweep(context, now=at(300))
    sweep.sweep(context, now=at(301))
    rows = stats.daily(context, start=T0.date() - timedelta(days=1), end=T0.date())
    assert [r["day"] for r in rows] == ["2026-12-03", "2026-12-04"]
    assert rows[1]["offered"] == 2 and rows[1]["left_message"] == 1 and rows[1]["answered"] == 0
    with context.sessions() as s:
        assert s.query(MissedCallback).count() == 0  # a message is not a missed call


def test_a_late_sweep_dates_timers_from_their_deadline_not_the_sweep(context, two_agents):
    """Wrong pause times (a known contact-centre bug): a ring timeout or a wrap-up end applied late by the sweep
    is logged at its deadline, and an early end of wrap-up by hand shortens the call's handle time."""
    a, b = two_agents
    flows.set_state(context, user_id=a, state="available", now=at(0))
    call = flows.queue_caller(context, caller="13800138000", now=at(10))["queue_call_id"]
    sweep.sweep(context, now=at(100))  # ring should have ended at 25
    assert stats.pause_seconds(context, user_id=a, start=at(0), end=at(200)) == {
        "available": 10, "ringing": 15, "on_break:未接听": 175}
    flows.set_state(context, user_id=b, state="available", now=at(200))
    assert flows.agent_state(context, user_id=b)["call_id"] == call
    flows.answered(context, queue_call_id=call, agent_user_id=b, now=at(205))
    flows.call_ended(context, agent_user_id=b, now=at(265))
    flows.set_state(context, user_id=b, state="available", now=at(275))  # ready after 10 s of the 30
    with context.sessions() as s:
        assert s.get(QueueCall, call).wrap_seconds == 10
    assert stats.stats(context, now=at(300))["aht_seconds"] == 60 + 10


def test_a_late_answer_after_the_caller_hung_up_is_not_counted_answered(context, two_agents):
    """Stale members shown as answered / a zombie call to the agent: the caller is gone, the answer is refused."""
    a, _ = two_agents
    flows.set_state(context, user_id=a, state="available", now=at(0))
    call = flows.queue_caller(context, caller="13800138000", now=at(1))["queue_call_id"]
    flows.caller_left(context, queue_call_id=call, now=at(3))
    actions = flows.answered(context, queue_call_id=call, agent_user_id=a, now=at(4))
    assert actions == [{"action": "stop_ringing", "call_id": call, "agent_id": a}]
    with context.sessions() as s:
        row = s.get(QueueCall, call)
        assert row.status == "abandoned" and row.answered_at is None
    assert flows.agent_state(context, user_id=a)["state"] == "available"
    assert stats.stats(context, now=at(5))["answered"] == 0


def test_callers_queued_at_once_ring_one_agent_each(context, users):
    """Routing runs under one lock: concurrent arrivals never ring one agent twice nor lose a caller."""
    from concurrent.futures import ThreadPoolExecutor

    ids = []
    for n in range(3):
        user, _ = users("agent")
        phones.set_phone(context, username=user.username, extension=f"81{n}", password="pass-word-1")
        flows.set_state(context, user_id=user.id, state="available")
        ids.append(user.id)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda n: flows.queue_caller(context, caller=f"1380013800{n}"), range(8)))
    rung = [a["agent_id"] for r in results for a in r["actions"] if a["action"] == "ring"]
    assert sorted(rung) == sorted(ids)
    with context.sessions() as s:
        statuses = sorted(c.status for c in s.query(QueueCall))
    assert statuses == ["ringing"] * 3 + ["waiting"] * 5
