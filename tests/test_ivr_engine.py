"""The IVR engine: every path of the default flow (table-driven), flow validation, and random calls."""

from __future__ import annotations

import json
import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.errors import ConfigurationError
from hotline.settings import Settings
from ivr.engine import (
    CallStarted,
    Digit,
    Gather,
    GatherTimeout,
    HangUp,
    Hangup,
    Lookup,
    LookupDone,
    Mark,
    Play,
    PromptDone,
    Record,
    RecordingDone,
    Transfer,
    Warned,
    start,
    step,
)
from ivr.flow import DEFAULT_FLOW_PATH, load_flow, parse_flow
from ivr.hours import is_open

TZ = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=TZ)
NIGHT = datetime(2026, 11, 23, 22, 30, tzinfo=TZ)


@pytest.fixture(scope="module")
def flow():
    return load_flow(settings=Settings(_env_file=None, ivr_max_retries=2, ivr_max_record_seconds=90,
                                       ivr_record_silence_seconds=4, ivr_gather_timeout_seconds=5))


def run(flow, events, *, when=NOON, blocked=False, warning=False):
    state, actions = start(flow, CallStarted(caller="13800000000", local_time=when, blocked=blocked,
                                             warning=warning))
    trace = [actions]
    for event in events:
        state, actions = step(flow, state, event)
        trace.append(actions)
    return state, trace


def flat(trace):
    return [action for actions in trace for action in actions]


def marks(trace):
    merged = {}
    for action in flat(trace):
        if isinstance(action, Mark):
            merged.update({k: v for k, v in vars(action).items() if v is not None})
    return merged


REC = Record(max_seconds=90, silence_s=4, finish_on="#", beep=True)
MENU_GATHER = Gather(max_digits=1, timeout_s=5)
P = PromptDone()

# (name, events, expected last actions, expected marks, path)
PATHS = [
    ("report", [P, Digit("1"), P, RecordingDone(30, "silence"), P], [HangUp("done")],
     {"menu_choice": "1", "ticket_type": "help", "urgent": False}, ["main", "report", "goodbye"]),
    ("consult", [P, Digit("2"), P, RecordingDone(12, "key"), P], [HangUp("done")],
     {"menu_choice": "2", "ticket_type": "consult", "urgent": False}, ["main", "consult", "goodbye"]),
    ("urgent", [P, Digit("0"), P, RecordingDone(90, "max"), P], [HangUp("done")],
     {"menu_choice": "0", "urgent": True}, ["main", "urgent", "goodbye"]),
    ("barge-in during greeting", [Digit("1"), P, RecordingDone(5, "silence"), P], [HangUp("done")],
     {"menu_choice": "1", "ticket_type": "help", "urgent": False}, ["main", "report", "goodbye"]),
    ("hang up while recording", [P, Digit("1"), P, RecordingDone(8, "hangup")], [HangUp("caller_hangup")],
     {"menu_choice": "1", "ticket_type": "help", "urgent": False}, ["main", "report"]),
    ("hang up at the menu", [P, Hangup()], [HangUp("caller_hangup")], {}, ["main"]),
    ("status found", [P, Digit("3"), P, Digit("2026"), Digit("1#"), LookupDone(True, ("status_accepted",)), P, P],
     [HangUp("done")], {"menu_choice": "3"}, ["main", "status", "goodbye"]),
    ("timeouts then goodbye", [P, GatherTimeout(), P, GatherTimeout(), P, GatherTimeout(), P],
     [HangUp("done")], {}, ["main", "goodbye"]),
    ("invalid keys then goodbye", [P, Digit("7"), P, Digit("*"), P, Digit("#"), P], [HangUp("done")], {},
     ["main", "goodbye"]),
    ("invalid then valid", [P, Digit("5"), P, Digit("2"), P, RecordingDone(3, "silence"), P], [HangUp("done")],
     {"menu_choice": "2", "ticket_type": "consult", "urgent": False}, ["main", "consult", "goodbye"]),
]


@pytest.mark.parametrize("name,events,last,expected_marks,path", PATHS, ids=[p[0] for p in PATHS])
def test_default_flow_paths(flow, name, events, last, expected_marks, path):
    state, trace = run(flow, events)
    assert trace[-1] == last
    assert state.ended
    assert marks(trace) == expected_marks
    assert list(state.path) == path
    finals = [a for a in flat(trace) if isinstance(a, (HangUp, Transfer))]
    assert len(finals) == 1


def test_greeting_menu_then_gather(flow):
    _, trace = run(flow, [P])
    assert trace == [[Play(("greeting", "menu"))], [MENU_GATHER]]


