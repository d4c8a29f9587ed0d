"""The pure ACD routing engine: queue order, longest idle, skills, no-answer, offline mid-ring, hang-up during
ring, wrap-up, max wait, announcements; the contact-centre bugs others report, one test each."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from acd.engine import (
    Agent,
    AgentChanged,
    AgentSet,
    Announce,
    Answered,
    Bridge,
    CallEnded,
    CallerLeft,
    CallerQueued,
    Config,
    Left,
    OfferMessage,
    Ring,
    State,
    StopRinging,
    Tick,
    TransitionRefused,
    announcements,
    expected_wait,
    position,
    step,
)

CFG = Config(ring_seconds=15, wrap_up_seconds=30, max_wait_seconds=120, skill_relax_seconds=60, handle_seconds=200)


def agents(*specs) -> State:
    """specs: (id, idle_since, skills)"""
    return State(agents={i: Agent(i, "available", frozenset(s), idle) for i, idle, s in specs})


def run(state, *events, cfg=CFG):
    out = []
    for event in events:
        state, actions = step(state, event, cfg)
        out += actions
    return state, out


def rings(actions):
    return [(a.call_id, a.agent_id) for a in actions if isinstance(a, Ring)]


def test_longest_idle_agent_gets_the_call():
    state, actions = run(agents((1, 50.0, ()), (2, 10.0, ()), (3, 30.0, ())), CallerQueued(100, 7))
    assert rings(actions) == [(7, 2)]
    assert state.agents[2].state == "ringing" and state.callers[0].agent_id == 2


def test_emergency_goes_to_the_head_of_the_queue():
    state, _ = run(State(), CallerQueued(1, 1), CallerQueued(2, 2), CallerQueued(3, 3, urgent=True))
    assert [position(state, c) for c in (3, 1, 2)] == [1, 2, 3]
    state, actions = run(state, AgentSet(4, 9, "available"))
    assert rings(actions) == [(3, 9)]


def test_skills_first_then_relaxed_after_the_wait_and_at_once_for_urgent():
    base = agents((1, 0.0, ()), (2, 5.0, ("dialect",)))
    _, actions = run(base, CallerQueued(10, 1, skills=frozenset({"dialect"})))
    assert rings(actions) == [(1, 2)]  # the dialect speaker, though agent 1 idled longer
    only_plain = agents((1, 0.0, ()))
    state, actions = run(only_plain, CallerQueued(10, 1, skills=frozenset({"dialect"})))
    assert rings(actions) == []
    _, actions = run(state, Tick(69))
    assert rings(actions) == []
    _, actions = run(state, Tick(70))
    assert rings(actions) == [(1, 1)]
    _, actions = run(only_plain, CallerQueued(10, 2, urgent=True))
    assert rings(actions) == [(2, 1)]  # an emergency never waits for an urgent-skilled agent
    _, actions = run(agents((1, 0.0, ()), (2, 9.0, ("urgent",))), CallerQueued(10, 3, urgent=True))
    assert rings(actions) == [(3, 2)]


def test_no_answer_rings_the_next_agent_and_sets_the_first_not_ready():
    state, _ = run(agents((1, 0.0, ()), (2, 5.0, ())), CallerQueued(10, 7))
    state, actions = run(state, Tick(24))
    assert rings(actions) == []
    state, actions = run(state, Tick(25))
    assert StopRinging(7, 1) in actions and AgentChanged(1, "on_break", "未接听") in actions
    assert rings(actions) == [(7, 2)]
    assert state.agents[1].state == "on_break" and state.agents[1].reason == "未接听"


def test_agent_offline_mid_ring_caller_keeps_its_position():
    state, _ = run(agents((1, 0.0, ())), CallerQueued(10, 1), CallerQueued(11, 2), CallerQueued(12, 3))
    assert state.agents[1].call_id == 1
    state, actions = run(state, AgentSet(13, 1, "logged_out"))
    assert StopRinging(1, 1) in actions and state.agents[1].state == "logged_out"
    assert [position(state, c) for c in (1, 2, 3)] == [1, 2, 3]
    state, actions = run(state, AgentSet(20, 5, "available"))
    assert rings(actions) == [(1, 5)]


def test_caller_hangs_up_during_ring_agent_back_to_available_no_zombie():
    state, _ = run(agents((1, 0.0, ()), (2, 3.0, ())), CallerQueued(10, 1))
    state, actions = run(state, CallerLeft(12, 1))
    assert StopRinging(1, 1) in actions and Left(1, "abandoned") in actions
    assert state.agents[1].state == "available" and state.agents[1].idle_since == 0.0  # keeps their turn
    assert state.callers == ()
    _, actions = run(state, Answered(13, 1, 1))  # the agent picks up too late
    assert actions == [StopRinging(1, 1)]
    _, actions = run(state, CallerQueued(14, 2))
    assert rings(actions) == [(2, 1)]


def test_answer_bridges_and_call_end_wraps_up_then_available_by_time():
    state, _ = run(agents((1, 0.0, ())), CallerQueued(10, 1), Answered(14, 1, 1))
    assert state.agents[1].state == "on_call" and state.callers == ()
    state, _ = run(state, CallEnded(100, 1))
    assert state.agents[1].state == "wrap_up" and state.agents[1].wrap_until == 130
    state, _ = run(state, Tick(129.9))
    assert state.agents[1].state == "wrap_up"
    state, _ = run(state, Tick(500))  # a late sweep: idle since the wrap-up ended, not since the sweep
    assert state.agents[1].state == "available" and state.agents[1].idle_since == 130


def test_wrap_up_does_not_end_early_when_calls_keep_coming():
    """mod_callcenter bug: wrap-up cut short when the agent serves several queues. Callers queued during the
    wrap-up wait; nothing but time (or the agent) ends it."""
    state, _ = run(agents((1, 0.0, ())), CallerQueued(10, 1), Answered(11, 1, 1), CallEnded(50, 1))
    state, actions = run(state, CallerQueued(60, 2), CallerQueued(70, 3, urgent=True), Tick(79))
    assert rings(actions) == [] and state.agents[1].state == "wrap_up"
    state, actions = run(state, Tick(80))
    assert rings(actions) == [(3, 1)]


def test_agent_stuck_ringing_after_answer_elsewhere_cannot_happen():
    """app_queue ring-all bug: agents left reserved after another answered. One caller rings one agent; an
    answer frees every other agent; a stray answer from another agent is hung up."""
    state, _ = run(agents((1, 0.0, ()), (2, 1.0, ()), (3, 2.0, ())), CallerQueued(10, 1))
    assert [a.state for a in state.agents.values()].count("ringing") == 1
    state, actions = run(state, Answered(12, 1, 2))
    assert actions == [StopRinging(1, 2)]
    state, actions = run(state, Answered(12, 1, 1))
    assert Bridge(1, 1) in actions
    assert sorted(a.state for a in state.agents.values()) == ["available", "available", "on_call"]


def test_logged_out_and_on_break_members_are_never_rung():
    """Stale members: an agent who left is not offered calls (nor counted as staffed in announcements)."""
    state = State(agents={1: Agent(1, "logged_out"), 2: Agent(2, "on_break", reason="午休")})
    state, actions = run(state, CallerQueued(10, 1), Tick(50))
    assert rings(actions) == []
    assert announcements(state, CFG) == [Announce(1, 1, None)]


def test_max_wait_offers_a_message_once_and_the_caller_keeps_its_place():
    state, _ = run(State(), CallerQueued(0, 1), CallerQueued(30, 2))
    state, actions = run(state, Tick(119))
    assert not [a for a in actions if isinstance(a, OfferMessage)]
    state, actions = run(state, Tick(120))
    assert [a for a in actions if isinstance(a, OfferMessage)] == [OfferMessage(1)]
    state, actions = run(state, Tick(150), Tick(151))
    assert [a for a in actions if isinstance(a, OfferMessage)] == [OfferMessage(2)]
    state, actions = run(state, CallerLeft(160, 1, "message"))
    assert Left(1, "message") in actions and position(state, 2) == 1


def test_position_and_expected_wait_announcements():
    assert expected_wait(1, free=1, staffed=3, handle_seconds=200) == 0
    assert expected_wait(1, free=0, staffed=2, handle_seconds=200) == 200
    assert expected_wait(3, free=0, staffed=2, handle_seconds=200) == 400
    assert expected_wait(2, free=0, staffed=0, handle_seconds=200) is None
    state = State(agents={1: Agent(1, "on_call", call_id=99), 2: Agent(2, "wrap_up", wrap_until=1e9)})
    state, actions = run(state, CallerQueued(1, 1), CallerQueued(2, 2), CallerQueued(3, 3))
    assert [a for a in actions if isinstance(a, Announce)] == [Announce(1, 1, 200), Announce(2, 2, 200),
                                                               Announce(3, 3, 400)]


def test_invalid_manual_transitions_are_refused():
    state = State(agents={1: Agent(1, "on_call", call_id=5)})
    with pytest.raises(TransitionRefused):
        step(state, AgentSet(1, 1, "on_break", "休息"), CFG)
    with pytest.raises(TransitionRefused):
        step(agents((2, 0.0, ())), AgentSet(1, 2, "available"), CFG)  # already available
    with pytest.raises(TransitionRefused):
        step(agents((2, 0.0, ())), AgentSet(1, 2, "ringing"), CFG)
    state, actions = step(State(agents={3: Agent(3, "on_break", reason="午休")}), AgentSet(1, 3, "on_break", "培训"), CFG)
    assert actions == [AgentChanged(3, "on_break", "培训")]


def test_the_engine_never_loses_a_caller_or_double_books_an_agent():
    """Random events from many seeds: every queued caller is in the queue, bridged or has left; an agent rings
    at most one caller and that caller rings them back; nobody stays ringing past the ring time."""
    for seed in range(200):
        rnd = random.Random(seed)
        state = State(agents={i: Agent(i) for i in range(1, 5)})
        now, next_call, fates = 0.0, 1, {}
        for _ in range(60):
            now += rnd.choice([0.5, 2, 5, 16])
            kind = rnd.random()
            try:
                if kind < 0.3:
                    event = CallerQueued(now, next_call, urgent=rnd.random() < 0.2)
                    fates[next_call] = "queued"
                    next_call += 1
                elif kind < 0.45 and state.callers:
                    event = CallerLeft(now, rnd.choice(state.callers).id)
                elif kind < 0.6:
                    a = state.agents[rnd.randint(1, 4)]
                    event = Answered(now, a.call_id or 0, a.id)
                elif kind < 0.7:
                    event = CallEnded(now, rnd.randint(1, 4))
                elif kind < 0.85:
                    event = AgentSet(now, rnd.randint(1, 4), rnd.choice(["available", "on_break", "logged_out"]))
                else:
                    event = Tick(now)
                state, actions = step(state, event, CFG)
            except TransitionRefused:
                continue
            for action in actions:
                if isinstance(action, Bridge):
                    fates[action.call_id] = "bridged"
                elif isinstance(action, Left):
                    fates[action.call_id] = "left"
            queued = {c.id for c in state.callers}
            assert {c for c, f in fates.items() if f == "queued"} == queued, seed
            for agent in state.agents.values():
                if agent.state == "ringing":
                    caller = next(c for c in state.callers if c.id == agent.call_id)
                    assert caller.agent_id == agent.id and now - agent.ring_started < CFG.ring_seconds
            ringing = [c.agent_id for c in state.callers if c.agent_id is not None]
            assert len(ringing) == len(set(ringing))
            for c in state.callers:
                if c.agent_id is not None:
                    assert state.agents[c.agent_id].state == "ringing" and state.agents[c.agent_id].call_id == c.id


def test_the_engine_imports_only_the_standard_library():
    code = "import sys, acd.engine; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
           "{'sqlalchemy','fastapi','hotline','ticketing','pydantic'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
