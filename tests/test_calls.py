"""Phone calls become tickets, without SIP: real WAV files under data_dir/recordings, the call flows the SIP
workers call, the enqueued task run in-process with the fake recognizer, the sweep that never loses a call."""

from __future__ import annotations

import math
import struct
import wave
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from asr.fake import FakeRecognizer
from hotline.database import utcnow
from hotline.errors import AsrFailed, AsrUnavailable, ValidationFailed
from telephony import flows
from telephony.models import Call
from ticketing.flows.phone import EMPTY_MARK, PENDING_MARK
from ticketing.models import Ticket, TicketEvent
from ticketing.org import service as org

SPEECH = "你好，我要投诉我们小区门口的路灯不亮已经一个星期了，晚上走路很危险"


def write_wav(settings, name: str, seconds: float, *, tone: bool = True) -> str:
    """An 8 kHz mono 16-bit WAV under data_dir/recordings; returns its path relative to that directory."""
    root = settings.data_dir / "recordings" / "2026" / "11"
    root.mkdir(parents=True, exist_ok=True)
    frames = int(8000 * seconds)
    amp = 8000 if tone else 0
    data = b"".join(struct.pack("<h", int(amp * math.sin(2 * math.pi * 440 * i / 8000))) for i in range(frames))
    with wave.open(str(root / name), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(data)
    return f"2026/11/{name}"


def run_enqueued(context, queue, recognizer) -> list[str]:
    """Execute what the flows enqueued, as a worker would (the task body is exactly this call)."""
    done = []
    while queue.sent:
        name, args, _ = queue.sent.pop(0)
        assert name in ("telephony.process_call", "telephony.process_urgent_call")
        done.append(flows.process_call(context, call_id=args[0], recognizer=recognizer))
    return done


# Reads go through read-only sessions: the test's own session must not hold SQLite's write lock.
_reader = None


@pytest.fixture(autouse=True)
def _bind_reader(context):
    global _reader
    _reader = context.reader
    yield
    _reader = None


def tickets(_session=None) -> list[Ticket]:
    with _reader() as s:
        return list(s.scalars(select(Ticket).order_by(Ticket.id)))


def events(ticket_id: int) -> list[str]:
    with _reader() as s:
        return list(s.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == ticket_id)
                              .order_by(TicketEvent.seq)))


def get_call(_session, call_id) -> Call:
    with _reader() as s:
        return s.get(Call, call_id)


def place_call(context, settings, *, name="c1.wav", seconds=8.0, caller="sip:+8613812341234@10.0.0.9",
               digits="1", mark=None, tone=True) -> int:
    call_id = flows.call_started(context, sip_call_id=f"{name}@10.0.0.9", caller_raw=caller, callee="12345",
                                 worker="w1")
    flows.call_progress(context, call_id=call_id, ivr_node="greeting")
    flows.call_progress(context, call_id=call_id, ivr_node="menu", digits=digits,
                        mark=mark if mark is not None else {"menu_choice": digits})
    flows.call_progress(context, call_id=call_id, ivr_node="record")
    path = write_wav(settings, name, seconds, tone=tone)
    flows.call_ended(context, call_id=call_id, outcome="hangup", recording_path=path, recording_seconds=seconds)
    return call_id