def test_record_after_beep_with_settings_limits(flow):
    _, trace = run(flow, [P, Digit("1"), P])
    assert trace[2] == [Mark(menu_choice="1"), Mark(menu_choice="1", ticket_type="help", urgent=False),
                        Play(("record_beep",))]
    assert trace[3] == [REC]


def test_retry_prompts_name_the_reason_and_give_up_politely(flow):
    _, trace = run(flow, [P, GatherTimeout(), P, Digit("8"), P, GatherTimeout()])
    assert trace[2] == [Play(("timeout", "menu"))]
    assert trace[3] == [MENU_GATHER]
    assert trace[4] == [Play(("invalid", "menu"))]
    assert trace[6] == [Play(("timeout", "goodbye"))]  # max_retries=2 used up


def test_status_lookup_speaks_digits_and_status(flow):
    _, trace = run(flow, [P, Digit("3"), P, Digit("20"), Digit("*"), Digit("4"), Digit("2"), Digit("#"),
                          LookupDone(True, ("replied",))])
    assert trace[3] == [Gather(max_digits=20, timeout_s=5, finish_on="#")]
    assert trace[5] == []  # "*" clears what was typed
    assert trace[8] == [Lookup("42")]
    assert trace[9] == [Play(("status_result", "digit_4", "digit_2", "status_is", "status_replied"))]


def test_status_lookup_not_found_retries_then_ends(flow):
    events = [P, Digit("3"), P, Digit("1#"), LookupDone(False), P, Digit("2#"), LookupDone(False), P,
              Digit("3#"), LookupDone(False), P]
    state, trace = run(flow, events)
    assert trace[5] == [Play(("status_not_found", "status_intro"))]
    assert trace[11] == [Play(("status_not_found", "goodbye"))]
    assert trace[-1] == [HangUp("done")] and state.ended


def test_status_lookup_max_digits_and_timeout_with_digits(flow):
    _, trace = run(flow, [P, Digit("3"), P, Digit("1" * 25)])
    assert trace[-1] == [Lookup("1" * 20)]
    _, trace = run(flow, [P, Digit("3"), P, Digit("123"), GatherTimeout()])
    assert trace[-1] == [Lookup("123")]
    _, trace = run(flow, [P, Digit("3"), P, Digit("#")])
    assert trace[-1] == [Play(("invalid", "status_intro"))]


def test_unknown_status_words_are_dropped(flow):
    _, trace = run(flow, [P, Digit("3"), P, Digit("7#"), LookupDone(True, ("status_closed", "bogus"))])
    assert trace[-1] == [Play(("status_result", "digit_7", "status_is", "status_closed"))]


@pytest.mark.parametrize("hours,when,expected", [
    ("00:00-24:00", NIGHT, "main"), ("08:00-20:00", NOON, "main"), ("08:00-20:00", NIGHT, "after_hours"),
    ("20:00-08:00", NIGHT, "main"), ("20:00-08:00", NOON, "after_hours"),
    ("08:00-12:00,13:30-23:00", NOON, "after_hours"), ("08:00-12:00,13:30-23:00", NIGHT, "main"),
])
def test_open_hours_pick_the_first_node(hours, when, expected):
    flow = load_flow(settings=Settings(_env_file=None, ivr_open_hours=hours))
    state, _ = start(flow, CallStarted(caller=None, local_time=when))
    assert state.node == expected


def test_after_hours_records_a_message(flow):
    hours = load_flow(settings=Settings(_env_file=None, ivr_open_hours="08:00-20:00"))
    state, trace = run(hours, [P, RecordingDone(20, "silence"), P], when=NIGHT)
    assert trace[0] == [Mark(menu_choice="after_hours"), Play(("greeting", "after_hours"))]
    assert trace[1][0].max_seconds == 120 and trace[-1] == [HangUp("done")] and state.ended


@pytest.mark.parametrize("key,events,last,urgent", [
    ("9", [P, Digit("9"), P, RecordingDone(10, "silence"), P], [HangUp("done")], True),
    ("9", [P, Digit("1")], [HangUp("blocked")], None),
    ("9", [P, GatherTimeout()], [HangUp("blocked")], None),
    ("9", [Digit("9"), P, RecordingDone(10, "silence"), P], [HangUp("done")], True),
    ("5", [P, Digit("9")], [HangUp("blocked")], None),
    ("5", [P, Digit("5"), P, RecordingDone(10, "key"), P], [HangUp("done")], True),
])
def test_blocked_caller_branch(key, events, last, urgent):
    flow = load_flow(settings=Settings(_env_file=None, ivr_emergency_key=key))
    state, trace = run(flow, events, blocked=True)
    assert trace[0] == [Play(("blocked_notice", "blocked_emergency"))]
    assert trace[-1] == last and state.ended
    assert marks(trace).get("urgent") is urgent


