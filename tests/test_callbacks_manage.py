"""Return visit management API: per-caller opt-outs (added with a reason, removed, STOP replies shown with
their source), unmatched SMS replies attached to a case's visit by hand (rating through the normal flow) or
dismissed, the audit trail of all of it, and who may do it."""

from __future__ import annotations

import pytest

from callbacks import flows, schedule
from callbacks.models import UnmatchedReply, VisitAttempt
from tests.callbacks_support import PHONE, Runner, attempts_of, closed_case, events_of, ticket_of, visit_of

OPT = "/api/v1/callbacks/opt-outs"
REPLIES = "/api/v1/callbacks/replies"
AUDIT = "/api/v1/callbacks/audit"


@pytest.fixture
def staff(users):
    supervisor, headers = users("supervisor")
    return {"supervisor": headers, "name": supervisor.display_name, "agent": users("agent")[1],
            "admin": users("admin")[1]}


def test_opt_out_added_normalised_listed_audited_and_removed(client, context, users, staff):
    sup = staff["supervisor"]
    number = closed_case(context, users)
    schedule.schedule_closed(context)
    assert visit_of(context, number).status == "due"

    added = client.post(OPT, json={"phone": "+86 138 1234 5678", "reason": "来电人电话中要求不再回访"}, headers=sup)
    assert added.status_code == 201, added.text
    assert added.json() == {"phone": PHONE, "stopped_visits": 1}
    assert visit_of(context, number).status == "opted_out"  # the waiting visit is stopped at once
    again = client.post(OPT, json={"phone": "0086-13812345678", "reason": "重复"}, headers=sup)
    assert again.status_code == 409

    [row] = client.get(OPT, headers=sup).json()
    assert (row["phone"], row["source"], row["reason"], row["created_by"]) == (
        PHONE, "staff", "来电人电话中要求不再回访", staff["name"])
    assert client.get(OPT, params={"phone": "13900000000"}, headers=sup).json() == []

    later = closed_case(context, users)  # closed while opted out: its visit is born opted out
    schedule.schedule_closed(context)
    assert visit_of(context, later).status == "opted_out"

    missing = client.post(f"{OPT}/remove", json={"phone": "13900000000", "reason": "x"}, headers=sup)
    assert missing.status_code == 404
    no_reason = client.post(f"{OPT}/remove", json={"phone": PHONE, "reason": "  "}, headers=sup)
    assert no_reason.status_code == 422 and client.get(OPT, headers=sup).json() != []
    removed = client.post(f"{OPT}/remove", json={"phone": "138-1234-5678", "reason": "来电人同意回访"}, headers=sup)
    assert removed.status_code == 200 and removed.json() == {"phone": PHONE, "removed": True}
    assert client.get(OPT, headers=sup).json() == []
    assert visit_of(context, later).status == "opted_out"  # finished visits stay finished
    fresh = closed_case(context, users)
    schedule.schedule_closed(context)
    assert visit_of(context, fresh).status == "due"

    trail = client.get(AUDIT, params={"phone": PHONE}, headers=sup).json()
    assert [(a["action"], a["actor_name"], a["reason"]) for a in trail] == [
        ("opt_out_removed", staff["name"], "来电人同意回访"),
        ("opt_out_added", staff["name"], "来电人电话中要求不再回访")]


@pytest.mark.parametrize(("body", "status"), [
    ({"phone": "", "reason": "x"}, 422), ({"phone": "not a number", "reason": "x"}, 422),
    ({"phone": "13812345678", "reason": ""}, 422), ({"phone": "13812345678"}, 422),
])
def test_bad_opt_out_input_is_refused_and_nothing_is_stored(client, staff, body, status):
    assert client.post(OPT, json=body, headers=staff["supervisor"]).status_code == status
    assert client.get(OPT, headers=staff["supervisor"]).json() == []
    assert client.get(AUDIT, headers=staff["supervisor"]).json() == []