def test_recorded_call_becomes_a_phone_ticket(context, settings, session, queue):
    dept = org.create_department(session, code="cgj", name="城管局", level="city")
    light = org.create_category(session, code="17006", name="路灯照明")  # the catalogue's matter code
    org.create_dispatch_rule(session, category_id=light.id, district=None, department_id=dept.id)
    session.commit()
    call_id = place_call(context, settings)
    assert queue.sent == [("telephony.process_call", (call_id,), {})]
    call = get_call(session, call_id)
    assert call.status == "recorded" and call.ivr_path == ["greeting", "menu", "record"] and call.digits == "1"
    assert call.answered_at is not None and call.ended_at >= call.started_at

    recognizer = FakeRecognizer({"c1.wav": SPEECH})
    assert run_enqueued(context, queue, recognizer) == ["ticketed"]
    [ticket] = tickets(session)
    assert ticket.channel == "phone" and ticket.caller_phone == "13812341234"
    assert ticket.content == SPEECH and ticket.transcript == SPEECH
    assert ticket.recording_url == "2026/11/c1.wav"
    assert (settings.data_dir / "recordings" / ticket.recording_url).is_file()
    assert ticket.ticket_type == "complaint" and ticket.urgency == "normal"
    assert ticket.call_ref == "c1.wav@10.0.0.9" and ticket.status == "registered"
    hints = ticket.suggestions["triage"]  # the trained classifier (ticketing.triage) and the catalogue
    assert hints["type"] == "complaint" and hints["urgency"] == "normal" and hints["handoff"] is None
    assert hints["matter"]["code"] == "17006" and hints["matter"]["id"] == light.id
    assert hints["department"]["id"] == dept.id and "路灯" in hints["why"]
    call = get_call(session, call_id)
    assert (call.status, call.transcript_status, call.ticket_number) == ("ticketed", "done", ticket.number)
    assert call.transcript == SPEECH and call.attempts == 1 and call.next_attempt_at is None


def test_duplicate_task_delivery_gives_one_ticket(context, settings, session, queue):
    call_id = place_call(context, settings)
    recognizer = FakeRecognizer({"c1.wav": SPEECH})
    first = flows.process_call(context, call_id=call_id, recognizer=recognizer)
    again = flows.process_call(context, call_id=call_id, recognizer=recognizer)
    assert first == again == "ticketed"
    assert len(tickets(session)) == 1 and len(recognizer.calls) == 1
    # a repeated call_ended report changes nothing and enqueues nothing more
    queue.sent.clear()
    assert flows.call_ended(context, call_id=call_id, outcome="hangup") == "ticketed"
    assert queue.sent == []


def test_delivery_while_another_worker_holds_the_call_is_skipped(context, settings, session):
    call_id = place_call(context, settings)
    session.execute(update(Call).where(Call.id == call_id).values(
        status="processing", next_attempt_at=utcnow() + timedelta(minutes=5)))
    session.commit()
    recognizer = FakeRecognizer({"c1.wav": SPEECH})
    assert flows.process_call(context, call_id=call_id, recognizer=recognizer) == "processing"
    assert recognizer.calls == [] and tickets(session) == []


def test_key_zero_is_urgent_and_menu_consultation_sets_the_type(context, settings, session, queue):
    urgent = place_call(context, settings, name="u.wav", digits="0", mark={"menu_choice": "0", "urgent": True})
    consult = place_call(context, settings, name="q.wav", digits="2",
                         mark={"menu_choice": "2", "ticket_type": "consult"})
    run_enqueued(context, queue, FakeRecognizer({"u.wav": "楼下着火了，有人被困", "q.wav": SPEECH}))
    by_call = {t.call_ref: t for t in tickets(session)}
    assert by_call["u.wav@10.0.0.9"].urgency == "urgent"
    hint = by_call["u.wav@10.0.0.9"].suggestions["triage"]
    assert hint["urgency"] == "urgent" and hint["handoff"] == "119"
    assert any("着火" in r for r in hint["reasons"]) and any("被困" in r for r in hint["reasons"])
    assert by_call["q.wav@10.0.0.9"].ticket_type == "consult"  # the menu wins over 投诉 in the words
    assert by_call["q.wav@10.0.0.9"].urgency == "normal"
    assert get_call(session, consult).menu_choice == "2" and get_call(session, urgent).urgent is True