def test_warning_is_played_before_the_menu_and_keys_do_not_skip_it(flow):
    state, trace = run(flow, [Digit("1"), GatherTimeout(), P, Digit("1"), P, RecordingDone(9, "silence"), P],
                       warning=True)
    assert trace[0] == [Play(("abuse_warning",))]
    assert trace[1] == [] and trace[2] == []   # a key or a stray timeout during the warning changes nothing
    assert trace[3] == [Warned(), Play(("greeting", "menu"))]
    assert list(state.path) == ["warning", "main", "report", "goodbye"] and state.ended
    assert marks(trace) == {"menu_choice": "1", "ticket_type": "help", "urgent": False}
    assert sum(isinstance(a, Warned) for a in flat(trace)) == 1


def test_warning_after_hours_goes_on_to_the_message(flow):
    hours = load_flow(settings=Settings(_env_file=None, ivr_open_hours="08:00-20:00"))
    state, trace = run(hours, [P], when=NIGHT, warning=True)
    assert trace == [[Play(("abuse_warning",))],
                     [Warned(), Mark(menu_choice="after_hours"), Play(("greeting", "after_hours"))]]
    assert state.node == "after_hours" and state.resume == ""


@pytest.mark.parametrize("events", [[Hangup()], [Digit("5"), Hangup()], [RecordingDone(1, "hangup"), Hangup()]])
def test_hang_up_during_the_warning_is_not_a_warning_given(flow, events):
    state, trace = run(flow, events, warning=True)
    assert trace[-1] == [HangUp("caller_hangup")] and state.ended
    assert not any(isinstance(a, Warned) for a in flat(trace)) and list(state.path) == ["warning"]


def test_blocked_caller_is_not_warned_and_flows_without_a_warning_ignore_it(flow):
    _, trace = run(flow, [P], blocked=True, warning=True)
    assert trace[0] == [Play(("blocked_notice", "blocked_emergency"))]
    assert not any(isinstance(a, Warned) for a in flat(trace))
    plain = parse_flow(custom({"a": {"type": "menu", "prompts": ["menu"], "options": {"1": "g"}, "on_fail": "g"},
                               "g": {"type": "hangup", "prompts": ["goodbye"]}}))
    assert plain.warning is None
    state, actions = start(plain, CallStarted(caller=None, local_time=NOON, warning=True))
    assert actions == [Play(("menu",))] and state.node == "a"


def test_stray_events_are_ignored_and_end_is_final(flow):
    state, actions = start(flow, CallStarted(caller=None, local_time=NOON))
    for stray in (GatherTimeout(), RecordingDone(1), LookupDone(True)):
        state, actions = step(flow, state, stray)
        assert actions == [] and state.node == "main"
    state, actions = step(flow, state, Hangup())
    assert actions == [HangUp("caller_hangup")]
    assert step(flow, state, Digit("1")) == (state, [])


def custom(nodes, **extra):
    return {"start": "a", "after_hours": "a", "blocked": "a", "nodes": nodes, **extra}


def test_play_and_transfer_nodes():
    flow = parse_flow(custom({
        "a": {"type": "menu", "prompts": ["menu"], "options": {"1": "p"}, "on_fail": "t"},
        "p": {"type": "play", "prompts": ["transfer"], "next": "t"},
        "t": {"type": "transfer", "target": "sip:agents@127.0.0.1"}}))
    _, trace = run(flow, [Digit("1"), P])
    assert trace[-1] == [Transfer("sip:agents@127.0.0.1")]


