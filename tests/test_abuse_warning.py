"""The abuse warning on the next call, below the SIP level: the session plays it before the greeting and
reports it only when it was really played; the writer forwards it to the caller screen with the stored call;
`mark_warned` marks the incidents once (audit row "warned"), so the next call is not warned again."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from abuse import flows, service
from abuse.models import AbuseAudit
from abuse.screen import abuse_screen
from ivr.flow import load_flow
from ivr.words import known_prompt_keys
from telephony import flows as telephony_flows
from telephony.fake import FakeCallerScreen
from telephony.port import WARNING, AllowAll, Screening
from telephony.sip.session import CallSession, RecordingParams
from telephony.sip.writer import CallWriter
from tests.test_sip_session import NOON, FakeMedia, FakeStore
from tests.wav_support import make_prompts
from ticketing.org.auth import Actor

MOBILE = "13800138000"


# --- the session (IVR executor) ------------------------------------------------------------------------------


class Store(FakeStore):
    def __init__(self) -> None:
        super().__init__()
        self.warned_keys: list[str] = []

    def warned(self, key) -> None:
        self.warned_keys.append(key)


def _session(tmp_path, settings, *, warning=True, missing=()):
    prompts = tmp_path / "prompts"
    make_prompts(prompts, known_prompt_keys() - set(missing), seconds=0.05)
    media, store = FakeMedia(), Store()
    session = CallSession(key="k", flow=load_flow(settings=settings), media=media, store=store,
                          prompts_dir=prompts, recordings_dir=tmp_path / "rec", recording_name="day/k.wav",
                          params=RecordingParams(silence_rms=300.0, no_speech_seconds=5.0))
    session.start(caller=MOBILE, local_time=NOON, blocked=False, warning=warning, now=0.0)
    return session, media, store


def test_session_plays_the_warning_first_and_reports_it_once_played(tmp_path, settings):
    session, media, store = _session(tmp_path, settings)
    assert media.played == ["abuse_warning"] and store.nodes() == ["warning"]
    session.digit("1", 0.5)   # a key cannot skip the warning
    assert media.playing == "abuse_warning" and media.stops == 0 and store.warned_keys == []
    session.play_done(3.0)
    assert store.warned_keys == ["k"]
    assert media.played == ["abuse_warning", "greeting"] and store.nodes() == ["warning", "main"]
    session.play_done(4.0)
    session.digit("2", 4.5)   # the menu works as usual afterwards
    assert store.nodes() == ["warning", "main", "consult"] and store.warned_keys == ["k"]


def test_session_hang_up_during_the_warning_reports_nothing(tmp_path, settings):
    session, media, store = _session(tmp_path, settings)
    session.disconnected(1.0)
    assert store.warned_keys == [] and store.nodes() == ["warning"]


def test_session_without_warning_starts_with_the_greeting(tmp_path, settings):
    session, media, store = _session(tmp_path, settings, warning=False)
    assert media.played == ["greeting"] and store.nodes() == ["main"]


def test_session_a_missing_warning_prompt_is_not_a_warning_given(tmp_path, settings, caplog):
    with caplog.at_level(logging.ERROR):
        session, media, store = _session(tmp_path, settings, missing={"abuse_warning"})
    assert store.warned_keys == [] and media.played == ["greeting"]
    assert store.nodes() == ["warning", "main"] and "not recorded as given" in caplog.text


# --- the writer thread -----------------------------------------------------------------------------------------


class Flows:
    def __init__(self) -> None:
        self.ops: list[tuple] = []

    @staticmethod
    def normalize_caller(raw):
        return telephony_flows.normalize_caller(raw)

    def call_started(self, ctx, **kw):
        return 7

    def call_progress(self, ctx, *, call_id, **kw):
        self.ops.append(("progress", call_id, kw["ivr_node"]))

    def call_ended(self, ctx, *, call_id, outcome, recording_path, recording_seconds):
        self.ops.append(("ended", call_id, outcome))
        return "logged"


def _writer(screen):
    replies: list[tuple] = []
    flows_ = Flows()
    writer = CallWriter(object(), worker="w", on_lookup=lambda *a: None, screen=screen, flows=flows_,
                        on_screen=lambda *a: replies.append(a))
    return writer, replies, flows_


def test_writer_reports_the_warning_to_the_screen_with_the_call(caplog):
    screen = FakeCallerScreen(warn={MOBILE})
    writer, replies, flows_ = _writer(screen)
    writer.started("k", sip_call_id="sip-1", caller_raw="+86 138 0013 8000", callee="12345")
    writer.screen("k", "+86 138 0013 8000")
    writer.progress("k", ivr_node="warning")
    writer.warned("k")
    writer.warned("k")   # a repeat is not forwarded: the key was used up
    writer.ended("k", outcome="hangup", recording_path=None, recording_seconds=0.0)
    with caplog.at_level(logging.ERROR):
        writer.start()
        writer.stop()
    assert replies == [("k", False, True)]
    assert screen.warned_calls == [(MOBILE, 7)]
    assert flows_.ops == [("progress", 7, "warning"), ("ended", 7, "hangup")]
    assert writer.warn == {} and writer.errors == 0
    assert "did not ask for" in caplog.text


def test_writer_blocked_or_unknown_callers_are_never_due_a_warning():
    class Odd:
        def screen(self, caller):
            return Screening(blocked=True, reason=WARNING)   # blocked wins over a warning reason

        def warned(self, caller, *, call_id=None):
            raise AssertionError("not asked for")

    writer, replies, _ = _writer(Odd())
    writer.started("k", sip_call_id="sip-1", caller_raw="13800138000", callee="12345")
    writer.screen("k", "13800138000")
    writer.started("a", sip_call_id="sip-2", caller_raw="anonymous", callee="12345")
    writer.screen("a", "anonymous")
    writer.start()
    writer.stop()
    assert replies == [("k", True, False), ("a", True, False)] and writer.warn == {}
    assert AllowAll().warned(MOBILE) == 0 and not AllowAll().screen(MOBILE).warning


def test_writer_a_broken_screen_lets_the_caller_in_unwarned():
    class Broken:
        def screen(self, caller):
            raise RuntimeError("database down")

    writer, replies, _ = _writer(Broken())
    writer.screen("k", "13800138000")
    writer.start()
    writer.stop()
    assert replies == [("k", False, False)] and writer.errors == 1


# --- the flows: mark_warned ------------------------------------------------------------------------------------


@pytest.fixture
def agent(users):
    return Actor.of(users("agent")[0])


def _audit(context, caller=MOBILE):
    with context.sessions() as s:
        return list(s.scalars(select(AbuseAudit).where(AbuseAudit.caller == caller).order_by(AbuseAudit.id)))


def test_mark_warned_is_idempotent_and_the_next_call_is_not_warned(context, agent):
    flows.report_incident(context, actor=agent, kind="insult", note="骂人", caller=MOBILE)
    screen = abuse_screen(context)
    assert screen.screen(MOBILE).warning and screen.screen(MOBILE).reason == WARNING
    call_id = telephony_flows.call_started(context, sip_call_id="warn-1", caller_raw=MOBILE, callee="12345",
                                           worker="w")
    assert screen.warned(MOBILE, call_id=call_id) == 1
    assert flows.mark_warned(context, caller=MOBILE, call_id=call_id) == 0   # a repeat changes nothing
    assert flows.mark_warned(context, caller=MOBILE) == 0
    assert not screen.screen(MOBILE).warning and screen.screen(MOBILE) == Screening(blocked=False)
    audit = _audit(context)
    assert [a.action for a in audit] == ["incident", "warned"]
    assert audit[1].actor_name and audit[1].reason == f"warning played on call {call_id}; 1 incident(s)"
    with context.sessions() as s:
        [incident] = service.list_incidents(s, caller=MOBILE)
        assert incident.warned_at is not None and audit[1].incident_id == incident.id


def test_mark_warned_on_a_call_leaves_incidents_reported_during_it(context, agent):
    flows.report_incident(context, actor=agent, kind="insult", caller=MOBILE)
    call_id = telephony_flows.call_started(context, sip_call_id="warn-2", caller_raw=MOBILE, callee="12345",
                                           worker="w")
    later = flows.report_incident(context, actor=agent, kind="harassment", caller=MOBILE)["incident"]
    assert flows.mark_warned(context, caller=MOBILE, call_id=call_id) == 1
    with context.sessions() as s:
        warned = {i.id: i.warned_at is not None for i in service.list_incidents(s, caller=MOBILE)}
    assert warned[later["id"]] is False and list(warned.values()).count(True) == 1
