"""Bad input writes nothing; concurrent writers lose no event; the deadline sweep raises overdue once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hotline.database import utcnow
from tests.factories import new_ticket
from tests.test_ticket_lifecycle import act
from ticketing import flows
from ticketing.enums import Role
from ticketing.models import Ticket, TicketEvent
from ticketing.org.auth import Actor
from ticketing.schemas import TicketCreate


def counts(session):
    result = session.scalar(select(func.count(Ticket.id))), session.scalar(select(func.count(TicketEvent.id)))
    session.rollback()  # end the read so the next request can write
    return result


BASE = {"channel": "web", "ticket_type": "help", "content": "楼道堆放杂物"}


@pytest.mark.parametrize("body, fragment", [
    ({**BASE, "colour": "red"}, "colour"),  # unknown field
    ({**BASE, "ticket_type": "rumour"}, "ticket_type"),  # unknown type
    ({**BASE, "urgency": 1}, "urgency"),  # wrong type
    ({**BASE, "content": ""}, "content"),
    ({**BASE, "category_id": "abc"}, "category_id"),
    ({**BASE, "accepted_at": "2026-02-30T10:00:00+08:00"}, "accepted_at"),  # impossible date
    ({**BASE, "accepted_at": "2026-11-20T10:00:00"}, "accepted_at"),  # no offset
    ({**BASE, "caller_phone": "call me <script>"}, "caller"),
])
def test_malformed_create_is_422_and_writes_nothing(client, users, session, body, fragment):
    _, agent = users("agent")
    response = client.post("/api/v1/tickets", json=body, headers=agent)
    assert response.status_code == 422, response.text
    assert fragment in response.text
    assert counts(session) == (0, 0)


def test_limits_unknown_references_and_future_dates(client, users, session, settings, org):
    _, agent = users("agent")
    cases = [
        ({**BASE, "content": "长" * (settings.max_content_chars + 1)}, 422),
        ({**BASE, "title": "题" * (settings.max_title_chars + 1)}, 422),
        ({**BASE, "category_id": 999_999}, 404),
        ({**BASE, "accepted_at": (utcnow() + timedelta(days=2)).isoformat()}, 422),
    ]
    for body, code in cases:
        response = client.post("/api/v1/tickets", json=body, headers=agent)
        assert response.status_code == code, response.text
        assert response.json()["message"]
    assert counts(session) == (0, 0)
    number = new_ticket(client, agent)["number"]
    act(client, agent, number, "triage", {})
    body = act(client, agent, number, "dispatch", {"lead_department_id": 424242}, expect=404)
    assert "424242" in body["message"] or "department" in body["message"]
    act(client, agent, number, "dispatch", {"lead_department_id": org.housing, "co_department_ids": [4242]},
        expect=404)
    ticket = client.get(f"/api/v1/tickets/{number}", headers=agent).json()
    assert ticket["status"] == "triaged" and ticket["assignments"] == []
    assert client.post("/api/v1/tickets", json=BASE).status_code == 401
    assert client.post("/api/v1/tickets", json=BASE, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_list_filters_and_pagination(client, users, org):
    _, agent = users("agent")
    numbers = [new_ticket(client, agent, ticket_type=t)["number"] for t in ("complaint", "help", "complaint")]
    act(client, agent, numbers[1], "triage", {"urgency": "urgent"})
    get = lambda q: client.get(f"/api/v1/tickets?{q}", headers=agent)
    assert [t["number"] for t in get("type=complaint").json()["items"]] == [numbers[2], numbers[0]]
    assert [t["number"] for t in get("urgency=urgent").json()["items"]] == [numbers[1]]
    assert [t["number"] for t in get("status=triaged").json()["items"]] == [numbers[1]]
    assert get("order=queue").json()["items"][0]["number"] == numbers[1]
    page = get("limit=2").json()
    assert len(page["items"]) == 2 and page["has_more"]
    assert get("limit=2&offset=2").json() == {**get("limit=2&offset=2").json(), "has_more": False}
    assert get("light=green").json()["items"] and get("light=red").json()["items"] == []
    assert get("caller=%2B8613812345678").json()["items"][0]["caller_masked"] == "138****5678"
    assert get("created_from=2026-01-01T00:00:00").status_code == 422
    assert get("status=bogus").status_code == 422 and get("limit=0").status_code == 422


def test_sweep_turns_lights_and_raises_overdue_once(context, client, users):
    _, agent = users("agent")
    actor = Actor(id=None, role=Role.AGENT, name="坐席")
    old = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)  # a Monday before any run of this suite: due long ago
    late = flows.create_ticket(context, data=TicketCreate(**BASE, accepted_at=old), actor=actor)
    fresh = new_ticket(client, agent, urgency="urgent")["number"]
    now = utcnow()
    # the urgent case has 24 h in all: not born yellow (issue 17), yellow for the last half (HOTLINE_YELLOW_SHARE)
    assert flows.sweep_lights(context, now=now) == {"yellow": 0, "red": 1}
    assert flows.sweep_lights(context, now=now) == {"yellow": 0, "red": 0}
    assert flows.sweep_lights(context, now=now + timedelta(hours=11)) == {"yellow": 0, "red": 0}
    assert flows.sweep_lights(context, now=now + timedelta(hours=13)) == {"yellow": 1, "red": 0}
    events = client.get(f"/api/v1/tickets/{late}/events", headers=agent).json()
    assert [e["action"] for e in events] == ["create", "overdue"] and events[1]["actor_role"] == "system"
    assert client.get(f"/api/v1/tickets/{late}", headers=agent).json()["light"] == "red"
    # red once its 24 h are over; each change announced once
    assert flows.sweep_lights(context, now=now + timedelta(hours=25)) == {"yellow": 0, "red": 1}
    assert flows.sweep_lights(context, now=now + timedelta(hours=26)) == {"yellow": 0, "red": 0}
    actions = [e["action"] for e in client.get(f"/api/v1/tickets/{fresh}/events", headers=agent).json()]
    assert actions == ["create", "light", "overdue"]
    red = client.get("/api/v1/tickets?light=red", headers=agent).json()["items"]
    assert [t["number"] for t in red] == [late]


def test_concurrent_writers_lose_no_event(context, users, org):
    from ticketing.enums import Role

    user, _ = users("agent")
    actor = Actor(id=user.id, role=Role.AGENT, name=user.display_name)
    number = flows.create_ticket(context, data=TicketCreate(**BASE), actor=actor)
    errors: list[Exception] = []

    def writer(k: int) -> None:
        try:
            for i in range(5):
                flows.add_note(context, number=number, actor=actor, note=f"writer {k} note {i}")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with context.sessions() as s:
        seqs = s.scalars(select(TicketEvent.seq).join(Ticket).where(Ticket.number == number)
                         .order_by(TicketEvent.seq)).all()
        notes = s.scalars(select(TicketEvent.note).where(TicketEvent.action == "note")).all()
    assert seqs == list(range(1, 22))
    assert sorted(notes) == sorted(f"writer {k} note {i}" for k in range(4) for i in range(5))
