"""Abuse API: agents report incidents and record appeals; supervisors confirm, lift and decide; roles enforced."""

from __future__ import annotations

from telephony.models import Call

BASE = "/api/v1/abuse"


def test_incident_on_a_call_keeps_its_evidence_and_proposes_after_the_second(client, users, context):
    _, agent = users("agent")
    _, boss = users("supervisor")
    with context.sessions() as s:
        call = Call(sip_call_id="api-1", direction="inbound", caller="13800138000", caller_raw="+8613800138000",
                    ivr_path=["main"], digits="1", urgent=False, recording_seconds=30.0, status="ticketed",
                    transcript="我反映的问题你们一直不管，你这个废物，我要投诉你们。", transcript_status="done",
                    attempts=0, recording_path="2026/11/api-1.wav", ticket_number="T-9")
        s.add(call)
        s.commit()
        call_id = call.id
    r = client.post(f"{BASE}/incidents", json={"kind": "insult", "note": "辱骂话务员", "call_id": call_id},
                    headers=agent)
    assert r.status_code == 201, r.text
    incident = r.json()["incident"]
    assert incident["caller"] == "13800138000" and incident["recording_path"] == "2026/11/api-1.wav"
    assert incident["evidence"] == ["废物"] and "废物" in incident["excerpt"] and incident["ticket_number"] == "T-9"
    assert r.json()["proposed"] is None

    r = client.post(f"{BASE}/incidents", json={"kind": "pestering", "caller": "0086 138 0013 8000"}, headers=agent)
    entry = r.json()["proposed"]
    assert entry["status"] == "proposed" and entry["days"] == 1

    assert client.post(f"{BASE}/blacklist/{entry['id']}/confirm", json={}, headers=agent).status_code == 403
    r = client.post(f"{BASE}/blacklist/{entry['id']}/confirm", json={"reason": "核实"}, headers=boss)
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert client.post(f"{BASE}/blacklist/{entry['id']}/confirm", json={}, headers=boss).status_code == 409

    listed = client.get(f"{BASE}/blacklist", params={"status": "active", "caller": "+86 13800138000"}, headers=agent)
    assert [e["id"] for e in listed.json()] == [entry["id"]]
    assert client.get(f"{BASE}/blacklist", params={"status": "proposed"}, headers=agent).json() == []
    kinds = client.get(f"{BASE}/incidents", params={"kind": "insult"}, headers=agent).json()
    assert [i["id"] for i in kinds] == [incident["id"]]

    history = client.get(f"{BASE}/callers/+8613800138000", headers=agent).json()
    assert history["caller"] == "13800138000" and len(history["incidents"]) == 2
    assert [a["action"] for a in history["audit"]] == ["incident", "incident", "proposed", "confirmed"]


def test_manual_blacklist_lift_and_appeal_over_the_api(client, users, context):
    _, agent = users("agent")
    _, boss = users("supervisor")
    body = {"caller": "13900139000", "days": 7, "reason": "多次威胁话务员"}
    assert client.post(f"{BASE}/blacklist", json=body, headers=agent).status_code == 403
    assert client.post(f"{BASE}/blacklist", json=body | {"days": 0}, headers=boss).status_code == 422
    entry = client.post(f"{BASE}/blacklist", json=body, headers=boss).json()
    assert entry["status"] == "active" and entry["automatic"] is False

    r = client.post(f"{BASE}/blacklist/{entry['id']}/appeal", json={"text": "号码已换主人"}, headers=agent)
    assert r.json()["appeal_status"] == "pending"
    assert client.get(f"{BASE}/blacklist", params={"appeal_status": "pending"}, headers=boss).json()[0]["id"] == entry["id"]
    r = client.post(f"{BASE}/blacklist/{entry['id']}/appeal/decision", json={"grant": False, "reason": "证据确凿"},
                    headers=boss)
    assert r.json()["appeal_status"] == "denied" and r.json()["status"] == "active"
    assert client.post(f"{BASE}/blacklist/{entry['id']}/lift", json={}, headers=boss).status_code == 422
    r = client.post(f"{BASE}/blacklist/{entry['id']}/lift", json={"reason": "领导批示"}, headers=boss)
    assert r.json()["status"] == "lifted"
    assert client.post(f"{BASE}/blacklist/999999/lift", json={"reason": "x"}, headers=boss).status_code == 404


def test_reading_needs_a_signed_in_account(client):
    assert client.get(f"{BASE}/blacklist").status_code == 401
    assert client.get(f"{BASE}/incidents").status_code == 401


def test_department_accounts_see_nothing(client, users):
    _, dept = users("department")
    assert client.get(f"{BASE}/blacklist", headers=dept).status_code == 403
    assert client.post(f"{BASE}/incidents", json={"kind": "insult", "caller": "13800138000"},
                       headers=dept).status_code == 403
