"""Return visits: scheduling in allowed hours, the survey call, retries, SMS fallback, ratings on the
ticket (≤ 2 reopens with 再督办), leases against duplicate deliveries and killed workers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from callbacks import flows, schedule
from callbacks.sms import FakeSms, parse_reply
from telephony.port import SmsRejected, SmsUnavailable
from tests.callbacks_support import (
    E164,
    PHONE,
    Runner,
    attempts_of,
    closed_case,
    events_of,
    ticket_of,
    visit_of,
)
from ticketing.deadlines.workdays import WorkCalendar
from ticketing.enums import Satisfaction

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("local", "expected", "rest_days"), [
    (datetime(2026, 11, 23, 8, 0), datetime(2026, 11, 23, 9, 0), False),  # Monday before opening
    (datetime(2026, 11, 23, 10, 30), datetime(2026, 11, 23, 10, 30), False),  # inside the hours
    (datetime(2026, 11, 23, 20, 0), datetime(2026, 11, 24, 9, 0), False),  # closing time: next day
    (datetime(2026, 11, 27, 21, 0), datetime(2026, 11, 30, 9, 0), False),  # Friday night → Monday
    (datetime(2026, 11, 28, 12, 0), datetime(2026, 11, 30, 9, 0), False),  # Saturday → Monday
    (datetime(2026, 11, 28, 12, 0), datetime(2026, 11, 28, 12, 0), True),  # rest days allowed
    (datetime(2026, 9, 30, 21, 0), datetime(2026, 10, 8, 9, 0), False),  # National Day holiday (1–7 Oct)
])
def test_next_allowed_time(settings, local, expected, rest_days):
    settings.visit_on_rest_days = rest_days
    got = schedule.next_allowed(local.replace(tzinfo=SH), settings=settings, calendar=WorkCalendar(SH))
    assert got == expected.replace(tzinfo=SH)


@pytest.mark.parametrize(("body", "expected"), [
    ("1", Satisfaction.VERY_SATISFIED), (" 4 ", Satisfaction.DISSATISFIED), ("５", Satisfaction.VERY_DISSATISFIED),
    ("我选3", Satisfaction.BASIC), ("非常不满意", Satisfaction.VERY_DISSATISFIED), ("不满意！", Satisfaction.DISSATISFIED),
    ("满意", Satisfaction.SATISFIED), ("基本满意吧", Satisfaction.BASIC), ("STOP", "stop"), ("退订", "stop"),
    ("td", "stop"), ("12", None), ("6", None), ("你好", None), ("", None),
])
def test_reply_parsing_is_lenient(body, expected):
    assert parse_reply(body) == expected


def test_closed_case_is_scheduled_once_in_allowed_hours(context, users, queue):
    number = closed_case(context, users)
    runner = Runner(context, queue)
    assert schedule.schedule_closed(context, now=runner.now) == 1
    assert schedule.schedule_closed(context, now=runner.now) == 0
    visit = visit_of(context, number)
    local = visit.due_at.astimezone(SH)
    assert visit.status == "due" and visit.phone == PHONE and 9 <= local.hour < 20
    assert WorkCalendar(SH).is_workday(local.date())
    assert (visit.due_at - ticket_of(context, number).closed_at).total_seconds() >= 24 * 3600


def test_answered_survey_call_stores_the_rating_once(context, users, queue):
    number = closed_case(context, users)
    runner = Runner(context, queue)
    runner.outbound.script(PHONE, "answered", "1")
    assert runner.sweep() == {"scheduled": 1, "handed_out": 1}
    placed = runner.outbound.placed
    assert len(placed) == 1 and placed[0].survey == flows.survey_spec(context, number)
    visit = visit_of(context, number)
    assert (visit.status, visit.rating, visit.channel) == ("done", 5, "call")
    ticket = ticket_of(context, number)
    assert ticket.satisfaction == "very_satisfied" and ticket.status == "closed"
    assert [e.action for e in events_of(context, number)][-1] == "rate"
    # duplicate Celery deliveries and later sweeps change nothing
    assert runner.redeliver() == ["none"]
    assert runner.sweep()["handed_out"] == 0
    assert len(runner.outbound.placed) == 1 and attempts_of(context, visit.id) == [("call", "answered")]
    assert [e.action for e in events_of(context, number)].count("rate") == 1


def test_dissatisfied_rating_reopens_with_resupervision(context, users, queue):
    number = closed_case(context, users)
    runner = Runner(context, queue)
    runner.outbound.script(PHONE, "answered", "5")
    runner.sweep()
    ticket = ticket_of(context, number)
    assert ticket.status != "closed" and ticket.reopen_count == 1 and ticket.satisfaction == "very_dissatisfied"
    actions = [(e.action, (e.changes or {}).get("kind")) for e in events_of(context, number)]
    assert actions[-3:] == [("rate", None), ("reopen", None), ("supervise", [None, "re_supervise"])]
    assert visit_of(context, number).rating == 1
    # applying the same visit's rating again (e.g. a crash before the visit was marked done) changes nothing
    visit_id = visit_of(context, number).id
    from ticketing.flows import record_satisfaction
    from ticketing.org.auth import Actor
    record_satisfaction(context, number=number, rating="very_dissatisfied", actor=Actor.system(), ref=f"visit-{visit_id}")
    assert ticket_of(context, number).reopen_count == 1


def test_invalid_key_and_no_answer_retry_then_sms_then_reply(context, users, queue, client):
    context.settings.visit_call_attempts = 3
    number = closed_case(context, users)
    runner = Runner(context, queue)
    runner.outbound.script(PHONE, "answered", "9")  # invalid key: counted as a try, retried
    runner.sweep()
    runner.outbound.script(PHONE, "no_answer")
    runner.sweep()
    runner.outbound.script(PHONE, "busy")
    visit = visit_of(context, number)
    assert visit.status == "due" and visit.call_attempts == 2 and visit.due_at > ticket_of(context, number).closed_at
    runner.sweep()
    assert runner.sms.sent == []  # the third call was placed, SMS comes next
    runner.sweep()
    assert len(runner.outbound.placed) == 3 and len(runner.sms.sent) == 1
    sms = runner.sms.sent[0]
    assert sms.to == E164 and number in sms.body and "回复" in sms.body
    visit = visit_of(context, number)
    assert visit.status == "sms_sent" and visit.sms_ref == sms.ref
    assert [a for a in attempts_of(context, visit.id)] == [
        ("call", "answered"), ("call", "no_answer"), ("call", "busy"), ("sms", "sent")]
    assert flows.handle_reply(context, phone=PHONE, body="２", message_ref="SMreply1") == "rated"
    assert flows.handle_reply(context, phone=PHONE, body="２", message_ref="SMreply1") == "duplicate"
    visit = visit_of(context, number)
    assert (visit.status, visit.rating, visit.channel) == ("done", 4, "sms")
    assert ticket_of(context, number).satisfaction == "satisfied"


def test_unanswered_sms_makes_the_visit_unreachable(context, users, queue):
    context.settings.visit_call_attempts = 1
    number = closed_case(context, users)
    runner = Runner(context, queue)
    runner.outbound.script(PHONE, "failed")
    runner.sweep()
    runner.sweep()
    assert visit_of(context, number).status == "sms_sent"
    runner.sweep()  # the reply window has passed
    visit = visit_of(context, number)
    assert visit.status == "unreachable" and visit.finished_at is not None
    assert ticket_of(context, number).satisfaction is None
    assert flows.handle_reply(context, phone=PHONE, body="1", message_ref="SMlate") == "unmatched"  # late: logged


def test_sms_provider_errors_retry_5xx_and_stop_on_4xx(context, users, queue):
    context.settings.visit_call_attempts = 0
    first, second = closed_case(context, users), closed_case(context, users, phone="139 0000 1111")
    runner = Runner(context, queue, sms=FakeSms(fail=[SmsUnavailable("503"), SmsRejected("400 invalid number")]))
    runner.sweep()
    states = {visit_of(context, first).status, visit_of(context, second).status}
    assert states == {"due", "unreachable"}
    retried = first if visit_of(context, first).status == "due" else second
    runner.sweep()
    assert visit_of(context, retried).status == "sms_sent" and len(runner.sms.sent) == 1
    assert [o for _, o in attempts_of(context, visit_of(context, retried).id)] == ["error", "sent"]


class Killed(BaseException):
    """A worker killed in the middle of a call (nothing after this line runs)."""


def test_worker_killed_mid_call_is_retried_after_the_lease(context, users, queue):
    number = closed_case(context, users)
    runner = Runner(context, queue)

    class Dies:
        def place_call(self, number, **kwargs):
            raise Killed()

    runner.outbound, real = Dies(), runner.outbound
    with pytest.raises(Killed):
        runner.sweep()
    visit = visit_of(context, number)
    assert visit.call_attempts == 1 and attempts_of(context, visit.id) == [("call", None)]
    runner.outbound = real
    real.script(PHONE, "answered", "3")
    assert runner.sweep(advance_days=0)["handed_out"] == 0  # still leased
    assert runner.redeliver() == ["none"]  # the same message again does not call twice
    runner.sweep(advance_days=1)  # the lease has expired: taken up again
    visit = visit_of(context, number)
    assert visit.status == "done" and visit.rating == 3 and len(real.placed) == 1
    assert attempts_of(context, visit.id) == [("call", "lost"), ("call", "answered")]


def test_sms_of_a_killed_worker_is_never_sent_twice(context, users, queue):
    context.settings.visit_call_attempts = 0
    number = closed_case(context, users)
    runner = Runner(context, queue)

    class Dies(FakeSms):
        def send(self, to, body, *, status_callback):
            super().send(to, body, status_callback=status_callback)
            raise Killed()

    runner.sms = Dies()
    with pytest.raises(Killed):
        runner.sweep()
    runner.sms = FakeSms()
    runner.sweep(advance_days=1)
    visit = visit_of(context, number)
    assert visit.status == "sms_sent" and runner.sms.sent == []
    assert attempts_of(context, visit.id) == [("sms", "lost")]


def test_opt_out_by_stop_and_cases_without_phone(context, users, queue):
    context.settings.visit_call_attempts = 0
    number = closed_case(context, users)
    runner = Runner(context, queue)
    runner.sweep()
    assert flows.handle_reply(context, phone=PHONE, body="STOP", message_ref="SMstop") == "stop"
    assert visit_of(context, number).status == "opted_out"
    later, silent = closed_case(context, users), closed_case(context, users, phone=None)
    runner.sweep()
    assert visit_of(context, later).status == "opted_out" and visit_of(context, silent).status == "no_phone"
    assert len(runner.sms.sent) == 1 and runner.outbound.placed == []
