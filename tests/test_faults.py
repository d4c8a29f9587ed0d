"""Reliability under faults, with real processes: a burst of SIPp calls while the Celery worker, the SIP
worker and beat are each killed with SIGKILL and restarted; return visits while the worker is killed -9.
Nothing recorded is lost and nothing is done twice."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from callbacks.models import ReturnVisit
from callbacks.sms import FakeSms
from ivr.words import known_prompt_keys
from telephony.fake import FakeOutboundCalls, Script
from telephony.models import Call
from tests.callbacks_support import closed_case
from tests.ports_support import free_port
from tests.process_support import start_process, wait_ready
from tests.rtp_support import call_pcap
from tests.runtime_support import runtime_env, runtime_settings, start_worker, stop_group, wait_until
from tests.sipp_support import SIPP, run_sipp, scenario
from tests.wav_support import make_prompts, tone
from ticketing.models import Ticket

SPEECH = "我要反映小区门口的路灯坏了"


def _beat(env: dict, log: Path):
    return start_process(["beat"], env, log)


def _kill(proc) -> None:
    stop_group(proc, signal.SIGKILL)


# --- 1. a burst of calls through kills of every process --------------------------------------------

@pytest.mark.skipif(SIPP is None, reason="needs sipp (Debian sip-tester)")
def test_call_burst_survives_kill_9_of_worker_sip_worker_and_beat(context, settings, tmp_path):
    s = runtime_settings(settings, data_dir=tmp_path / "data")
    make_prompts(s.data_dir / "prompts", known_prompt_keys())
    sip_port, rtp = free_port(), free_port()
    env = runtime_env(s, tmp_path, HOTLINE_TEST_ASR_SECONDS="3", HOTLINE_TEST_ASR_TEXT=SPEECH,
                      HOTLINE_CALLS_STUCK_SECONDS="12", HOTLINE_CALLS_SWEEP_SECONDS="1",
                      HOTLINE_IVR_RECORD_SILENCE_SECONDS="2", HOTLINE_IVR_GATHER_TIMEOUT_SECONDS="4",
                      HOTLINE_IVR_MAX_RECORD_SECONDS="12", HOTLINE_SIP_NO_ANSWER_SECONDS="4",
                      HOTLINE_SIP_RING_SECONDS="1", HOTLINE_SIP_HOST="127.0.0.1", HOTLINE_LOG_LEVEL="INFO")
    sip_env = {k: v for k, v in env.items() if k not in ("HOTLINE_TEST_ASR_SECONDS", "HOTLINE_CELERY_EXTRA_TASK_MODULES")}
    sip_argv = ["telephony", "worker", "--port", str(sip_port), "--rtp-port", str(rtp), "--name", "w-faults"]
    pcap = call_pcap(tmp_path / "call.pcap", seconds=7, audio=[(2.0, tone(3.0))], keys=[(0.8, "1"), (5.5, "#")])
    completed: list[str] = []   # callers whose call ran to the IVR's goodbye and BYE (recording done)
    lock = threading.Lock()

    def call(caller: str) -> None:
        sc = scenario(tmp_path / f"{caller}.xml", caller=caller, steps=[("pcap", pcap), ("wait_bye", 12000)])
        result = run_sipp(sc, f"127.0.0.1:{sip_port}", workdir=tmp_path, timeout=30)  # fails if its worker dies
        if result.returncode == 0:
            with lock:
                completed.append(caller)

    def burst(prefix: str, n: int, gap: float = 0.7) -> list[threading.Thread]:
        threads = []
        for i in range(n):
            t = threading.Thread(target=call, args=(f"1380000{prefix}{i:02d}",))
            t.start()
            threads.append(t)
            time.sleep(gap)
        return threads

    sip = start_process(sip_argv, sip_env, tmp_path / "sip1.log")
    worker = start_worker(env, tmp_path / "w1.log", "w1", concurrency=1)
    beat = _beat(env, tmp_path / "beat1.log")
    threads: list[threading.Thread] = []
    try:
        wait_ready(tmp_path / "sip1.log", "READY", sip, timeout=30)
        threads += burst("1", 4)
        assert wait_until(lambda: (tmp_path / "asr-started.log").exists(), timeout=30)
        _kill(worker)                                  # the Celery worker, in the middle of a transcription
        threads += burst("2", 2)
        worker = start_worker(env, tmp_path / "w2.log", "w2", concurrency=1)
        _kill(beat)
        beat = _beat(env, tmp_path / "beat2.log")
        for t in threads:
            t.join(60)
        threads += burst("3", 3, gap=1.0)
        _kill(sip)                                     # calls in flight on it may fail
        sip = start_process(sip_argv, sip_env, tmp_path / "sip2.log")
        wait_ready(tmp_path / "sip2.log", "READY", sip, timeout=30)
        threads += burst("4", 3)
        for t in threads:
            t.join(60)

        def recorded() -> list[Call]:
            with context.reader() as session:
                return list(session.scalars(select(Call).where(Call.recording_path.is_not(None))))

        def all_ticketed() -> bool:
            calls = recorded()
            return bool(calls) and all(c.ticket_number for c in calls)

        assert wait_until(all_ticketed, timeout=60, interval=1.0), [
            (c.caller_raw, c.status, c.error) for c in recorded()]
    finally:
        for proc in (sip, worker, beat):
            stop_group(proc)
    calls = recorded()
    with context.reader() as session:
        refs = Counter(session.scalars(select(Ticket.call_ref).where(Ticket.channel == "phone")))
        n_tickets = session.scalar(select(func.count()).select_from(Ticket))
    recorded_callers = {c.caller_raw for c in calls}
    assert set(completed) <= recorded_callers, (completed, recorded_callers)   # nothing recorded is lost
    assert len(completed) >= 5, completed   # the burst really went through the kills
    assert {c.sip_call_id for c in calls} == set(refs)     # every recorded call has its ticket ...
    assert [ref for ref, n in refs.items() if n > 1] == []  # ... exactly one
    assert n_tickets == len(calls)
    assert len({c.ticket_number for c in calls}) == len(calls)


# --- 2. return visits through a kill -9 of the worker ------------------------------------------------

def _log(name: str, line: str) -> None:
    fd = os.open(Path(os.environ["HOTLINE_TEST_TASK_DIR"]) / name, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


def slow_outbound(_settings):
    """A survey-call gateway for the worker: numbers ending in an odd digit do not answer; others answer
    and press 1. Each start and each completed call is logged; a call takes HOTLINE_TEST_VISIT_SECONDS."""
    class Slow(FakeOutboundCalls):
        def place_call(self, number, *, survey):
            _log("call-start.log", number)
            time.sleep(float(os.environ["HOTLINE_TEST_VISIT_SECONDS"]))
            self.results[number] = Script(outcome="no_answer" if int(number[-1]) % 2 else "answered", keys="1")
            result = super().place_call(number, survey=survey)
            if result.outcome == "answered":
                _log("call-answered.log", number)
            return result
    return Slow()


def slow_sms(_settings):
    class Slow(FakeSms):
        def send(self, to, body, *, status_callback):
            _log("sms-start.log", to)
            time.sleep(float(os.environ["HOTLINE_TEST_VISIT_SECONDS"]))
            ref = super().send(to, body, status_callback=status_callback)
            _log("sms-done.log", to)
            return ref
    return Slow()


def _lines(directory: Path, name: str) -> list[str]:
    path = directory / name
    return path.read_text().split() if path.exists() else []


def test_return_visits_through_kill_9_are_called_and_texted_once(context, users, tmp_path):
    phones = [f"1391234{i:04d}" for i in range(6)]   # even endings answer, odd ones fall back to SMS
    numbers = [closed_case(context, users, phone=p) for p in phones]
    s = runtime_settings(context.settings, data_dir=tmp_path / "data")
    env = runtime_env(s, tmp_path, HOTLINE_TEST_VISIT_SECONDS="1.5", HOTLINE_VISIT_DELAY_HOURS="0",
                      HOTLINE_VISIT_HOURS="[0, 24]", HOTLINE_VISIT_ON_REST_DAYS="true",
                      HOTLINE_VISIT_CALL_ATTEMPTS="2", HOTLINE_VISIT_RETRY_MINUTES="[0]",
                      HOTLINE_VISIT_LEASE_SECONDS="8", HOTLINE_VISIT_SWEEP_SECONDS="1",
                      HOTLINE_VISIT_OUTBOUND="tests.test_faults:slow_outbound",
                      HOTLINE_SMS_GATEWAY="tests.test_faults:slow_sms")
    worker = start_worker(env, tmp_path / "w1.log", "w1", concurrency=2)
    beat = _beat(env, tmp_path / "beat.log")
    try:
        assert wait_until(lambda: len(_lines(tmp_path, "call-start.log")) >= 2, timeout=60)
        _kill(worker)                                   # two survey calls in the middle
        worker = start_worker(env, tmp_path / "w2.log", "w2", concurrency=2)
        assert wait_until(lambda: _lines(tmp_path, "sms-start.log"), timeout=60)
        _kill(worker)                                   # and again while texting
        worker = start_worker(env, tmp_path / "w3.log", "w3", concurrency=2)

        def settled() -> bool:
            with context.reader() as session:
                visits = list(session.scalars(select(ReturnVisit).where(ReturnVisit.ticket_number.in_(numbers))))
            return len(visits) == len(numbers) and all(v.status in ("rated", "sms_sent", "done", "unreachable")
                                                       for v in visits)
        assert wait_until(settled, timeout=70, interval=1.0)
        time.sleep(3)   # further sweeps and redeliveries must do nothing more
    finally:
        stop_group(worker)
        stop_group(beat)
    with context.reader() as session:
        visits = {v.ticket_number: v for v in session.scalars(select(ReturnVisit))}
    assert set(visits) == set(numbers) and len(visits) == len(numbers)   # one visit per case
    done_calls = Counter(_lines(tmp_path, "call-answered.log"))
    sms_started = Counter(p.removeprefix("+86") for p in _lines(tmp_path, "sms-start.log"))
    assert [p for p, n in done_calls.items() if n > 1] == []    # no survey answered twice
    assert [p for p, n in sms_started.items() if n > 1] == []   # no SMS ever sent twice
    for phone, number in zip(phones, numbers):
        status = visits[number].status
        if int(phone[-1]) % 2 == 0 and phone in done_calls:   # answered and pressed 1: rated, no SMS
            assert status in ("rated", "done") and phone not in sms_started, (phone, status)
        else:   # no answer, or its calls were cut by the kills: texted exactly once
            assert status in ("sms_sent", "unreachable") and sms_started[phone] == 1, (phone, status)
    assert done_calls  # some surveys went through the kills

def test_visit_hours_ending_at_24_mean_all_day(settings):
    """The sweep took visit_hours (0, 24) (accepted by settings) and died on time(24)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from callbacks import schedule
    from ticketing.deadlines.workdays import WorkCalendar

    s = settings.model_copy(update={"visit_hours": (0, 24), "visit_on_rest_days": True})
    late = datetime(2026, 11, 28, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert schedule.next_allowed(late, settings=s, calendar=WorkCalendar(ZoneInfo("Asia/Shanghai"))) == late