def test_failed_recognition_still_creates_the_ticket_and_a_retry_attaches_the_transcript(
        context, settings, session, queue):
    call_id = place_call(context, settings)
    assert run_enqueued(context, queue, FakeRecognizer(fail=True)) == ["failed"]
    [ticket] = tickets(session)
    assert ticket.content.startswith(PENDING_MARK) and ticket.title.startswith(PENDING_MARK)
    assert ticket.transcript is None and ticket.recording_url == "2026/11/c1.wav"
    assert ticket.caller_phone == "13812341234" and ticket.channel == "phone"
    call = get_call(session, call_id)
    assert call.status == "failed" and call.transcript_status == "failed" and "fake recognizer" in call.error
    delay = settings.calls_retry_delays[0]
    assert abs((call.next_attempt_at - utcnow()).total_seconds() - delay) < 60

    # not due yet: neither the sweep nor a stray delivery retries early
    assert flows.sweep_calls(context) == {"requeued": 0, "lost": 0}
    assert flows.process_call(context, call_id=call_id, recognizer=FakeRecognizer(fail=True)) == "failed"
    assert get_call(session, call_id).attempts == 1

    session.execute(update(Call).where(Call.id == call_id).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert flows.sweep_calls(context) == {"requeued": 1, "lost": 0}
    assert run_enqueued(context, queue, FakeRecognizer({"c1.wav": SPEECH})) == ["ticketed"]
    [ticket] = tickets(session)
    assert ticket.content == SPEECH and ticket.transcript == SPEECH and ticket.title == SPEECH[:30]
    assert "路灯" in ticket.search_tokens
    assert ticket.suggestions["triage"]["type"] == "complaint"
    assert events(ticket.id) == ["create", "transcribe"]
    call = get_call(session, call_id)
    assert (call.status, call.transcript_status, call.attempts, call.error) == ("ticketed", "done", 2, None)


def test_retries_end_when_the_delays_are_used_up(context, settings, session, queue):
    settings.calls_retry_delays = [0.0]
    call_id = place_call(context, settings)
    assert run_enqueued(context, queue, FakeRecognizer(fail=True)) == ["failed"]
    assert flows.sweep_calls(context)["requeued"] == 1
    assert run_enqueued(context, queue, FakeRecognizer(fail=True)) == ["ticketed"]
    call = get_call(session, call_id)
    assert call.transcript_status == "failed" and call.next_attempt_at is None and "gave up" in call.error
    assert flows.sweep_calls(context)["requeued"] == 0
    assert len(tickets(session)) == 1


class _Refusing:
    """A recognizer that fails as the port allows: `error` is raised on every recording."""

    name = "refusing"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def transcribe(self, wav_path, bias=None):
        raise self.error


def test_a_failure_the_recognizer_calls_final_is_not_retried(context, settings, session, queue):
    call_id = place_call(context, settings)
    refusing = _Refusing(AsrFailed("corrupt or unsupported WAV file", retryable=False))
    assert run_enqueued(context, queue, refusing) == ["ticketed"]
    call = get_call(session, call_id)
    assert call.transcript_status == "failed" and call.next_attempt_at is None and "not retried" in call.error
    assert flows.sweep_calls(context)["requeued"] == 0
    [ticket] = tickets(session)
    assert ticket.content.startswith(PENDING_MARK) and ticket.recording_url == "2026/11/c1.wav"


@pytest.mark.parametrize("error", [AsrFailed("decoder crashed", retryable=True), AsrUnavailable("no model yet")])
def test_a_retryable_failure_and_a_missing_model_are_retried(context, settings, session, queue, error):
    call_id = place_call(context, settings)
    assert run_enqueued(context, queue, _Refusing(error)) == ["failed"]
    call = get_call(session, call_id)
    assert call.status == "failed" and call.next_attempt_at is not None


def test_short_silent_hangup_is_logged_not_ticketed(context, settings, session, queue):
    call_id = place_call(context, settings, name="s.wav", seconds=1.0, tone=False)
    assert run_enqueued(context, queue, FakeRecognizer()) == ["logged"]
    assert tickets(session) == []
    call = get_call(session, call_id)
    assert call.transcript_status == "empty" and call.ticket_number is None and call.recording_seconds == 1.0


def test_long_silent_recording_becomes_a_ticket_marked_empty(context, settings, session, queue):
    call_id = place_call(context, settings, name="long.wav", seconds=settings.calls_min_speech_seconds + 2,
                         tone=False)
    assert run_enqueued(context, queue, FakeRecognizer()) == ["failed"]
    [ticket] = tickets(session)
    assert ticket.content.startswith(EMPTY_MARK) and ticket.recording_url == "2026/11/long.wav"
    assert get_call(session, call_id).transcript_status == "empty"


def test_missing_recording_file_is_a_failure_not_a_loss(context, settings, session, queue):
    call_id = place_call(context, settings)
    (settings.data_dir / "recordings" / "2026/11/c1.wav").unlink()
    assert run_enqueued(context, queue, FakeRecognizer({"c1.wav": SPEECH})) == ["failed"]
    assert "missing" in get_call(session, call_id).error and len(tickets(session)) == 1


def test_call_without_recording_is_only_logged(context, settings, session, queue):
    call_id = flows.call_started(context, sip_call_id="x@1", caller_raw="13812341234", callee="12345", worker="w1")
    assert flows.call_ended(context, call_id=call_id, outcome="cancel") == "logged"
    assert queue.sent == [] and tickets(session) == []
    flows.call_progress(context, call_id=call_id, ivr_node="late")  # late events are ignored
    assert get_call(session, call_id).ivr_path == [] and get_call(session, call_id).outcome == "cancel"


def test_call_started_is_idempotent_per_sip_call_id(context, session):
    first = flows.call_started(context, sip_call_id="abc@h", caller_raw=None, callee=None, worker=None)
    assert flows.call_started(context, sip_call_id="abc@h", caller_raw=None, callee=None, worker=None) == first
    long_id = "z" * 300
    a = flows.call_started(context, sip_call_id=long_id, caller_raw=None, callee=None, worker=None)
    b = flows.call_started(context, sip_call_id=long_id[:-1] + "y", caller_raw=None, callee=None, worker=None)
    assert a != b and len(get_call(session, a).sip_call_id) <= 128
    with _reader() as s:
        assert s.scalar(select(func.count()).select_from(Call)) == 3


@pytest.mark.parametrize("raw, expected", [
    ("sip:+8613812341234@10.0.0.9", "13812341234"),
    ("<sip:13812341234@pbx;user=phone>", "13812341234"),
    ("tel:+86-10-12345678", "01012345678"),
    ("0086 138 1234 1234", "13812341234"),
    ("12345", "12345"),
    (None, None), ("", None), ("anonymous", None), ("sip:anonymous@anonymous.invalid", None),
    ("Unknown", None), ("<>", None), ("abc!!", None), ("sip:@host", None), ("1" * 60, None), ("12", None),
    ("\x00\xff\u202e", None), ("sip:" + "9" * 5000 + "@x", None),
])
def test_odd_caller_ids_never_crash(context, session, raw, expected):
    assert flows.normalize_caller(raw) == expected
    call_id = flows.call_started(context, sip_call_id=f"odd-{raw!r:.60}", caller_raw=raw, callee="12345",
                                 worker="w1")
    assert get_call(session, call_id).caller == expected


def test_recording_outside_the_recordings_directory_is_refused(context, settings, tmp_path):
    call_id = flows.call_started(context, sip_call_id="p@1", caller_raw=None, callee=None, worker=None)
    for bad in ("../hotline.db", str(tmp_path / "elsewhere.wav")):
        with pytest.raises(ValidationFailed):
            flows.call_ended(context, call_id=call_id, outcome="hangup", recording_path=bad)
    absolute = settings.data_dir / "recordings" / write_wav(settings, "abs.wav", 4.0)
    assert flows.call_ended(context, call_id=call_id, outcome="hangup", recording_path=str(absolute),
                            recording_seconds=4.0) == "recorded"


def test_sweep_takes_up_lost_tasks_and_dead_workers(context, settings, session, queue):
    lost_task = place_call(context, settings, name="a.wav")
    crashed = place_call(context, settings, name="b.wav")
    in_flight = place_call(context, settings, name="c.wav")
    dead_worker = flows.call_started(context, sip_call_id="dead@1", caller_raw=None, callee=None, worker="w9")
    live = flows.call_started(context, sip_call_id="live@1", caller_raw=None, callee=None, worker="w1")
    queue.sent.clear()  # the broker lost every task
    past = utcnow() - timedelta(seconds=1)
    session.execute(update(Call).where(Call.id == lost_task).values(next_attempt_at=past))
    session.execute(update(Call).where(Call.id == crashed).values(status="processing", next_attempt_at=past))
    session.execute(update(Call).where(Call.id == dead_worker).values(
        updated_at=utcnow() - timedelta(seconds=settings.calls_stuck_seconds + 5)))
    session.commit()
    assert flows.sweep_calls(context) == {"requeued": 2, "lost": 1}
    assert sorted(args[0] for _, args, _ in queue.sent) == sorted([lost_task, crashed])
    assert flows.sweep_calls(context) == {"requeued": 0, "lost": 0}  # leased again: no double enqueue
    dead = get_call(session, dead_worker)
    assert (dead.status, dead.outcome) == ("logged", "lost")
    assert get_call(session, live).status == "active" and get_call(session, in_flight).status == "recorded"
    names = {"a.wav": SPEECH, "b.wav": SPEECH}
    assert run_enqueued(context, queue, FakeRecognizer(names)) == ["ticketed", "ticketed"]
    assert len(tickets(session)) == 2


def test_crash_after_ticket_creation_does_not_duplicate(context, settings, session, queue):
    """The worker died after registering the ticket but before recording it on the call."""
    call_id = place_call(context, settings)
    run_enqueued(context, queue, FakeRecognizer({"c1.wav": SPEECH}))
    session.execute(update(Call).where(Call.id == call_id).values(
        status="processing", ticket_number=None, next_attempt_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert flows.process_call(context, call_id=call_id, recognizer=FakeRecognizer({"c1.wav": SPEECH})) == "ticketed"
    [ticket] = tickets(session)
    assert get_call(session, call_id).ticket_number == ticket.number


def test_ticket_status_words_for_the_ivr(context, settings, session, queue):
    place_call(context, settings)
    run_enqueued(context, queue, FakeRecognizer({"c1.wav": SPEECH}))
    [ticket] = tickets(session)
    assert flows.ticket_status_words(context, number=ticket.number) == (True, ("status_registered",))
    assert flows.ticket_status_words(context, number="2099010100001") == (False, ())
    for junk in ("", "12ab", "1" * 40, None):
        assert flows.ticket_status_words(context, number=junk) == (False, ())


def test_list_calls_shows_outcome_and_status(context, settings, queue):
    place_call(context, settings)
    flows.call_started(context, sip_call_id="later@1", caller_raw="anonymous", callee="12345", worker="w2")
    rows = flows.list_calls(context, limit=10)
    assert [r["status"] for r in rows] == ["active", "recorded"]
    assert rows[1]["outcome"] == "hangup" and rows[1]["caller"] == "13812341234"
    assert [r["sip_call_id"] for r in flows.list_calls(context, limit=10, statuses=["recorded"])] == ["c1.wav@10.0.0.9"]


def test_the_registered_celery_task_runs_the_flow(context, settings, session, queue, monkeypatch):
    """The real task object (as a worker runs it), with the test's context and the fake recognizer."""
    from telephony import tasks
    from wiring.celery_app import celery

    celery.set_current()  # shared tasks bind to the current app; another test may have made its own current
    monkeypatch.setattr(tasks, "worker_context", lambda: context)
    monkeypatch.setattr(tasks, "_recognizer", lambda: FakeRecognizer({"c1.wav": SPEECH}))
    call_id = place_call(context, settings)
    assert tasks.process_call.apply(args=(call_id,)).get() == "ticketed"
    assert tasks.process_call.apply(args=(call_id,)).get() == "ticketed"  # redelivery
    assert len(tickets(session)) == 1
    assert tasks.sweep_calls.apply().get() == {"requeued": 0, "lost": 0}
    from wiring.celery_app import make_celery
    assert {"telephony.process_call", "telephony.process_urgent_call", "telephony.sweep_calls"} <= set(celery.tasks)
    schedule = make_celery(settings).conf.beat_schedule["sweep-calls"]
    assert schedule == {"task": "telephony.sweep_calls", "schedule": settings.calls_sweep_seconds}


def test_calls_list_command(context, settings, queue):
    import json

    from click.testing import CliRunner

    from hotline.settings import get_settings
    from wiring.cli import main

    place_call(context, settings)
    env = {"HOTLINE_DATABASE_URL": settings.database_url, "HOTLINE_DATA_DIR": str(settings.data_dir)}
    get_settings.cache_clear()
    try:
        as_json = CliRunner().invoke(main, ["calls", "list", "--json"], env=env, catch_exceptions=False)
        text = CliRunner().invoke(main, ["calls", "list"], env=env, catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    rows = json.loads(as_json.stdout)
    assert [(r["caller"], r["outcome"], r["status"]) for r in rows] == [("13812341234", "hangup", "recorded")]
    assert "13812341234" in text.output and "recorded" in text.output


def test_ports_and_fakes():
    from ivr.survey import SurveySpec
    from telephony.fake import FakeCallerScreen, FakeOutboundCalls
    from telephony.port import AllowAll, CallerScreen, OutboundCalls

    screen: CallerScreen = AllowAll()
    assert screen.screen(None).blocked is False and screen.screen("13812341234").blocked is False
    blocking: CallerScreen = FakeCallerScreen({"13812341234": "频繁骚扰"})
    assert blocking.screen("13812341234").reason == "频繁骚扰" and not blocking.screen(None).blocked
    calls: OutboundCalls = FakeOutboundCalls()
    calls.script("13900000000", "answered", "12")
    calls.script("13700000000", "busy", "1")
    survey = SurveySpec(case_number="2026120300001", tries=2, timeout_s=5)
    answered = calls.place_call("13900000000", survey=survey)
    assert (answered.outcome, answered.digit) == ("answered", "1") and answered.call_ref
    busy = calls.place_call("13700000000", survey=survey)
    assert (busy.outcome, busy.digit) == ("busy", None)
    assert calls.place_call("13600000000", survey=survey).digit is None
    assert [p.number for p in calls.placed] == ["13900000000", "13700000000", "13600000000"]


def test_concurrent_deliveries_while_transcribing_give_one_ticket(context, settings, session):
    """A second delivery arrives while the first is still transcribing: it backs off, one ticket results."""
    import threading

    call_id = place_call(context, settings)
    inside, release = threading.Event(), threading.Event()

    class SlowRecognizer(FakeRecognizer):
        def transcribe(self, wav_path, bias=None):
            inside.set()
            assert release.wait(30)
            return super().transcribe(wav_path, bias)

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(
        flows.process_call(context, call_id=call_id, recognizer=SlowRecognizer({"c1.wav": SPEECH}))))
    first.start()
    try:
        assert inside.wait(30)
        other = FakeRecognizer({"c1.wav": SPEECH})
        assert flows.process_call(context, call_id=call_id, recognizer=other) == "processing"
        assert other.calls == []
    finally:
        release.set()
        first.join(30)
    assert results == ["ticketed"] and len(tickets(session)) == 1
