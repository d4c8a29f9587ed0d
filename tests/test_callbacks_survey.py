"""The survey call of a return visit with the fake outbound port (which runs the real ivr.survey dialogue):
the case is named, an invalid key repeats the question, the valid digit is stored with the call attempt."""

from __future__ import annotations

from sqlalchemy import select

from callbacks import flows
from callbacks.models import VisitAttempt
from ivr.survey import SurveySpec, spoken_case
from tests.callbacks_support import PHONE, Runner, attempts_of, closed_case, ticket_of, visit_of


def call_rows(context, visit_id: int) -> list[tuple[str | None, str | None, str | None]]:
    with context.sessions() as s:
        rows = s.scalars(select(VisitAttempt).where(VisitAttempt.visit_id == visit_id, VisitAttempt.channel == "call")
                         .order_by(VisitAttempt.id))
        return [(a.outcome, a.digit, a.detail) for a in rows]


def test_the_call_names_the_case_and_uses_the_configured_tries(context, users, queue):
    context.settings.visit_survey_tries, context.settings.visit_gather_seconds = 4, 6.5
    number = closed_case(context, users)
    runner = Runner(context, queue)
    runner.outbound.script(PHONE, "answered", "2")
    runner.sweep()
    (placed,) = runner.outbound.placed
    assert placed.survey == SurveySpec(case_number=number, tries=4, timeout_s=6.5)
    visit = visit_of(context, number)
    assert (visit.status, visit.rating) == ("done", 4) and ticket_of(context, number).satisfaction == "satisfied"
    assert call_rows(context, visit.id) == [("answered", "2", None)]


def test_invalid_key_then_valid_key_stores_the_digit_and_the_invalid_count(context, users, queue):
    number = closed_case(context, users)
    runner = Runner(context, queue)
    runner.outbound.script(PHONE, "answered", "9_1")  # 9, then no key, then 1 (非常满意)
    runner.sweep()
    visit = visit_of(context, number)
    assert (visit.status, visit.rating, visit.channel) == ("done", 5, "call")
    assert call_rows(context, visit.id) == [("answered", "1", "invalid keys: 1")]


def test_only_invalid_keys_record_the_attempt_without_rating_and_retry(context, users, queue):
    context.settings.visit_survey_tries = 2
    number = closed_case(context, users)
    runner = Runner(context, queue)
    runner.outbound.script(PHONE, "answered", "96")
    runner.sweep()
    visit = visit_of(context, number)
    assert visit.status == "due" and visit.rating is None and visit.call_attempts == 1
    assert call_rows(context, visit.id) == [("answered", None, "no valid key (invalid keys: 2)")]
    assert ticket_of(context, number).satisfaction is None
    runner.outbound.script(PHONE, "answered")  # nobody presses anything: no invalid key to report
    runner.sweep()
    assert call_rows(context, visit.id)[-1] == ("answered", None, "no valid key")
    assert attempts_of(context, visit.id) == [("call", "answered"), ("call", "answered")]


def test_fake_plays_the_dialogue_it_would_on_a_phone():
    from telephony.fake import FakeOutboundCalls

    calls = FakeOutboundCalls()
    spec = SurveySpec(case_number="2026120300042", tries=2, timeout_s=5)
    calls.script("13900000000", "answered", "#3")
    result = calls.place_call("13900000000", survey=spec)
    assert (result.outcome, result.digit, result.invalid_keys) == ("answered", "3", 1)
    assert result.played == ("survey_intro", *spoken_case(spec.case_number), "survey_case_done", "survey_keys",
                             "survey_invalid", "survey_keys", "survey_thanks")
    silent = calls.place_call("13600000000", survey=spec)
    assert (silent.digit, silent.invalid_keys, silent.played[-3:]) == (None, 0, ("timeout", "survey_keys",
                                                                               "survey_goodbye"))
    calls.script("13700000000", "busy", "1")
    busy = calls.place_call("13700000000", survey=spec)
    assert (busy.outcome, busy.digit, busy.played) == ("busy", None, ())
    assert [p.number for p in calls.placed] == ["13900000000", "13600000000", "13700000000"]


def test_a_case_number_without_digits_is_a_failed_attempt(context, users, queue, caplog):
    result = flows._place(Runner(context, queue).outbound, PHONE, "", context)
    assert result.outcome == "failed" and "no digit to speak" in caplog.text
