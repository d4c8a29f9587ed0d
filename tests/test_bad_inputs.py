"""The input probes of issue 16 (probe 4 and 6): each gets a 4xx, never a 500 or a traceback."""

from __future__ import annotations

import pytest

from tests.factories import new_ticket

BIG = str(2**63)


def assert_4xx(response):
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert "Traceback" not in response.text


@pytest.mark.parametrize("path", [
    f"/api/v1/tickets?department_id={BIG}", f"/api/v1/tickets?offset={BIG}", f"/api/v1/tickets?limit={BIG}",
    "/api/v1/tickets?limit=-1", "/api/v1/tickets?offset=-1", f"/api/v1/users/{BIG}", f"/api/v1/departments/{BIG}",
    f"/api/v1/articles/{BIG}", "/api/v1/articles/-1", f"/api/v1/calendar/{BIG}",
    "/api/v1/tickets?created_from=0001-01-01T00:00:00%2B08:00", "/api/v1/tickets?created_to=9999-12-31T23:59:59-12:00",
    "/open311/v2/requests.json?start_date=0001-01-01", "/open311/v2/requests.json?end_date=9999-12-31T23:59:59",
    "/open311/v2/requests.json?start_date=0001-01-01&end_date=0001-01-02", f"/open311/v2/requests.json?page={BIG}",
    f"/open311/v2/requests.json?limit={BIG}", "/api/v1/abuse/incidents?limit=-1",
])
def test_out_of_range_parameters_are_4xx(client, people, path):
    headers = people["supervisor"] if path.startswith("/api") else {}
    assert_4xx(client.get(path, headers=headers))


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00Z"])
def test_extreme_dates_in_bodies_are_4xx(client, people, when):
    assert_4xx(client.post("/api/v1/deadlines/preview", json={"accepted_at": when}, headers=people["agent"]))
    body = {"channel": "phone", "ticket_type": "complaint", "content": "路灯坏了", "accepted_at": when}
    assert_4xx(client.post("/api/v1/tickets", json=body, headers=people["agent"]))


@pytest.mark.parametrize(("path", "method", "body"), [
    ("/api/v1/articles", "post", {"question": "\ud800问", "answer": "答"}),
    ("/api/v1/articles", "post", {"question": "问", "answer": "答", "tags": ["\udfff"]}),
    ("/api/v1/ivr/prompts/greeting", "put", {"text": "您好\ud800"}),
])
def test_lone_surrogates_are_422(client, users, path, method, body):
    import json

    _, admin = users("admin")
    raw = json.dumps(body)  # ensure_ascii keeps the surrogate as a \\ud800 escape
    response = getattr(client, method)(path, content=raw, headers={**admin, "Content-Type": "application/json"})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("body", [{"ticket_type": None}, {"title": None}, {"urgency": None}])
def test_explicit_null_on_a_required_triage_field_is_422(client, people, body):
    number = new_ticket(client, people["agent"])["number"]
    response = client.post(f"/api/v1/tickets/{number}/triage", json=body, headers=people["agent"])
    assert response.status_code == 422, response.text


def test_explicit_null_category_clears_it_and_is_recorded(client, people, org):
    number = new_ticket(client, people["agent"], category_id=org.cat_roads)["number"]
    response = client.post(f"/api/v1/tickets/{number}/triage", json={"category_id": None}, headers=people["agent"])
    assert response.status_code == 200 and response.json()["category_id"] is None
    events = client.get(f"/api/v1/tickets/{number}/events", headers=people["agent"]).json()
    assert events[-1]["changes"]["category_id"] == [org.cat_roads, None]


def test_department_staff_see_only_their_units_repeats(client, people, org):
    first = new_ticket(client, people["agent"])["number"]
    second = new_ticket(client, people["agent"])["number"]
    for number, unit in ((first, org.other), (second, org.housing)):
        client.post(f"/api/v1/tickets/{number}/triage", json={}, headers=people["agent"])
        assert client.post(f"/api/v1/tickets/{number}/dispatch", json={"lead_department_id": unit},
                           headers=people["agent"]).status_code == 200
    staff = client.get(f"/api/v1/tickets/{second}", headers=people["agent"]).json()
    assert [r["number"] for r in staff["suggestions"]["repeats"]] == [first]
    housing = client.get(f"/api/v1/tickets/{second}", headers=people["housing"]).json()
    assert housing["suggestions"]["repeats"] == []  # the other unit's case number stays hidden
