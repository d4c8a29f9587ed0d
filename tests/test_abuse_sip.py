"""A blacklisted number calls the real pjsua2 worker via SIPp with the default caller screen
(abuse.screen:abuse_screen): the notice is played, the attempt is logged, and the emergency key
still records an urgent call that becomes an urgent ticket flagged for review. A number with one unwarned
incident hears the recorded warning before the greeting on its next call (and only then)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from abuse import flows, service
from abuse.sweep import sweep
from asr.fake import FakeRecognizer
from hotline.context import AppContext
from hotline.database import make_session_factory
from ivr.words import known_prompt_keys
from telephony import flows as telephony_flows
from telephony.models import Call
from tests.ports_support import free_port, wait_for
from tests.process_support import hotline_env, start_process, stop_process, wait_ready
from tests.rtp_support import call_pcap
from tests.sipp_support import SIPP, run_sipp, scenario
from tests.wav_support import make_prompts, read_wav, speech, tone, write_wav
from ticketing.models import Ticket
from ticketing.org.auth import Actor

pytestmark = pytest.mark.skipif(SIPP is None, reason="needs sipp (Debian sip-tester)")
NUISANCE = "+8613000000009"   # the From user; blacklisted below as 0086 130 0000 0009
RUDE = "+8613000000008"       # the From user; one incident below as 0086 130 0000 0008
WARNING_SECONDS = 3.0         # the warning prompt is longer than the others (0.3 s): its play shows in the call


@pytest.fixture(scope="module")
def worker(tmp_path_factory, database_url):
    from hotline.settings import Settings

    root = tmp_path_factory.mktemp("abuse-sip")
    settings = Settings(data_dir=root / "data", database_url=database_url, _env_file=None)
    assert settings.telephony_caller_screen == "abuse.screen:abuse_screen"
    make_prompts(settings.data_dir / "prompts", known_prompt_keys())
    write_wav(settings.data_dir / "prompts" / "abuse_warning.wav", tone(WARNING_SECONDS, 700))
    port, rtp = free_port(), free_port()
    env = hotline_env(settings, HOTLINE_IVR_RECORD_SILENCE_SECONDS="2", HOTLINE_IVR_GATHER_TIMEOUT_SECONDS="4",
                      HOTLINE_IVR_MAX_RECORD_SECONDS="12", HOTLINE_SIP_NO_ANSWER_SECONDS="4",
                      HOTLINE_IVR_MAX_RETRIES="0", HOTLINE_SIP_HOST="127.0.0.1")
    log = root / "worker.log"
    proc = start_process(["telephony", "worker", "--port", str(port), "--rtp-port", str(rtp), "--name", "w-abuse"],
                         env, log)
    try:
        wait_ready(log, "READY", proc)
        yield type("W", (), {"settings": settings, "target": f"127.0.0.1:{port}", "log": log})
    finally:
        stop_process(proc)
        print(log.read_text(errors="replace")[-3000:])


@pytest.fixture
def blacklisted(context, users):
    boss = Actor.of(users("supervisor")[0])
    return flows.blacklist(context, actor=boss, caller="0086 130 0000 0009", days=7, reason="多次辱骂话务员")


def _place(worker, tmp_path, name, steps, caller=NUISANCE):
    sc = scenario(tmp_path / f"{name}.xml", caller=caller, steps=steps)
    result = run_sipp(sc, worker.target, workdir=tmp_path, timeout=40)
    errors = "".join(p.read_text(errors="replace") for p in tmp_path.glob("*.err"))
    assert result.returncode == 0, result.stdout[-1500:] + errors


def _ended_calls(context, count, caller=NUISANCE):
    def ended():
        with context.sessions() as s:
            calls = list(s.scalars(select(Call).where(Call.caller_raw == caller, Call.ended_at.is_not(None))
                                   .order_by(Call.id)))
            return calls if len(calls) >= count else None
    calls = wait_for(ended, 25)
    assert calls, "the blocked call was not logged"
    return calls


def test_blacklisted_number_hears_the_notice_and_the_attempt_is_logged(worker, context, blacklisted, tmp_path):
    _place(worker, tmp_path, "plain", [("wait_bye", 20000)])
    [call] = _ended_calls(context, 1)
    assert call.caller == "13000000009" and call.ivr_path[0] == "blocked" and "main" not in call.ivr_path
    assert call.recording_path is None and call.status == "logged"
    with context.sessions() as s:
        [attempt] = service.list_attempts(s, caller="13000000009")
    assert attempt.entry_id == blacklisted["id"]
    assert sweep(context)["linked"] == 1
    with context.sessions() as s:
        [attempt] = service.list_attempts(s, caller="13000000009")
        assert attempt.call_id == call.id and attempt.emergency is False


def test_emergency_key_still_becomes_an_urgent_ticket_for_review(worker, context, blacklisted, tmp_path):
    voice = read_wav(speech(tmp_path / "help.wav", "我家着火了，快来人"))[: 8000 * 3]
    pcap = call_pcap(tmp_path / "e.pcap", seconds=7, audio=[(2.2, voice)], keys=[(0.9, "9")])
    _place(worker, tmp_path, "emergency", [("pcap", pcap), ("pause", 6000), ("bye",)])
    [call] = _ended_calls(context, 1)
    assert call.ivr_path[:2] == ["blocked", "blocked_emergency"]
    assert call.urgent is True and call.status == "recorded"

    # the call is transcribed as on a Celery worker (fake ASR) and registered as an urgent ticket
    ctx = AppContext(settings=worker.settings, engine=context.engine, sessions=make_session_factory(context.engine))
    recognizer = FakeRecognizer({Path(call.recording_path).name: "我家着火了，快来人，在幸福小区三号楼"})
    telephony_flows.process_call(ctx, call_id=call.id, recognizer=recognizer)
    with context.sessions() as s:
        number = s.get(Call, call.id).ticket_number
        ticket = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert ticket.urgency == "urgent" and ticket.caller_phone == "13000000009"

    assert sweep(context)["linked"] == 1
    with context.sessions() as s:
        [attempt] = service.list_attempts(s, emergency=True, unreviewed=True)
    assert attempt.call_id == call.id and attempt.ticket_number == number


@pytest.fixture
def incident(context, users):
    agent = Actor.of(users("agent")[0])
    return flows.report_incident(context, actor=agent, kind="insult", note="辱骂话务员",
                                 caller="0086 130 0000 0008")["incident"]


def _timed_call(worker, tmp_path, name, steps, count, context):
    began = time.monotonic()
    _place(worker, tmp_path, name, steps, caller=RUDE)
    seconds = time.monotonic() - began
    call = _ended_calls(context, count, caller=RUDE)[-1]
    assert call.outcome == "done" and call.status == "logged"   # the IVR said goodbye and hung up
    return call, seconds, (call.ended_at - call.answered_at).total_seconds()


def test_first_incident_is_warned_on_the_next_call_only(worker, context, incident, tmp_path):
    assert flows.screen_caller(context, caller="13000000008").reason == flows.WARNING
    # first call: a key pressed during the warning does not skip it; the menu then times out (no retries)
    pcap = call_pcap(tmp_path / "w.pcap", seconds=2, keys=[(1.0, "1")])
    first, wall1, db1 = _timed_call(worker, tmp_path, "warned", [("pcap", pcap), ("wait_bye", 25000)], 1, context)
    assert first.caller == "13000000008" and first.ivr_path == ["warning", "main", "goodbye"]
    assert first.digits == "1" and first.menu_choice is None and first.recording_path is None
    with context.sessions() as s:
        [row] = service.list_incidents(s, caller="13000000008")
        assert row.id == incident["id"] and row.warned_at is not None
        assert first.answered_at <= row.warned_at <= first.ended_at
        warned = [a for a in service.audit_for(s, caller="13000000008") if a.action == "warned"]
    assert len(warned) == 1 and warned[0].reason == f"warning played on call {first.id}; 1 incident(s)"

    # the next call from the same number goes straight to the greeting
    second, wall2, db2 = _timed_call(worker, tmp_path, "again", [("wait_bye", 25000)], 2, context)
    assert second.ivr_path == ["main", "goodbye"] and second.id != first.id
    with context.sessions() as s:
        assert [a.action for a in service.audit_for(s, caller="13000000008")].count("warned") == 1
    # the warning prompt is what makes the first call longer (same path otherwise)
    assert abs((db1 - db2) - WARNING_SECONDS) < 0.8, (db1, db2)
    assert abs((wall1 - wall2) - WARNING_SECONDS) < 1.5, (wall1, wall2)


def test_hang_up_during_the_warning_leaves_the_incident_unwarned(worker, context, incident, tmp_path):
    _place(worker, tmp_path, "short", [("pause", 1000), ("bye",)], caller=RUDE)
    [call] = _ended_calls(context, 1, caller=RUDE)
    assert call.ivr_path == ["warning"] and call.outcome == "hangup"
    with context.sessions() as s:
        [row] = service.list_incidents(s, caller="13000000008")
        assert row.warned_at is None
    assert flows.screen_caller(context, caller="13000000008").reason == flows.WARNING   # still due
