"""SMS webhooks signed the way Twilio signs them (twilio's RequestValidator with the auth token): replies
and delivery reports change visits; a forged or unsigned request is 403 and changes nothing."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from callbacks.models import UnmatchedReply, VisitOptOut
from tests.callbacks_support import E164, PHONE, Runner, attempts_of, closed_case, ticket_of, visit_of

TOKEN = "test-auth-token-0123456789abcdef"
BASE = "https://hotline.example.gov.cn"
REPLY = "/api/v1/callbacks/sms/reply"
STATUS = "/api/v1/callbacks/sms/status"


@pytest.fixture
def twilio_settings(context):
    s = context.settings
    s.twilio_account_sid, s.twilio_auth_token, s.twilio_from = "AC" + "0" * 32, TOKEN, "+15005550006"
    s.public_base_url = BASE
    s.visit_call_attempts = 0
    return s


def post(client, path: str, form: dict[str, str], *, token: str = TOKEN):
    signature = RequestValidator(token).compute_signature(BASE + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


@pytest.fixture
def waiting(context, users, queue, twilio_settings):
    """A closed case whose survey SMS has been sent (fake provider), waiting for the reply."""
    number = closed_case(context, users)
    runner = Runner(context, queue)
    runner.sweep()
    assert visit_of(context, number).status == "sms_sent"
    return number, runner


def test_signed_reply_rates_the_case_and_a_duplicate_changes_nothing(client, context, waiting):
    number, _ = waiting
    form = {"From": E164, "Body": "４", "MessageSid": "SM" + "a" * 32}
    first = post(client, REPLY, form)
    assert first.status_code == 200 and "感谢" in first.text
    visit = visit_of(context, number)
    assert (visit.status, visit.rating) == ("done", 2)
    ticket = ticket_of(context, number)
    assert ticket.satisfaction == "dissatisfied" and ticket.reopen_count == 1 and ticket.status != "closed"
    again = post(client, REPLY, form)
    assert again.status_code == 200 and "感谢" not in again.text
    assert ticket_of(context, number).reopen_count == 1
    assert [c for c, _ in attempts_of(context, visit.id)] == ["sms", "reply"]


@pytest.mark.parametrize("forgery", ["wrong_token", "no_signature", "tampered"])
def test_forged_webhooks_are_refused_and_change_nothing(client, context, waiting, forgery):
    number, _ = waiting
    form = {"From": E164, "Body": "5", "MessageSid": "SM" + "b" * 32}
    if forgery == "wrong_token":
        response = post(client, REPLY, form, token="not-the-token")
    elif forgery == "no_signature":
        response = client.post(REPLY, data=form)
    else:
        signature = RequestValidator(TOKEN).compute_signature(BASE + REPLY, {**form, "Body": "1"})
        response = client.post(REPLY, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    status = post(client, STATUS, {"MessageSid": visit_of(context, number).sms_ref, "MessageStatus": "undelivered"},
                  token="not-the-token")
    assert status.status_code == 403
    visit = visit_of(context, number)
    assert visit.status == "sms_sent" and visit.rating is None and ticket_of(context, number).satisfaction is None


def test_unreadable_and_unknown_replies_are_logged(client, context, waiting):
    number, _ = waiting
    assert post(client, REPLY, {"From": E164, "Body": "什么意思", "MessageSid": "SMx1"}).status_code == 200
    assert post(client, REPLY, {"From": "+8613900000000", "Body": "1", "MessageSid": "SMx2"}).status_code == 200
    with context.sessions() as s:
        logged = {(r.message_ref, r.reason, r.phone) for r in s.query(UnmatchedReply)}
    assert logged == {("SMx1", "unreadable", PHONE), ("SMx2", "no_visit", "13900000000")}
    assert visit_of(context, number).status == "sms_sent"  # still waiting for a readable answer


def test_stop_reply_opts_the_caller_out(client, context, waiting):
    number, _ = waiting
    assert post(client, REPLY, {"From": E164, "Body": "退订", "MessageSid": "SMstop"}).status_code == 200
    with context.sessions() as s:
        assert [o.phone for o in s.query(VisitOptOut)] == [PHONE]
    assert visit_of(context, number).status == "opted_out"


def test_status_callback_marks_undelivered_visits_unreachable(client, context, waiting):
    number, runner = waiting
    ref = runner.sms.sent[0].ref
    assert runner.sms.sent[0].status_callback == BASE + STATUS
    assert post(client, STATUS, {"MessageSid": ref, "MessageStatus": "delivered"}).status_code == 204
    assert visit_of(context, number).status == "sms_sent"
    assert post(client, STATUS, {"MessageSid": ref, "MessageStatus": "undelivered"}).status_code == 204
    assert visit_of(context, number).status == "unreachable"


def test_visit_lists_and_case_attempts(client, context, waiting, people):
    number, _ = waiting
    supervisor, department = people["supervisor"], people["housing"]
    post(client, REPLY, {"From": E164, "Body": "5", "MessageSid": "SMr5"})
    rows = client.get(f"/api/v1/callbacks/tickets/{number}", headers=supervisor).json()
    assert [(r["status"], r["rating"]) for r in rows] == [("done", 1)]
    assert [a["channel"] for a in rows[0]["attempts"]] == ["sms", "reply"]
    unhappy = client.get("/api/v1/callbacks/visits?kind=dissatisfied", headers=supervisor).json()
    assert [r["ticket_number"] for r in unhappy] == [number]
    assert client.get("/api/v1/callbacks/visits?kind=failed", headers=supervisor).json() == []
    assert client.get("/api/v1/callbacks/visits", headers=department).status_code == 403
    assert client.get(f"/api/v1/callbacks/tickets/{number}", headers=department).status_code == 404