def test_only_supervisors_and_admins_manage(client, staff, people):
    body = {"phone": "13812345678", "reason": "要求"}
    for who in ("agent", "housing"):
        headers = people[who]
        assert client.post(OPT, json=body, headers=headers).status_code == 403
        assert client.get(OPT, headers=headers).status_code == 403
        assert client.get(REPLIES, headers=headers).status_code == 403
        assert client.get(AUDIT, headers=headers).status_code == 403
        assert client.post(f"{REPLIES}/1/dismiss", json={}, headers=headers).status_code == 403
    assert client.post(OPT, json=body).status_code == 401
    assert client.post(OPT, json=body, headers=staff["admin"]).status_code == 201


def test_stop_reply_shows_as_an_sms_opt_out_and_is_not_left_to_handle(client, context, users, staff, queue):
    context.settings.visit_call_attempts = 0
    number = closed_case(context, users)
    Runner(context, queue).sweep()
    assert flows.handle_reply(context, phone=PHONE, body="TD", message_ref="SMstop") == "stop"
    [row] = client.get(OPT, headers=staff["supervisor"]).json()
    assert (row["phone"], row["source"], row["created_by"]) == (PHONE, "sms", None)
    assert visit_of(context, number).status == "opted_out"
    assert client.get(REPLIES, headers=staff["supervisor"]).json() == []
    [stop] = client.get(REPLIES, params={"status": "opt_out"}, headers=staff["supervisor"]).json()
    assert (stop["body"], stop["reason"]) == ("TD", "stop")
    [entry] = client.get(AUDIT, headers=staff["supervisor"]).json()
    assert (entry["action"], entry["actor_name"], entry["reply_id"]) == ("opt_out_added", flows.CALLER_NAME,
                                                                        stop["id"])


def test_late_reply_attached_by_hand_rates_the_case_and_reopens_it(client, context, users, staff, queue):
    context.settings.visit_call_attempts = 0
    number = closed_case(context, users)
    runner = Runner(context, queue)
    runner.sweep()   # SMS sent
    runner.sweep()   # the reply window passed: unreachable
    assert visit_of(context, number).status == "unreachable"
    assert flows.handle_reply(context, phone=PHONE, body="４ 处理太慢", message_ref="SMlate") == "unmatched"
    sup = staff["supervisor"]
    [reply] = client.get(REPLIES, headers=sup).json()
    assert (reply["phone"], reply["body"], reply["reason"], reply["status"]) == (PHONE, "４ 处理太慢", "no_visit", "open")

    unknown = client.post(f"{REPLIES}/{reply['id']}/attach", json={"ticket_number": "NOPE"}, headers=sup)
    assert unknown.status_code == 404
    done = client.post(f"{REPLIES}/{reply['id']}/attach", json={"ticket_number": number, "note": "超时回复"},
                       headers=sup)
    assert done.status_code == 200, done.text
    assert done.json()["satisfaction"] == "dissatisfied"
    visit = visit_of(context, number)
    assert (visit.status, visit.rating, visit.channel) == ("done", 2, "sms")
    assert attempts_of(context, visit.id)[-1] == ("reply", "reply")
    ticket = ticket_of(context, number)
    assert ticket.satisfaction == "dissatisfied" and ticket.reopen_count == 1 and ticket.status != "closed"
    assert [e.action for e in events_of(context, number)][-3:] == ["rate", "reopen", "supervise"]

    twice = client.post(f"{REPLIES}/{reply['id']}/attach", json={"ticket_number": number}, headers=sup)
    assert twice.status_code == 409
    assert client.post(f"{REPLIES}/{reply['id']}/dismiss", json={}, headers=sup).status_code == 409
    assert client.get(REPLIES, headers=sup).json() == []
    [handled] = client.get(REPLIES, params={"status": "attached"}, headers=sup).json()
    assert (handled["visit_id"], handled["note"]) == (visit.id, "超时回复")
    [entry] = client.get(AUDIT, headers=sup).json()
    assert (entry["action"], entry["ticket_number"], entry["actor_name"], entry["detail"]) == (
        "reply_attached", number, staff["name"], "不满意")
    assert ticket_of(context, number).reopen_count == 1  # nothing applied twice


