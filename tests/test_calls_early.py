"""A recording that ends before the call (# / silence / limit, only the goodbye left) is handed to processing at
once (`call_recorded`); the later `call_ended` only completes the row. Both orders of "call ended" and
"processing finished", repeats, and a worker that dies between the two: one ticket, no call lost."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from asr.fake import FakeRecognizer
from hotline.database import utcnow
from hotline.errors import ValidationFailed
from telephony import flows
from telephony.models import Call
from telephony.sip.recovery import mark_worker_calls_lost
from tests.test_calls import SPEECH, run_enqueued, write_wav
from ticketing.models import Ticket

TASK = "telephony.process_call"


def _read(context, call_id: int) -> Call:
    with context.reader() as s:
        return s.get(Call, call_id)


def _tickets(context) -> list[Ticket]:
    with context.reader() as s:
        return list(s.scalars(select(Ticket).order_by(Ticket.id)))


def _recorded_early(context, settings, *, name="e1.wav", seconds=8.0, mark=None, worker="w1") -> int:
    """What a SIP worker reports up to the caller's #: started, menu, marks, then the finished recording."""
    call_id = flows.call_started(context, sip_call_id=f"{name}@10.0.0.9", caller_raw="sip:13812341234@10.0.0.9",
                                 callee="12345", worker=worker)
    flows.call_progress(context, call_id=call_id, ivr_node="main")
    flows.call_progress(context, call_id=call_id, ivr_node="report", digits="1",
                        mark=mark or {"menu_choice": "1", "ticket_type": "help", "urgent": False})
    flows.call_progress(context, call_id=call_id, digits="#")
    path = write_wav(settings, name, seconds)
    assert flows.call_recorded(context, call_id=call_id, recording_path=path, recording_seconds=seconds) == "recorded"
    flows.call_progress(context, call_id=call_id, ivr_node="goodbye")   # the caller hears the goodbye
    return call_id


def test_recording_is_processed_before_the_call_ends(context, settings, queue):
    call_id = _recorded_early(context, settings, mark={"menu_choice": "0", "urgent": True})
    assert queue.sent == [("telephony.process_urgent_call", (call_id,), {})]  # urgent key: the urgent queue
    call = _read(context, call_id)
    assert (call.status, call.ended_at, call.outcome) == ("recorded", None, None)
    assert call.recording_path == "2026/11/e1.wav" and call.recording_seconds == 8.0
    assert call.ivr_path == ["main", "report", "goodbye"] and call.digits == "1#"
    # processed while the call is still up: the ticket exists before the BYE
    assert run_enqueued(context, queue, FakeRecognizer({"e1.wav": SPEECH})) == ["ticketed"]
    [ticket] = _tickets(context)
    assert ticket.caller_phone == "13812341234" and ticket.urgency == "urgent"
    assert ticket.recording_url == "2026/11/e1.wav" and ticket.content == SPEECH
    assert _read(context, call_id).ended_at is None
    # then the IVR hangs up: the row is completed, nothing moves back, nothing is enqueued again
    assert flows.call_ended(context, call_id=call_id, outcome="done", recording_path="2026/11/e1.wav",
                            recording_seconds=8.02) == "ticketed"
    call = _read(context, call_id)
    assert (call.status, call.outcome, call.ticket_number) == ("ticketed", "done", ticket.number)
    assert call.ended_at is not None and call.transcript == SPEECH and call.recording_seconds == 8.0
    assert queue.sent == [] and len(_tickets(context)) == 1
    # repeats of either report change nothing
    assert flows.call_ended(context, call_id=call_id, outcome="hangup") == "ticketed"
    assert flows.call_recorded(context, call_id=call_id, recording_path="2026/11/e1.wav",
                               recording_seconds=8.0) == "ticketed"
    assert _read(context, call_id).outcome == "done" and queue.sent == []


def test_call_ends_before_processing_runs(context, settings, queue):
    call_id = _recorded_early(context, settings)
    assert flows.call_ended(context, call_id=call_id, outcome="done", recording_path="2026/11/e1.wav",
                            recording_seconds=8.0) == "recorded"
    call = _read(context, call_id)
    assert (call.status, call.outcome) == ("recorded", "done") and call.ended_at is not None
    assert queue.sent == [(TASK, (call_id,), {})]   # only the early enqueue
    # late IVR progress after the end is ignored
    flows.call_progress(context, call_id=call_id, ivr_node="late", digits="9")
    assert _read(context, call_id).ivr_path == ["main", "report", "goodbye"]
    assert run_enqueued(context, queue, FakeRecognizer({"e1.wav": SPEECH})) == ["ticketed"]
    assert len(_tickets(context)) == 1 and _read(context, call_id).outcome == "done"


