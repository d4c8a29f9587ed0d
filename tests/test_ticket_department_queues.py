"""Department staff lists read from the unit's assignments (migration 0011): the copies of the ticket's
created_at, urgency and open-ness stay right through the lifecycle, the lists keep their order and pages,
and a text search newest-first gives the same pages whether its hits are recent or old."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from hotline.database import utcnow
from tests.factories import new_ticket
from ticketing.enums import OPEN_STATUSES
from ticketing.models import Ticket, TicketAssignment

OPEN = sorted(s.value for s in OPEN_STATUSES)


def act(client, headers, number, action, body=None, expect=200):
    response = client.post(f"/api/v1/tickets/{number}/{action}", json=body, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


def listed(client, headers, **params) -> list[str]:
    response = client.get("/api/v1/tickets", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [t["number"] for t in response.json()["items"]]


def dispatched(client, people, org, *, urgency="normal", co=None) -> str:
    agent = people["agent"]
    number = new_ticket(client, agent)["number"]
    act(client, agent, number, "triage", {"urgency": urgency})
    act(client, agent, number, "dispatch", {"lead_department_id": org.housing, "co_department_ids": co or []})
    return number


def assert_copies_match(session) -> int:
    """Every assignment's copies equal its ticket's facts; returns how many assignments were checked."""
    rows = session.execute(select(TicketAssignment, Ticket).join(Ticket, Ticket.id == TicketAssignment.ticket_id)).all()
    for a, t in rows:
        assert (a.ticket_created_at, a.ticket_urgency, a.ticket_open) == (
            t.created_at, t.urgency, t.status in OPEN), (t.number, t.status)
    return len(rows)


def test_department_queues_follow_the_lifecycle(client, people, org, context):
    agent, housing, street = people["agent"], people["housing"], people["street"]
    first = dispatched(client, people, org, co=[org.street])
    urgent = dispatched(client, people, org, urgency="urgent")
    last = dispatched(client, people, org)
    for headers in (housing, agent):
        assert listed(client, headers)[:3] == [last, urgent, first]
    assert listed(client, housing, status=OPEN, order="queue") == [urgent, last, first]
    assert listed(client, street) == [first] == listed(client, street, status=OPEN, order="queue")

    act(client, housing, last, "accept")
    act(client, housing, last, "reply", {"reply": "已修复"})
    act(client, agent, last, "close")
    assert listed(client, housing, status=OPEN, order="queue") == [urgent, first]
    assert listed(client, housing, status=["closed"]) == [last]
    assert listed(client, housing) == [last, urgent, first]  # newest first keeps closed cases
    assert last not in listed(client, housing, light="green", order="due")

    act(client, people["supervisor"], last, "reopen", {"reason": "市民不满意"})
    assert listed(client, housing, status=OPEN, order="queue") == [urgent, last, first]
    with context.reader() as session:
        assert assert_copies_match(session) == 4


def test_department_pages_do_not_overlap(client, people, org):
    numbers = [dispatched(client, people, org) for _ in range(5)][::-1]  # newest first
    housing = people["housing"]
    for params in ({}, {"status": OPEN, "order": "queue"}):
        pages = [listed(client, housing, limit=2, offset=o, **params) for o in (0, 2, 4)]
        assert pages == [numbers[:2], numbers[2:4], numbers[4:]]
        response = client.get("/api/v1/tickets", params={"limit": 2, "offset": 2, **params}, headers=housing)
        assert response.json()["has_more"] is True


def test_text_search_pages_same_for_recent_and_old_hits(client, people, context):
    agent = people["agent"]
    content = "楼下饭店油烟噪音扰民，晚上十一点还在营业。"
    numbers = [new_ticket(client, agent, content=content)["number"] for _ in range(4)][::-1]  # newest first
    new_ticket(client, agent, content="路灯不亮")
    # The two oldest hits move back two months: outside the recent window the first search looks at.
    with context.sessions() as session:
        for months, number in ((2, numbers[2]), (3, numbers[3])):
            session.execute(update(Ticket).where(Ticket.number == number)
                            .values(created_at=utcnow() - timedelta(days=30 * months)))
        session.commit()
    assert listed(client, agent, q="油烟噪音") == numbers
    # A page needs limit + 1 hits (has_more): the window holds two, enough for limit=1 only.
    assert listed(client, agent, q="油烟噪音", limit=2) == numbers[:2]
    assert listed(client, agent, q="油烟噪音", limit=2, offset=1) == numbers[1:3]
    assert listed(client, agent, q="油烟噪音", limit=2, offset=2) == numbers[2:]
    response = client.get("/api/v1/tickets", params={"q": "油烟噪音", "limit": 1}, headers=agent)
    assert response.json()["has_more"] is True and [t["number"] for t in response.json()["items"]] == numbers[:1]
    assert listed(client, agent, q="油烟噪音", created_from=(utcnow() - timedelta(days=75)).isoformat()) == \
        numbers[:3]


def test_department_filters_stay_within_the_unit(client, people, org):
    agent, housing = people["agent"], people["housing"]
    theirs = new_ticket(client, agent)["number"]
    act(client, agent, theirs, "triage", {})
    act(client, agent, theirs, "dispatch", {"lead_department_id": org.other})
    mine = dispatched(client, people, org, urgency="urgent")
    consult = new_ticket(client, agent, ticket_type="consult", content="路灯报修电话是多少？")["number"]
    act(client, agent, consult, "triage", {})
    act(client, agent, consult, "dispatch", {"lead_department_id": org.housing})
    cases = [({"q": "路灯"}, [consult, mine]), ({"q": "路灯", "status": OPEN, "order": "queue"}, [mine, consult]),
             ({"type": "complaint"}, [mine]), ({"urgency": "urgent", "status": OPEN, "order": "queue"}, [mine]),
             ({"channel": "phone", "type": "complaint", "q": "路灯"}, [mine])]
    for params, expected in cases:
        assert listed(client, housing, **params) == expected, params
    assert listed(client, agent, q="路灯") == [consult, mine, theirs]