def test_unreadable_reply_needs_a_rating_and_rated_visits_take_no_second_one(client, context, users, staff, queue):
    context.settings.visit_call_attempts = 0
    number = closed_case(context, users)
    Runner(context, queue).sweep()
    assert flows.handle_reply(context, phone=PHONE, body="办得不错，谢谢", message_ref="SMwords") == "unreadable"
    sup = staff["supervisor"]
    [reply] = client.get(REPLIES, headers=sup).json()
    assert reply["reason"] == "unreadable"
    no_rating = client.post(f"{REPLIES}/{reply['id']}/attach", json={"ticket_number": number}, headers=sup)
    assert no_rating.status_code == 422 and visit_of(context, number).status == "sms_sent"
    bad = client.post(f"{REPLIES}/{reply['id']}/attach", json={"ticket_number": number, "rating": "great"},
                      headers=sup)
    assert bad.status_code == 422
    ok = client.post(f"{REPLIES}/{reply['id']}/attach", json={"ticket_number": number, "rating": "satisfied"},
                     headers=sup)
    assert ok.status_code == 200
    assert (visit_of(context, number).status, ticket_of(context, number).satisfaction) == ("done", "satisfied")

    assert flows.handle_reply(context, phone=PHONE, body="5", message_ref="SMlater") == "unmatched"
    later = client.get(REPLIES, headers=sup).json()[0]
    refused = client.post(f"{REPLIES}/{later['id']}/attach", json={"ticket_number": number}, headers=sup)
    assert refused.status_code == 409 and visit_of(context, number).rating == 4


def test_attach_waits_while_a_survey_attempt_is_in_flight(client, context, users, staff):
    number = closed_case(context, users)
    schedule.schedule_closed(context)
    visit = visit_of(context, number)
    with context.sessions() as s:
        s.add(VisitAttempt(visit_id=visit.id, channel="call"))  # a call placed, outcome not yet known
        s.commit()
    flows.handle_reply(context, phone="13900000009", body="1", message_ref="SMother")
    [reply] = client.get(REPLIES, headers=staff["supervisor"]).json()
    busy = client.post(f"{REPLIES}/{reply['id']}/attach", json={"ticket_number": number},
                       headers=staff["supervisor"])
    assert busy.status_code == 409 and visit_of(context, number).status == "due"


def test_dismissed_reply_is_kept_and_marked(client, context, staff):
    flows.handle_reply(context, phone="13900000009", body="你是谁？", message_ref="SMwho")
    sup = staff["supervisor"]
    [reply] = client.get(REPLIES, headers=sup).json()
    assert client.post(f"{REPLIES}/{reply['id']}/dismiss", json={"note": "与回访无关"}, headers=sup).status_code == 204
    assert client.post(f"{REPLIES}/999999/dismiss", json={}, headers=sup).status_code == 404
    assert client.get(REPLIES, headers=sup).json() == []
    [kept] = client.get(REPLIES, params={"status": "all"}, headers=sup).json()
    assert (kept["status"], kept["note"], kept["body"]) == ("dismissed", "与回访无关", "你是谁？")
    with context.sessions() as s:
        assert s.get(UnmatchedReply, reply["id"]).handled_by is not None
    [entry] = client.get(AUDIT, headers=sup).json()
    assert (entry["action"], entry["reason"]) == ("reply_dismissed", "与回访无关")


def test_numbers_are_masked_for_roles_that_do_not_see_callers(client, context, staff):
    context.settings.roles_seeing_caller = ["agent"]
    sup = staff["supervisor"]
    assert client.post(OPT, json={"phone": PHONE, "reason": "要求"}, headers=sup).json()["phone"] == "138****5678"
    flows.handle_reply(context, phone="13900000009", body="?", message_ref="SMq")
    assert client.get(OPT, headers=sup).json()[0]["phone"] == "138****5678"
    assert client.get(REPLIES, headers=sup).json()[0]["phone"] == "139****0009"
    assert client.get(AUDIT, headers=sup).json()[0]["phone"] == "138****5678"
