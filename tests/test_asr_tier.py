"""The transcription tier: ASR tasks on queues of their own (urgent calls first), an ASR-only worker, and a
worker killed with -9 in the middle of a call loses nothing (the calls sweep retries it from its row)."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import timedelta

from asr.fake import FakeRecognizer
from hotline.database import utcnow
from telephony import flows, service
from tests.runtime_support import runtime_env, runtime_settings, stop_group, wait_until
from tests.runtime_tasks import read_lines
from tests.test_calls import place_call, run_enqueued
from wiring.celery_app import make_celery, queue_name, task_routes, worker_queues

SPEECH = "我家楼下找火了，快来人，在和平里社区三号楼"


def test_asr_tasks_are_routed_to_their_own_queues(settings):
    routes = task_routes(settings)
    assert routes["telephony.process_call"] == {"queue": f"{settings.celery_queue}-asr"}
    assert routes["telephony.process_urgent_call"] == {"queue": f"{settings.celery_queue}-asr-urgent"}
    assert make_celery(settings).conf.task_routes == routes
    assert "ticketing.sweep_lights" not in routes  # everything else stays on the default queue


def test_worker_queue_names():
    from hotline.settings import Settings

    s = Settings(celery_queue="city", _env_file=None)
    assert worker_queues(s, "asr") == ["city-asr-urgent", "city-asr"]  # urgent first
    assert worker_queues(s, None) == ["city", "city-asr-urgent", "city-asr"]
    assert worker_queues(s, "default") == ["city"]
    assert worker_queues(s, "asr,default") == ["city-asr-urgent", "city-asr", "city"]
    assert queue_name(s, "elsewhere") == "elsewhere"


def test_urgent_key_calls_go_to_the_urgent_task_also_when_swept(context, settings, queue):
    normal = place_call(context, settings, name="n.wav", digits="1")
    urgent = place_call(context, settings, name="u.wav", digits="0", mark={"menu_choice": "0", "urgent": True})
    assert queue.sent == [("telephony.process_call", (normal,), {}),
                          ("telephony.process_urgent_call", (urgent,), {})]
    queue.sent.clear()
    with context.sessions() as session:  # both tasks lost: the sweep finds the rows due
        for call_id in (normal, urgent):
            service.get_call(session, call_id=call_id).next_attempt_at = utcnow() - timedelta(seconds=1)
        session.commit()
    flows.sweep_calls(context)
    assert sorted(queue.sent) == [("telephony.process_call", (normal,), {}),
                                  ("telephony.process_urgent_call", (urgent,), {})]


def test_the_ticket_gets_the_corrected_text_and_the_call_keeps_raw_text_and_segments(context, settings, queue):
    call_id = place_call(context, settings, name="fire.wav")
    run_enqueued(context, queue, FakeRecognizer({"fire.wav": SPEECH}))
    with context.reader() as session:
        call = service.get_call(session, call_id=call_id)
        assert call.transcript == "我家楼下着火了，快来人，在和平里社区3号楼"
        assert call.transcript_raw == SPEECH
        assert call.transcript_segments == [{"start": 0.0, "end": 8.0, "text": call.transcript, "confidence": 1.0}]
        assert {c["term"] for c in call.transcript_corrections} == {"着火"}
        from sqlalchemy import select

        from ticketing.models import Ticket

        ticket = session.scalars(select(Ticket).where(Ticket.number == call.ticket_number)).one()
        assert "着火了" in ticket.content
        assert ticket.urgency == "urgent"  # the repaired text is registered as the emergency it is


def test_correction_can_be_switched_off(context, settings, queue):
    context.settings = settings.model_copy(update={"asr_correct": False})
    call_id = place_call(context, settings, name="fire.wav")
    run_enqueued(context, queue, FakeRecognizer({"fire.wav": SPEECH}))
    with context.reader() as session:
        call = service.get_call(session, call_id=call_id)
        assert call.transcript.startswith("我家楼下找火了") and call.transcript.endswith("3号楼")


def _asr_worker(env: dict, log, name: str) -> subprocess.Popen:
    out = open(log, "ab")  # noqa: SIM115 - the child owns it
    try:
        return subprocess.Popen([sys.executable, "-m", "wiring.cli", "worker", "--queues", "asr", "-n",
                                 f"{name}@%h", "--concurrency", "1"], env=env, cwd=log.parent, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        out.close()


def test_an_asr_worker_killed_mid_call_loses_nothing(context, settings, tmp_path):
    """`hotline worker --queues asr` takes the call (and nothing of the default queue); killed with -9 in
    the middle of the transcription, the call stays due; the sweep hands it to the next ASR worker, and
    exactly one ticket results."""
    s = runtime_settings(settings, calls_stuck_seconds=3)
    app = make_celery(s)
    context.settings = s
    context.enqueue = lambda name, *args, **kwargs: app.send_task(name, args=args, kwargs=kwargs)
    env = runtime_env(s, tmp_path, HOTLINE_TEST_ASR_SECONDS="30", HOTLINE_TEST_ASR_TEXT=SPEECH,
                      HOTLINE_CALLS_STUCK_SECONDS="3")
    worker = _asr_worker(env, tmp_path / "asr1.log", "asr1")
    try:
        app.send_task("hotline_test.record", args=["default-queue"])  # not for an ASR-only worker
        call_id = place_call(context, s, name="long.wav")
        assert wait_until(lambda: read_lines(tmp_path, "asr-started.log"), timeout=90)
        stop_group(worker, signal.SIGKILL)
        with context.reader() as session:
            assert service.get_call(session, call_id=call_id).status == "processing"
        assert read_lines(tmp_path, "runs.log") == []
        env["HOTLINE_TEST_ASR_SECONDS"] = "0.1"
        worker = _asr_worker(env, tmp_path / "asr2.log", "asr2")

        def swept_and_done() -> bool:
            flows.sweep_calls(context)
            with context.reader() as session:
                return service.get_call(session, call_id=call_id).status == "ticketed"

        assert wait_until(swept_and_done, timeout=120, interval=1.0)
    finally:
        stop_group(worker)
        app.close()
    with context.reader() as session:
        call = service.get_call(session, call_id=call_id)
        assert call.transcript.startswith("我家楼下着火了") and call.ticket_number
        assert service.ticket_for_call(session, call_ref=call.sip_call_id) == call.ticket_number
    assert read_lines(tmp_path, "runs.log") == []  # the default-queue task was never taken


def test_hotline_worker_queues_option_reaches_celery(monkeypatch):
    from click.testing import CliRunner

    from hotline.settings import get_settings
    from wiring import celery_app
    from wiring.cli import main

    seen: list[list[str]] = []
    monkeypatch.setattr(celery_app.celery, "worker_main", lambda argv: seen.append(argv))
    get_settings.cache_clear()
    try:
        env = {"HOTLINE_CELERY_QUEUE": "city"}
        assert CliRunner().invoke(main, ["worker", "--queues", "asr", "-n", "a@h"], env=env).exit_code == 0
        assert CliRunner().invoke(main, ["worker"], env=env).exit_code == 0
    finally:
        get_settings.cache_clear()
    asr_only, everything = seen
    assert asr_only[asr_only.index("-Q") + 1] == "city-asr-urgent,city-asr" and asr_only[-2:] == ["-n", "a@h"]
    assert everything[everything.index("-Q") + 1] == "city,city-asr-urgent,city-asr"
