"""Access audit (issue 16, probe 2): every unmasked caller number shown and every caller lookup is recorded;
supervisors list who saw a caller's data (API and console page); other roles may not."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import new_ticket
from ticketing.access.models import AccessRecord

NUMBER = "13812345678"  # new_ticket's caller, normalised


def records(context, **where):
    with context.reader() as s:
        stmt = select(AccessRecord).order_by(AccessRecord.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(AccessRecord, name) == value)
        return list(s.scalars(stmt))


def test_showing_the_full_number_is_audited_and_masked_views_are_not(client, people, context, org):
    ticket = new_ticket(client, people["agent"])
    before = len(records(context, action="caller_view"))
    shown = client.get(f"/api/v1/tickets/{ticket['number']}", headers=people["supervisor"]).json()
    assert shown["caller_phone"] == NUMBER
    rows = records(context, action="caller_view")[before:]
    assert len(rows) == 1 and rows[0].caller == NUMBER and rows[0].ticket_number == ticket["number"]
    assert rows[0].actor_role == "supervisor" and rows[0].at is not None


def test_caller_lookups_are_audited(client, people, context):
    new_ticket(client, people["agent"])
    assert client.get("/api/v1/tickets", params={"caller": "+86 138-1234-5678"},
                      headers=people["agent"]).status_code == 200
    assert client.get(f"/api/v1/abuse/callers/{NUMBER}", headers=people["agent"]).status_code == 200
    assert client.get("/api/v1/abuse/incidents", params={"caller": NUMBER}, headers=people["agent"]).status_code == 200
    assert client.get("/api/v1/abuse/blacklist", params={"caller": NUMBER}, headers=people["agent"]).status_code == 200
    rows = records(context, action="caller_lookup")
    assert [r.caller for r in rows] == [NUMBER] * 4
    assert rows[1].detail == {"route": "/api/v1/abuse/callers/{caller}"} and rows[1].client == "testclient"


def test_supervisor_lists_who_saw_a_caller(client, people, context):
    ticket = new_ticket(client, people["agent"])
    client.get(f"/api/v1/tickets/{ticket['number']}", headers=people["agent"])
    client.get(f"/api/v1/abuse/callers/{NUMBER}", headers=people["agent"])
    listed = client.get("/api/v1/access-records", params={"caller": "138 1234 5678"}, headers=people["supervisor"])
    assert listed.status_code == 200
    actions = [r["action"] for r in listed.json()]
    assert "caller_lookup" in actions and "caller_view" in actions
    assert all(r["caller"] == NUMBER for r in listed.json())
    for role in ("agent", "housing"):
        assert client.get("/api/v1/access-records", headers=people[role]).status_code == 403
    assert client.get("/api/v1/access-records", params={"limit": -1}, headers=people["supervisor"]).status_code == 422
    assert client.get("/api/v1/access-records", params={"action": "x"}, headers=people["supervisor"]).status_code == 422


def test_console_page_lists_who_saw_a_caller(client, people, context):
    from agent_console.session import COOKIE

    ticket = new_ticket(client, people["agent"])
    client.get(f"/api/v1/tickets/{ticket['number']}", headers=people["agent"])
    client.cookies.set(COOKIE, people["supervisor"]["Authorization"].removeprefix("Bearer "))
    page = client.get("/console/access", params={"caller": NUMBER})
    assert page.status_code == 200 and "访问审计" in page.text and "查看完整号码" in page.text
    assert ticket["number"] in page.text
    client.cookies.set(COOKIE, people["agent"]["Authorization"].removeprefix("Bearer "))
    assert client.get("/console/access").status_code == 403


def test_abuse_limits_are_bounded(client, people):
    for path in ("/api/v1/abuse/incidents", "/api/v1/abuse/blacklist", "/api/v1/abuse/attempts"):
        assert client.get(path, params={"limit": -1}, headers=people["agent"]).status_code == 422
        assert client.get(path, params={"limit": 501}, headers=people["agent"]).status_code == 422