@pytest.mark.parametrize("data,message", [
    (custom({"a": {"type": "hangup"}}, colour="red"), "colour"),
    (custom({"a": {"type": "hangup", "volume": 3}}), "volume"),
    (custom({"a": {"type": "menu", "prompts": ["menu"], "options": {"1": "nowhere"}, "on_fail": "a"}}),
     "unknown node 'nowhere'"),
    (custom({"a": {"type": "play", "prompts": ["no_such_prompt"], "next": "a"}}), "unknown prompt key 'no_such_prompt'"),
    ({**custom({"a": {"type": "hangup"}}), "start": "missing"}, "start refers to unknown node 'missing'"),
    (custom({"a": {"type": "menu", "prompts": ["menu"], "options": {"12": "a"}, "on_fail": "a"}}), "single keys"),
    (custom({"a": {"type": "dance"}}), "does not match any of the expected tags"),
    (custom({"a": {"type": "hangup"}}, limits={"open_hours": "8-20"}), "not like 08:00-20:00"),
    (custom({"a": {"type": "play", "prompts": [], "next": "a"}}), "at least 1"),
    (custom({"a": {"type": "hangup"}}, warning="a"), "warning refers to 'a', which is not a notice node"),
    (custom({"a": {"type": "hangup"}}, warning="w"), "warning refers to 'w', which is not a notice node"),
    (custom({"a": {"type": "menu", "prompts": ["menu"], "options": {"1": "w"}, "on_fail": "a"},
             "w": {"type": "notice", "prompts": ["abuse_warning"]}}, warning="w"),
     "node 'a': options[1] refers to notice node 'w'"),
    ({**custom({"a": {"type": "hangup"}, "w": {"type": "notice", "prompts": ["abuse_warning"]}}), "start": "w"},
     "start refers to notice node 'w'"),
    (custom({"a": {"type": "hangup"}, "w": {"type": "notice", "prompts": []}}, warning="w"), "at least 1"),
])
def test_invalid_flows_are_refused_clearly(data, message):
    with pytest.raises(ConfigurationError) as info:
        parse_flow(data)
    assert message in str(info.value)


def test_load_flow_file_errors_and_settings_path(tmp_path):
    bad = tmp_path / "flow.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        load_flow(bad)
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_flow(tmp_path / "missing.json")
    data = json.loads(DEFAULT_FLOW_PATH.read_text(encoding="utf-8"))
    data["limits"] = {"max_retries": 0}
    own = tmp_path / "own.json"
    own.write_text(json.dumps(data), encoding="utf-8")
    flow = load_flow(settings=Settings(_env_file=None, ivr_flow_path=own, ivr_max_retries=5))
    assert flow.limits.max_retries == 0  # the file wins over settings
    _, trace = run(flow, [P, GatherTimeout()])
    assert trace[-1] == [Play(("timeout", "goodbye"))]


def test_is_open_edges():
    assert is_open("08:00-20:00", datetime(2026, 1, 1, 8, 0).time())
    assert not is_open("08:00-20:00", datetime(2026, 1, 1, 20, 0).time())
    assert is_open("00:00-24:00", datetime(2026, 1, 1, 23, 59).time())


EVENT_MAKERS = [
    lambda r: PromptDone(), lambda r: GatherTimeout(), lambda r: Hangup(),
    lambda r: Digit("".join(r.choice("0123456789*#") for _ in range(r.randint(1, 4)))),
    lambda r: RecordingDone(r.uniform(0, 120), r.choice(["silence", "max", "key", "hangup"])),
    lambda r: LookupDone(r.random() < 0.5, tuple(r.choice(["accepted", "status_closed", "x"]) for _ in range(2))),
]


def respond(rng, action):
    """A plausible adapter answer to the waiting action, or (sometimes) any event at all."""
    if rng.random() < 0.2 or action is None:
        return rng.choice(EVENT_MAKERS)(rng)
    if isinstance(action, Play):
        return PromptDone() if rng.random() < 0.7 else EVENT_MAKERS[3](rng)
    if isinstance(action, Gather):
        return rng.choice([GatherTimeout(), EVENT_MAKERS[3](rng)])
    if isinstance(action, Record):
        return EVENT_MAKERS[4](rng)
    return EVENT_MAKERS[5](rng)


@pytest.mark.parametrize("seed", range(40))
def test_random_calls_never_raise_and_always_hang_up(flow, seed):
    rng = random.Random(seed)
    limit = flow.limits.max_events + 1
    for _ in range(25):
        state, actions = start(flow, CallStarted(caller=None, local_time=rng.choice([NOON, NIGHT]),
                                                 blocked=rng.random() < 0.2, warning=rng.random() < 0.3))
        for n in range(limit):
            if actions and isinstance(actions[-1], (HangUp, Transfer)):
                break
            waiting = actions[-1] if actions else None
            event = respond(rng, waiting) if rng.random() < 0.9 else rng.choice(EVENT_MAKERS)(rng)
            state, new = step(flow, state, event)
            actions = new or actions  # ignored events leave the adapter waiting on the same action
            assert all(isinstance(a, (Mark, Warned)) for a in new[:-1])
        assert isinstance(actions[-1], HangUp), (seed, state)
        assert state.ended


def test_pure_random_noise_is_cut_off_by_the_event_guard(flow):
    rng = random.Random(7)
    state, actions = start(flow, CallStarted(caller=None, local_time=NOON))
    for _ in range(flow.limits.max_events + 1):
        state, actions = step(flow, state, rng.choice([PromptDone(), LookupDone(True), RecordingDone(1)]))
        if state.ended:
            break
    assert state.ended and actions in ([HangUp("too_many_events")], [HangUp("done")])
