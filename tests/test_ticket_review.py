"""Supervision paths: 退单 → 异议审核 → 改派/驳回, 延期, 督办, reopen/再督办, 并单 and repeat reports."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.factories import new_ticket
from tests.test_ticket_lifecycle import act


def dispatched(client, people, org, **kw) -> str:
    number = new_ticket(client, people["agent"], **kw)["number"]
    act(client, people["agent"], number, "triage", {})
    act(client, people["agent"], number, "dispatch", {"lead_department_id": org.housing})
    return number


def test_return_upheld_redispatches_and_old_department_loses_access(client, people, org):
    number = dispatched(client, people, org)
    housing, sup = people["housing"], people["supervisor"]
    act(client, housing, number, "return", {"reason": "r"}, expect=422)  # reason too short
    t = act(client, housing, number, "return", {"reason": "属于交通局职责", "suggested_department_id": org.other})
    assert t["status"] == "returned"
    pending = client.get("/api/v1/review/returns", headers=sup).json()
    assert [(p["ticket_number"], p["reason"]) for p in pending] == [(number, "属于交通局职责")]
    assert client.get("/api/v1/review/returns", headers=housing).status_code == 403
    act(client, people["agent"], number, "return/review", {"uphold": True, "new_department_id": org.other},
        expect=403)
    act(client, sup, number, "return/review", {"uphold": True}, expect=422)  # 改派 needs a department
    t = act(client, sup, number, "return/review", {"uphold": True, "new_department_id": org.other})
    assert t["status"] == "dispatched" and t["department_id"] == org.other
    assert [(a["department_id"], a["status"]) for a in t["assignments"]] == [
        (org.housing, "withdrawn"), (org.other, "dispatched")]
    assert client.get(f"/api/v1/tickets/{number}", headers=housing).status_code == 404
    assert act(client, people["transport"], number, "accept")["status"] == "accepted"
    assert client.get("/api/v1/review/returns", headers=sup).json() == []
    act(client, sup, number, "return/review", {"uphold": False}, expect=409)


def test_return_rejected_goes_back_to_previous_state(client, people, org):
    number = dispatched(client, people, org)
    housing = people["housing"]
    act(client, housing, number, "accept")
    act(client, housing, number, "return", {"reason": "不是我们的事"})
    act(client, housing, number, "reply", {"reply": "x"}, expect=409)  # frozen while under review
    t = act(client, people["supervisor"], number, "return/review", {"uphold": False, "note": "职责明确，请办理"})
    assert t["status"] == "accepted" and t["department_id"] == org.housing
    events = client.get(f"/api/v1/tickets/{number}/events", headers=housing).json()
    review = events[-1]
    assert review["action"] == "review_return" and review["changes"]["decision"] == [None, "rejected"]
    assert (review["from_status"], review["to_status"]) == ("returned", "accepted")


def test_extension_moves_deadline_when_approved(client, people, org, settings):
    number = dispatched(client, people, org)
    housing, sup = people["housing"], people["supervisor"]
    before = datetime.fromisoformat(client.get(f"/api/v1/tickets/{number}", headers=sup).json()["due_at"])
    too_long = settings.max_extension_working_days + 1
    act(client, housing, number, "extensions", {"working_days": 5, "reason": "需要协调多部门"}, expect=409)
    act(client, housing, number, "accept")  # 延期 only after 签收
    act(client, housing, number, "extensions", {"working_days": too_long, "reason": "需要协调多部门"}, expect=422)
    act(client, housing, number, "extensions", {"working_days": 5, "reason": "需要协调多部门"})
    act(client, housing, number, "extensions", {"working_days": 2, "reason": "再次申请"}, expect=409)
    pending = client.get("/api/v1/review/extensions", headers=sup).json()
    assert len(pending) == 1 and pending[0]["working_days"] == 5
    ext_id = pending[0]["id"]
    act(client, housing, number, f"extensions/{ext_id}/decision", {"approve": True}, expect=403)
    t = act(client, sup, number, f"extensions/{ext_id}/decision", {"approve": True, "note": "同意"})
    after = datetime.fromisoformat(t["due_at"])
    assert timedelta(days=5) <= after - before <= timedelta(days=14)  # five working days, holidays may add more
    assert after.astimezone(before.tzinfo).time() == before.astimezone(before.tzinfo).time()
    act(client, sup, number, f"extensions/{ext_id}/decision", {"approve": False}, expect=409)
    # a denied request leaves the deadline alone
    act(client, housing, number, "extensions", {"working_days": 3, "reason": "仍需时间"})
    ext2 = client.get("/api/v1/review/extensions", headers=sup).json()[0]["id"]
    t = act(client, sup, number, f"extensions/{ext2}/decision", {"approve": False})
    assert datetime.fromisoformat(t["due_at"]) == after


def test_supervise_reopen_and_resupervise(client, people, org):
    number = dispatched(client, people, org)
    housing, sup, agent = people["housing"], people["supervisor"], people["agent"]
    assert act(client, sup, number, "supervise", {"note": "请尽快处理"})["supervise_count"] == 1
    act(client, housing, number, "accept")
    act(client, housing, number, "reply", {"reply": "已处理"})
    act(client, agent, number, "close")
    act(client, agent, number, "reopen", {"reason": "市民不满意"}, expect=403)
    t = act(client, sup, number, "reopen", {"reason": "回访不满意，重新办理"})
    assert t["status"] == "dispatched" and t["reopen_count"] == 1 and t["supervise_count"] == 2
    assert t["closed_at"] is None and t["light"] == "green"
    assert [a["status"] for a in t["assignments"]] == ["dispatched"]
    events = client.get(f"/api/v1/tickets/{number}/events", headers=sup).json()
    assert [e["action"] for e in events[-2:]] == ["reopen", "supervise"]
    assert events[-1]["changes"]["kind"] == [None, "re_supervise"]
    assert act(client, housing, number, "accept")["status"] == "accepted"
    t = act(client, sup, number, "supervise", {"note": "再督办"})
    events = client.get(f"/api/v1/tickets/{number}/events", headers=sup).json()
    assert events[-1]["changes"]["kind"] == [None, "re_supervise"] and t["supervise_count"] == 3


def test_merge_keeps_every_caller_and_reports_repeats(client, people, org):
    agent, sup = people["agent"], people["supervisor"]
    first = new_ticket(client, agent, category_id=org.cat_noise, caller_phone="13800000001")["number"]
    second = new_ticket(client, agent, category_id=org.cat_noise, caller_phone="13800000002")["number"]
    third = new_ticket(client, agent, caller_phone="13800000001", address="别处")["number"]
    suggested = client.get(f"/api/v1/tickets/{third}", headers=agent).json()["suggestions"]
    assert suggested["repeats"] == [{"number": first, "reason": "same_caller"}]
    assert "repeats" not in (client.get(f"/api/v1/tickets/{first}", headers=agent).json()["suggestions"] or {})
    repeats = client.get(f"/api/v1/tickets/{first}/repeats", headers=agent).json()
    assert {(r["number"], r["reason"]) for r in repeats} == {
        (second, "same_address_category"), (third, "same_caller")}
    act(client, agent, second, "merge", {"into": second}, expect=422)
    act(client, agent, second, "merge", {"into": "999"}, expect=404)
    t = act(client, agent, second, "merge", {"into": first, "note": "同一噪音问题"})
    assert t["status"] == "merged" and t["merged_into"] == first
    target = client.get(f"/api/v1/tickets/{first}", headers=agent).json()
    assert target["callers_count"] == 2
    act(client, agent, third, "merge", {"into": second}, expect=422)  # cannot merge into a merged case
    report = client.get("/api/v1/reports/repeats", headers=sup).json()
    assert report == [{"number": first, "title": target["title"], "status": "registered", "cases": 2,
                       "callers": 2, "department_id": None}]
    assert [e["action"] for e in client.get(f"/api/v1/tickets/{first}/events", headers=agent).json()] == [
        "create", "absorb"]
    act(client, agent, second, "triage", {}, expect=409)