def test_call_ends_while_processing_runs(context, settings, queue):
    """The end arrives in the middle of the transcription: status stays, one ticket, no second enqueue."""
    call_id = _recorded_early(context, settings)
    queue.sent.clear()
    inside, release = threading.Event(), threading.Event()

    class Slow(FakeRecognizer):
        def transcribe(self, wav_path, bias=None):
            inside.set()
            assert release.wait(30)
            return super().transcribe(wav_path, bias)

    results: list[str] = []
    worker = threading.Thread(target=lambda: results.append(
        flows.process_call(context, call_id=call_id, recognizer=Slow({"e1.wav": SPEECH}))))
    worker.start()
    try:
        assert inside.wait(30)
        assert flows.call_ended(context, call_id=call_id, outcome="hangup", recording_path="2026/11/e1.wav",
                                recording_seconds=8.0) == "processing"
    finally:
        release.set()
        worker.join(30)
    assert results == ["ticketed"] and queue.sent == []
    call = _read(context, call_id)
    assert (call.status, call.outcome) == ("ticketed", "hangup") and call.ended_at is not None
    assert len(_tickets(context)) == 1


def test_marks_after_the_hand_over_are_ignored(context, settings, queue):
    call_id = _recorded_early(context, settings)
    flows.call_progress(context, call_id=call_id, mark={"urgent": True, "ticket_type": "consult"})
    call = _read(context, call_id)
    assert call.urgent is False and call.ticket_type == "help"


def test_hand_over_needs_an_active_call_and_a_recording_inside_the_directory(context, settings, queue, tmp_path):
    call_id = flows.call_started(context, sip_call_id="x@1", caller_raw=None, callee=None, worker="w1")
    flows.call_ended(context, call_id=call_id, outcome="hangup")
    path = write_wav(settings, "late.wav", 4.0)
    assert flows.call_recorded(context, call_id=call_id, recording_path=path, recording_seconds=4.0) == "logged"
    assert queue.sent == []
    other = flows.call_started(context, sip_call_id="y@1", caller_raw=None, callee=None, worker="w1")
    outside = tmp_path / "outside.wav"
    outside.write_bytes(b"RIFF")
    with pytest.raises(ValidationFailed):
        flows.call_recorded(context, call_id=other, recording_path=str(outside), recording_seconds=1.0)
    assert _read(context, other).status == "active" and queue.sent == []


def test_short_silent_recording_handed_over_is_logged_and_then_ended(context, settings, queue):
    call_id = _recorded_early(context, settings, seconds=0.5)
    assert run_enqueued(context, queue, FakeRecognizer({"e1.wav": ""})) == ["logged"]
    assert flows.call_ended(context, call_id=call_id, outcome="done") == "logged"
    call = _read(context, call_id)
    assert call.ended_at is not None and call.outcome == "done" and _tickets(context) == []


def test_worker_dies_between_hand_over_and_end(context, settings, queue):
    """The worker restarts (recovery) after handing the recording over: the call's end is closed as lost,
    its processing goes on and makes the ticket; an active call of the same worker is closed as before."""
    call_id = _recorded_early(context, settings)
    active = flows.call_started(context, sip_call_id="mid@1", caller_raw=None, callee=None, worker="w1")
    other_worker = _recorded_early(context, settings, name="e2.wav", worker="w2")
    assert mark_worker_calls_lost(context, worker="w1", reason="test") == 2
    call = _read(context, call_id)
    assert (call.status, call.outcome, call.error) == ("recorded", "lost", None) and call.ended_at is not None
    assert (_read(context, active).status, _read(context, active).outcome) == ("logged", "lost")
    assert _read(context, other_worker).ended_at is None
    assert mark_worker_calls_lost(context, worker="w1") == 0
    names = {"e1.wav": SPEECH, "e2.wav": SPEECH}
    assert sorted(run_enqueued(context, queue, FakeRecognizer(names))) == ["ticketed", "ticketed"]
    assert len(_tickets(context)) == 2


def test_sweep_closes_an_end_that_never_came_and_requeues_a_lost_task(context, settings, session, queue):
    """No restart at all: the task was lost and the worker vanished. The sweep re-enqueues the recording and
    closes the call's end once it has been silent for calls_stuck_seconds; a fresh one is left alone."""
    stuck = _recorded_early(context, settings)
    fresh = _recorded_early(context, settings, name="e2.wav")
    queue.sent.clear()
    old = utcnow() - timedelta(seconds=settings.calls_stuck_seconds + 5)
    session.execute(update(Call).where(Call.id == stuck).values(next_attempt_at=utcnow() - timedelta(seconds=1),
                                                                updated_at=old))
    session.commit()
    assert flows.sweep_calls(context) == {"requeued": 1, "lost": 1}
    assert queue.sent == [(TASK, (stuck,), {})]
    call = _read(context, stuck)
    assert (call.status, call.outcome) == ("recorded", "lost") and call.ended_at is not None
    assert _read(context, fresh).ended_at is None and _read(context, fresh).status == "recorded"
    assert run_enqueued(context, queue, FakeRecognizer({"e1.wav": SPEECH})) == ["ticketed"]
    # ticketed but never ended, silent for long: only its end is closed, nothing is enqueued
    session.execute(update(Call).where(Call.id == fresh).values(status="ticketed", next_attempt_at=None,
                                                                updated_at=old))
    session.commit()
    assert flows.sweep_calls(context) == {"requeued": 0, "lost": 1}
    assert queue.sent == [] and _read(context, fresh).status == "ticketed"
    assert flows.sweep_calls(context) == {"requeued": 0, "lost": 0}
