"""Dispatch catalogue (category × district → lead department): CRUD and the suggestion walk."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import wiring.app
from ticketing.org import service
from ticketing.org.models import Category, Department, DispatchRule


@pytest.fixture
def app(context, monkeypatch):
    # Only the organisation router: these tests must not depend on other domains' routers.
    from wiring.app import create_app

    monkeypatch.setattr(wiring.app, "ROUTERS", ["ticketing.org.views"])
    return create_app(context.settings, context=context)


@pytest.fixture
def admin(users):
    return users("admin")[1]


@pytest.fixture
def org(session):
    """城乡建设 → 市政设施 → {路灯, 井盖}; 其他 (no rules); city bureau and two district bureaus."""
    city = Department(code="city", name="市政府", level="city")
    session.add(city)
    session.flush()
    depts = {
        "cgj": Department(code="cgj", name="市城管局", level="unit", parent_id=city.id),
        "zjj": Department(code="zjj", name="市住建局", level="unit", parent_id=city.id),
        "a_cgj": Department(code="a-cgj", name="A区城管局", level="unit", parent_id=city.id, district="A"),
        "b_cgj": Department(code="b-cgj", name="B区城管局", level="unit", parent_id=city.id, district="B"),
    }
    session.add_all(depts.values())
    root = Category(code="cxjs", name="城乡建设")
    other = Category(code="qt", name="其他")
    session.add_all([root, other])
    session.flush()
    mid = Category(code="szss", name="市政设施", parent_id=root.id)
    session.add(mid)
    session.flush()
    lamp = Category(code="ld", name="路灯", parent_id=mid.id)
    manhole = Category(code="jg", name="井盖", parent_id=mid.id)
    session.add_all([lamp, manhole])
    session.commit()
    ids = {k: d.id for k, d in depts.items()}
    ids.update(root=root.id, mid=mid.id, lamp=lamp.id, manhole=manhole.id, other=other.id)
    return ids


def count_rules(context) -> int:
    # A short session of its own: on SQLite an open read transaction would hold the write lock.
    with context.sessions() as s:
        return s.scalar(select(func.count()).select_from(DispatchRule))


def add_rule(client, headers, category_id, department_id, district=None):
    resp = client.post("/api/v1/dispatch-rules", headers=headers,
                       json={"category_id": category_id, "department_id": department_id, "district": district})
    assert resp.status_code == 201, resp.text
    return resp.json()


def suggest(client, headers, category_id, district=None):
    params = {"category_id": category_id} | ({"district": district} if district is not None else {})
    resp = client.get("/api/v1/dispatch/suggest", params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture
def rules(client, admin, org):
    return {
        "lamp_any": add_rule(client, admin, org["lamp"], org["cgj"]),
        "lamp_a": add_rule(client, admin, org["lamp"], org["a_cgj"], "A"),
        "mid_b": add_rule(client, admin, org["mid"], org["b_cgj"], "B"),
        "root_any": add_rule(client, admin, org["root"], org["zjj"]),
    }


def test_district_rule_beats_any_district_rule(client, users, org, rules):
    _, agent = users("agent")
    got = suggest(client, agent, org["lamp"], "A")
    assert got["department"]["code"] == "a-cgj"
    assert got["reason"] == "catalogue: category 路灯 in district A"
    got = suggest(client, agent, org["lamp"], "B")  # the child's own default beats the parent's B rule
    assert got["department"]["code"] == "cgj"
    assert got["reason"] == "catalogue default for category 路灯"
    assert suggest(client, agent, org["lamp"])["department"]["code"] == "cgj"
    assert suggest(client, agent, org["lamp"], "  ")["department"]["code"] == "cgj"  # blank = no district


def test_parent_category_fallback(client, users, org, rules):
    _, agent = users("agent")
    got = suggest(client, agent, org["manhole"], "B")
    assert got["department"]["code"] == "b-cgj"
    assert got["reason"] == "catalogue: category 市政设施 in district B (inherited by 井盖)"
    got = suggest(client, agent, org["manhole"], "A")
    assert got["department"]["code"] == "zjj"
    assert got["reason"] == "catalogue default for category 城乡建设 (inherited by 井盖)"


def test_no_rule_gives_no_department(client, users, org, rules, session):
    _, agent = users("agent")
    got = suggest(client, agent, org["other"], "A")
    assert got == {"department": None, "reason": "no catalogue rule for category 其他 in district A"}
    assert service.suggest_department(session, category_id=None, district="A") is None
    assert service.suggest_department(session, category_id=987654, district="A") is None
    session.rollback()  # end the read before the next request (SQLite locks at BEGIN)
    resp = client.get("/api/v1/dispatch/suggest", params={"category_id": 987654}, headers=agent)
    assert resp.status_code == 404


def test_service_suggest_returns_department_and_reason(session, org, rules):
    dept, reason = service.suggest_department(session, category_id=org["lamp"], district="A")
    assert isinstance(dept, Department) and dept.code == "a-cgj"
    assert reason == "catalogue: category 路灯 in district A"


def test_rules_to_inactive_departments_are_skipped(client, admin, org, rules, session):
    session.get(Department, org["a_cgj"]).active = False
    session.commit()
    got = suggest(client, admin, org["lamp"], "A")
    assert got["department"]["code"] == "cgj"


def test_update_and_delete_rules_change_suggestion(client, admin, org, rules):
    lamp_a = rules["lamp_a"]["id"]
    resp = client.patch(f"/api/v1/dispatch-rules/{lamp_a}", headers=admin, json={"department_id": org["zjj"]})
    assert resp.status_code == 200 and resp.json()["department_id"] == org["zjj"]
    assert suggest(client, admin, org["lamp"], "A")["department"]["code"] == "zjj"
    assert client.delete(f"/api/v1/dispatch-rules/{lamp_a}", headers=admin).status_code == 204
    assert suggest(client, admin, org["lamp"], "A")["department"]["code"] == "cgj"
    assert client.get(f"/api/v1/dispatch-rules/{lamp_a}", headers=admin).status_code == 404
    listed = client.get("/api/v1/dispatch-rules", params={"category_id": org["lamp"]}, headers=admin).json()
    assert [(r["district"], r["department_id"]) for r in listed] == [(None, org["cgj"])]


@pytest.mark.parametrize("make_body, status, fragment", [
    (lambda o: {"category_id": o["lamp"], "department_id": o["zjj"]}, 409, "already has a rule for any district"),
    (lambda o: {"category_id": o["lamp"], "department_id": o["zjj"], "district": "A"}, 409,
     "already has a rule for district A"),
    (lambda o: {"category_id": 5555, "department_id": o["zjj"]}, 422, "category 5555 does not exist"),
    (lambda o: {"category_id": o["lamp"], "department_id": 5555, "district": "C"}, 422,
     "department 5555 does not exist"),
])
def test_rule_validation_writes_nothing(client, admin, org, rules, context, make_body, status, fragment):
    before = count_rules(context)
    resp = client.post("/api/v1/dispatch-rules", headers=admin, json=make_body(org))
    assert resp.status_code == status, resp.text
    assert fragment in resp.json()["message"]
    assert count_rules(context) == before


def test_moving_a_rule_onto_an_existing_area_conflicts(client, admin, org, rules):
    resp = client.patch(f"/api/v1/dispatch-rules/{rules['lamp_a']['id']}", headers=admin, json={"district": None})
    assert resp.status_code == 409


def test_only_admin_writes_rules_but_everyone_reads(client, users, org, rules, context):
    _, agent = users("agent")
    _, supervisor = users("supervisor")
    before = count_rules(context)
    body = {"category_id": org["other"], "department_id": org["zjj"]}
    assert client.post("/api/v1/dispatch-rules", headers=agent, json=body).status_code == 403
    assert client.post("/api/v1/dispatch-rules", headers=supervisor, json=body).status_code == 403
    assert client.delete(f"/api/v1/dispatch-rules/{rules['lamp_any']['id']}", headers=agent).status_code == 403
    assert count_rules(context) == before
    assert len(client.get("/api/v1/dispatch-rules", headers=agent).json()) == before
    assert client.get("/api/v1/dispatch/suggest", params={"category_id": org["lamp"]}).status_code == 401
