"""The ticket lifecycle through the REST API: register, triage, dispatch, handle, close; roles and states."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tests.factories import new_ticket


def act(client, headers, number, action, body=None, expect=200):
    response = client.post(f"/api/v1/tickets/{number}/{action}", json=body, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


def test_register_assigns_number_deadline_and_history(client, people, settings):
    t = new_ticket(client, people["agent"])
    assert re.fullmatch(r"\d{8}\d{5}", t["number"])
    assert t["number"][:8] == f"{datetime.fromisoformat(t['accepted_at']).astimezone(settings.tz):%Y%m%d}"
    assert t["status"] == "registered" and t["light"] == "green"
    assert t["caller_phone"] == "13812345678" and t["caller_masked"] == "138****5678"
    accepted = datetime.fromisoformat(t["accepted_at"])
    due = datetime.fromisoformat(t["due_at"])
    assert timedelta(days=3) < due - accepted < timedelta(days=12)  # 3 working days after the acceptance day
    # the API gives both instants with their UTC offset (astimezone() would make even a naive one aware)
    assert due.utcoffset() is not None and accepted.utcoffset() is not None
    events = client.get(f"/api/v1/tickets/{t['number']}/events", headers=people["agent"]).json()
    assert [e["action"] for e in events] == ["create"] and events[0]["to_status"] == "registered"
    # accepted at the same instant, so on the same local day even when the clock passes midnight meanwhile
    second = new_ticket(client, people["agent"], accepted_at=t["accepted_at"])
    assert int(second["number"]) == int(t["number"]) + 1


def test_numbers_restart_at_local_midnight_not_utc_midnight(client, people):
    """Asia/Shanghai midnight is 16:00 UTC: the day part and the sequence follow the local day."""
    numbers = [new_ticket(client, people["agent"], accepted_at=at)["number"] for at in (
        "2025-11-26T15:59:59Z", "2025-11-26T23:59:59+08:00", "2025-11-27T00:00:00+08:00", "2025-11-26T16:00:01Z",
        "2025-11-27T08:30:00+08:00", "2025-11-27T15:59:59Z", "2025-11-27T16:00:00Z")]
    assert numbers == ["2025112600001", "2025112600002", "2025112700001", "2025112700002", "2025112700003",
                       "2025112700004", "2025112800001"]


def test_full_happy_path_with_co_handling(client, people, org):
    agent, supervisor = people["agent"], people["supervisor"]
    number = new_ticket(client, agent, category_id=org.cat_roads)["number"]
    t = act(client, agent, number, "triage", {"urgency": "urgent", "note": "夜间无照明，存在安全隐患"})
    assert t["status"] == "triaged" and t["urgency"] == "urgent"
    due = datetime.fromisoformat(t["due_at"])
    assert due - datetime.fromisoformat(t["accepted_at"]) == timedelta(hours=24)

    t = act(client, agent, number, "dispatch", {"co_department_ids": [org.street]})
    assert t["status"] == "dispatched" and t["department_id"] == org.housing  # from the dispatch catalogue
    assert {(a["department_id"], a["role"]) for a in t["assignments"]} == {(org.housing, "lead"), (org.street, "co")}

    # the co-handling unit accepts its part; the case stays dispatched until the lead accepts
    assert act(client, people["street"], number, "accept")["status"] == "dispatched"
    assert act(client, people["housing"], number, "accept")["status"] == "accepted"
    act(client, people["housing"], number, "contact", {"note": "已电话联系市民"})
    act(client, people["street"], number, "notes", {"note": "街道已配合现场查看"})
    t = act(client, people["housing"], number, "reply", {"reply": "路灯已于今日修复。"})
    assert t["status"] == "replied" and t["reply"] == "路灯已于今日修复。"
    t = act(client, agent, number, "close")
    assert t["status"] == "closed" and t["closed_at"] and t["light"] == "green"

    events = client.get(f"/api/v1/tickets/{number}/events", headers=supervisor).json()
    assert [e["action"] for e in events] == [
        "create", "triage", "dispatch", "note", "accept", "contact", "note", "reply", "close"]
    assert [e["seq"] for e in events] == list(range(1, 10))
    triage = events[1]
    assert triage["changes"]["urgency"] == ["normal", "urgent"]
    assert triage["from_status"] == "registered" and triage["to_status"] == "triaged"
    assert triage["actor_role"] == "agent"


def test_department_sees_only_its_cases_and_masked_callers(client, people, org):
    agent = people["agent"]
    mine = new_ticket(client, agent)["number"]
    theirs = new_ticket(client, agent, caller_phone="13900001111")["number"]
    act(client, agent, mine, "triage", {})
    act(client, agent, mine, "dispatch", {"lead_department_id": org.housing})
    act(client, agent, theirs, "triage", {})
    act(client, agent, theirs, "dispatch", {"lead_department_id": org.other})

    housing = people["housing"]
    listed = client.get("/api/v1/tickets", headers=housing).json()["items"]
    assert [t["number"] for t in listed] == [mine]
    view = client.get(f"/api/v1/tickets/{mine}", headers=housing).json()
    assert view["caller_phone"] is None and view["caller_masked"] == "138****5678"
    assert client.get(f"/api/v1/tickets/{theirs}", headers=housing).status_code == 404
    assert client.get(f"/api/v1/tickets/{theirs}/events", headers=housing).status_code == 404
    act(client, housing, theirs, "accept", expect=404)
    act(client, housing, theirs, "notes", {"note": "x"}, expect=404)
    assert client.get("/api/v1/tickets?caller=13900001111", headers=housing).status_code == 422


def test_invalid_transitions_are_409_and_wrong_roles_403(client, people, org):
    agent = people["agent"]
    number = new_ticket(client, agent)["number"]
    body = act(client, agent, number, "close", expect=409)
    assert body["error"] == "invalid_transition" and "registered" in body["message"]
    act(client, agent, number, "dispatch", {"lead_department_id": org.housing}, expect=409)  # not triaged
    act(client, people["housing"], number, "triage", {}, expect=404)  # not its case: it cannot even see it
    act(client, agent, number, "triage", {})
    act(client, agent, number, "dispatch", {"lead_department_id": org.housing})
    act(client, people["housing"], number, "triage", {}, expect=403)  # its case now, but not its action
    act(client, agent, number, "accept", expect=403)
    act(client, people["housing"], number, "accept")
    act(client, people["housing"], number, "accept", expect=409)
    act(client, agent, number, "supervise", {"note": "请加快"}, expect=403)
    events = client.get(f"/api/v1/tickets/{number}/events", headers=agent).json()
    assert [e["action"] for e in events] == ["create", "triage", "dispatch", "accept"]


def test_only_lead_replies_for_the_case(client, people, org):
    agent = people["agent"]
    number = new_ticket(client, agent)["number"]
    act(client, agent, number, "triage", {})
    act(client, agent, number, "dispatch", {"lead_department_id": org.housing, "co_department_ids": [org.street]})
    act(client, people["street"], number, "accept")
    act(client, people["street"], number, "return", {"reason": "不归我们管"}, expect=403)
    act(client, people["housing"], number, "accept")
    t = act(client, people["street"], number, "reply", {"reply": "协办意见：已清理"})
    assert t["status"] == "accepted"
    assert [a["status"] for a in t["assignments"]] == ["accepted", "replied"]


def test_send_back_then_close(client, people, org):
    agent, housing = people["agent"], people["housing"]
    number = new_ticket(client, agent)["number"]
    act(client, agent, number, "triage", {})
    act(client, agent, number, "dispatch", {"lead_department_id": org.housing})
    act(client, housing, number, "accept")
    act(client, housing, number, "reply", {"reply": "已处理"})
    t = act(client, agent, number, "send-back", {"note": "答复未说明处理结果"})
    assert t["status"] == "accepted" and t["replied_at"] is None
    act(client, housing, number, "reply", {"reply": "已更换灯泡，现场已恢复照明"})
    assert act(client, agent, number, "close")["status"] == "closed"


def test_answer_consultation_directly(client, people):
    agent = people["agent"]
    complaint = new_ticket(client, agent)["number"]
    act(client, agent, complaint, "answer", {"reply": "x"}, expect=422)
    number = new_ticket(client, agent, ticket_type="consult", content="社保卡丢了怎么补办？")["number"]
    t = act(client, agent, number, "answer", {"reply": "携带身份证到社保网点补办。"})
    assert t["status"] == "closed" and t["reply"].startswith("携带身份证")
