"""Departments, users and categories through the API: permissions, validation, trees."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import wiring.app
from hotline.errors import NotFound
from ticketing.org import service
from ticketing.org.models import Category, Department, User


@pytest.fixture
def app(context, monkeypatch):
    # Only the organisation router: these tests must not depend on other domains' routers.
    from wiring.app import create_app

    monkeypatch.setattr(wiring.app, "ROUTERS", ["ticketing.org.views"])
    return create_app(context.settings, context=context)


@pytest.fixture
def admin(users):
    return users("admin")[1]


def count(context, model) -> int:
    # A short session of its own: on SQLite an open read transaction would hold the write lock.
    with context.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def make_dept(client, headers, code, level, parent_id=None, **extra):
    resp = client.post("/api/v1/departments", headers=headers,
                       json={"code": code, "name": f"{code} 名称", "level": level, "parent_id": parent_id, **extra})
    assert resp.status_code == 201, resp.text
    return resp.json()


@pytest.fixture
def city_tree(client, admin):
    city = make_dept(client, admin, "city", "city")
    district = make_dept(client, admin, "d1", "district", city["id"])
    street = make_dept(client, admin, "d1-s1", "street", district["id"])
    community = make_dept(client, admin, "d1-s1-c1", "community", street["id"])
    bureau = make_dept(client, admin, "zjj", "unit", city["id"])
    return {"city": city, "district": district, "street": street, "community": community, "bureau": bureau}


# --- departments --------------------------------------------------------------------------------


def test_department_tree_and_flat_list(client, admin, city_tree, users):
    _, agent = users("agent")
    assert city_tree["district"]["district"] == "d1"  # a district serves its own code
    assert city_tree["community"]["district"] == "d1"  # inherited down the tree
    flat = client.get("/api/v1/departments", headers=agent)
    assert flat.status_code == 200
    by_code = {d["code"]: d for d in flat.json()}
    assert set(by_code) == {"city", "d1", "d1-s1", "d1-s1-c1", "zjj"}
    assert by_code["d1-s1"]["parent_id"] == city_tree["district"]["id"]
    assert "children" not in by_code["city"]

    tree = client.get("/api/v1/departments", params={"tree": 1}, headers=agent).json()
    assert [n["code"] for n in tree] == ["city"]
    assert sorted(c["code"] for c in tree[0]["children"]) == ["d1", "zjj"]
    district = next(c for c in tree[0]["children"] if c["code"] == "d1")
    assert district["children"][0]["code"] == "d1-s1"
    assert district["children"][0]["children"][0]["code"] == "d1-s1-c1"


def test_agent_cannot_write_departments(client, users, context, city_tree):
    _, agent = users("agent")
    before = count(context, Department)
    resp = client.post("/api/v1/departments", headers=agent, json={"code": "x", "name": "x", "level": "city"})
    assert resp.status_code == 403 and resp.json()["error"] == "permission_denied"
    assert client.patch(f"/api/v1/departments/{city_tree['city']['id']}", headers=agent,
                        json={"name": "hacked"}).status_code == 403
    assert count(context, Department) == before
    assert client.get("/api/v1/departments").status_code == 401


@pytest.mark.parametrize("body, status, fragment", [
    ({"code": "s", "name": "s", "level": "street", "parent_id": 9999}, 422, "parent department 9999 does not exist"),
    ({"code": "s", "name": "s", "level": "street"}, 422, "a street department must sit under district"),
    ({"code": "city", "name": "dup", "level": "city"}, 409, "department code 'city' is already used"),
    ({"code": "bad code!", "name": "s", "level": "city"}, 422, "invalid request"),
    ({"code": "s", "name": "s", "level": "galaxy"}, 422, "invalid request"),
])
def test_department_validation_writes_nothing(client, admin, context, city_tree, body, status, fragment):
    before = count(context, Department)
    resp = client.post("/api/v1/departments", headers=admin, json=body)
    assert resp.status_code == status, resp.text
    assert fragment in resp.json()["message"]
    assert count(context, Department) == before


def test_department_cycles_are_impossible(client, admin, city_tree):
    outer = make_dept(client, admin, "outer", "unit", city_tree["city"]["id"])
    inner = make_dept(client, admin, "inner", "unit", outer["id"])
    for parent in (inner["id"], outer["id"]):
        resp = client.patch(f"/api/v1/departments/{outer['id']}", headers=admin, json={"parent_id": parent})
        assert resp.status_code == 422
        assert "cannot be moved under itself or its own sub-unit" in resp.json()["message"]
    # A legal move works.
    moved = client.patch(f"/api/v1/departments/{inner['id']}", headers=admin,
                         json={"parent_id": city_tree["district"]["id"], "name": "区住建局"})
    assert moved.status_code == 200 and moved.json()["parent_id"] == city_tree["district"]["id"]


def test_patch_code_conflict_and_level_change_checked(client, admin, city_tree):
    resp = client.patch(f"/api/v1/departments/{city_tree['bureau']['id']}", headers=admin, json={"code": "d1"})
    assert resp.status_code == 409
    # Turning the district into a street would orphan its own street below.
    resp = client.patch(f"/api/v1/departments/{city_tree['district']['id']}", headers=admin,
                        json={"level": "unit"})
    assert resp.status_code == 422 and "cannot sit under a unit" in resp.json()["message"]


def test_deactivate_department(client, admin, city_tree, session):
    street_id, community_id = city_tree["street"]["id"], city_tree["community"]["id"]
    blocked = client.post(f"/api/v1/departments/{street_id}/deactivate", headers=admin)
    assert blocked.status_code == 409 and "active sub-unit" in blocked.json()["message"]
    assert client.post(f"/api/v1/departments/{community_id}/deactivate", headers=admin).json()["active"] is False
    codes = {d["code"] for d in client.get("/api/v1/departments", headers=admin).json()}
    assert "d1-s1-c1" not in codes
    all_codes = {d["code"] for d in client.get("/api/v1/departments", params={"include_inactive": True},
                                               headers=admin).json()}
    assert "d1-s1-c1" in all_codes
    with pytest.raises(NotFound):
        service.get_department(session, department_id=community_id)
    session.rollback()  # end the read before the API writes (SQLite locks at BEGIN)
    # No new department can hang under an inactive one.
    resp = client.post("/api/v1/departments", headers=admin,
                       json={"code": "u", "name": "u", "level": "unit", "parent_id": community_id})
    assert resp.status_code == 422


def test_department_subtree_ids(session, client, admin, city_tree):
    ids = service.department_subtree_ids(session, department_id=city_tree["district"]["id"])
    assert ids == sorted([city_tree["district"]["id"], city_tree["street"]["id"], city_tree["community"]["id"]])
    leaf = city_tree["community"]["id"]
    assert service.department_subtree_ids(session, department_id=leaf) == [leaf]
    with pytest.raises(NotFound):
        service.department_subtree_ids(session, department_id=424242)


# --- users ----------------------------------------------------------------------------------------


def test_admin_creates_users_and_agent_cannot(client, admin, users, context, city_tree):
    _, agent = users("agent")
    body = {"username": "zhang.san", "password": "long-enough", "role": "agent", "display_name": "张三"}
    before = count(context, User)
    assert client.post("/api/v1/users", headers=agent, json=body).status_code == 403
    assert client.get("/api/v1/users", headers=agent).status_code == 403
    assert count(context, User) == before
    created = client.post("/api/v1/users", headers=admin, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["display_name"] == "张三" and "password_hash" not in created.json()
    assert "zhang.san" in {u["username"] for u in client.get("/api/v1/users", headers=admin).json()}


@pytest.mark.parametrize("body, status, fragment", [
    ({"role": "department"}, 422, "needs a department_id"),
    ({"role": "department", "department_id": 9999}, 422, "department 9999 does not exist"),
    ({"role": "agent", "password": "short"}, 422, "at least 8 characters"),
    ({"role": "agent", "password": " " * 10}, 422, "must not be blank"),
    ({"role": "agent", "username": "wang.wu.long", "password": "Wang.Wu.Long"}, 422, "must not equal the username"),
    ({"role": "system"}, 422, "invalid request"),
])
def test_user_validation_writes_nothing(client, admin, context, body, status, fragment):
    body = {"username": "li.si", "password": "long-enough", **body}
    before = count(context, User)
    resp = client.post("/api/v1/users", headers=admin, json=body)
    assert resp.status_code == status, resp.text
    assert fragment in resp.json()["message"]
    assert count(context, User) == before


def test_duplicate_username_is_409_whatever_the_case(client, admin, context):
    body = {"username": "zhao.liu", "password": "long-enough", "role": "agent"}
    assert client.post("/api/v1/users", headers=admin, json=body).status_code == 201
    before = count(context, User)
    again = client.post("/api/v1/users", headers=admin, json={**body, "username": "Zhao.Liu"})
    assert again.status_code == 409 and "username 'zhao.liu' is already taken" in again.json()["message"]
    assert count(context, User) == before


def test_department_user_and_role_change(client, admin, city_tree):
    bureau_id = city_tree["bureau"]["id"]
    created = client.post("/api/v1/users", headers=admin, json={
        "username": "clerk", "password": "long-enough", "role": "department", "department_id": bureau_id})
    assert created.status_code == 201 and created.json()["department_id"] == bureau_id
    user_id = created.json()["id"]
    cleared = client.patch(f"/api/v1/users/{user_id}", headers=admin, json={"department_id": None})
    assert cleared.status_code == 422 and "needs a department_id" in cleared.json()["message"]
    promoted = client.patch(f"/api/v1/users/{user_id}", headers=admin,
                            json={"role": "supervisor", "department_id": None})
    assert promoted.status_code == 200 and promoted.json()["role"] == "supervisor"


def test_deactivated_user_loses_access(client, admin, users):
    agent, agent_headers = users("agent")
    resp = client.post(f"/api/v1/users/{agent.id}/deactivate", headers=admin)
    assert resp.status_code == 200 and resp.json()["active"] is False
    assert client.get("/api/v1/me", headers=agent_headers).status_code == 401
    assert agent.username not in {u["username"] for u in client.get("/api/v1/users", headers=admin).json()}


def test_last_admin_cannot_be_removed(client, users):
    admin_user, admin_headers = users("admin")
    resp = client.post(f"/api/v1/users/{admin_user.id}/deactivate", headers=admin_headers)
    assert resp.status_code == 409 and "last active admin" in resp.json()["message"]
    resp = client.patch(f"/api/v1/users/{admin_user.id}", headers=admin_headers, json={"role": "agent"})
    assert resp.status_code == 409
    users("admin")
    assert client.patch(f"/api/v1/users/{admin_user.id}", headers=admin_headers,
                        json={"role": "supervisor"}).status_code == 200


def test_unknown_user_is_404(client, admin):
    resp = client.patch("/api/v1/users/999999", headers=admin, json={"display_name": "x"})
    assert resp.status_code == 404 and resp.json()["error"] == "not_found"


# --- categories --------------------------------------------------------------------------------


def test_category_tree_crud(client, admin, users, context):
    _, agent = users("agent")
    root = client.post("/api/v1/categories", headers=admin, json={"code": "cxjs", "name": "城乡建设"}).json()
    mid = client.post("/api/v1/categories", headers=admin,
                      json={"code": "szss", "name": "市政设施", "parent_id": root["id"]}).json()
    leaf = client.post("/api/v1/categories", headers=admin,
                       json={"code": "ld", "name": "路灯", "parent_id": mid["id"]}).json()
    assert client.post("/api/v1/categories", headers=agent, json={"code": "x", "name": "x"}).status_code == 403

    tree = client.get("/api/v1/categories", params={"tree": True}, headers=agent).json()
    assert [n["name"] for n in tree] == ["城乡建设"]
    assert tree[0]["children"][0]["children"][0]["code"] == "ld"
    flat = client.get("/api/v1/categories", headers=agent).json()
    assert {c["code"]: c["parent_id"] for c in flat} == {"cxjs": None, "szss": root["id"], "ld": mid["id"]}

    before = count(context, Category)
    dup = client.post("/api/v1/categories", headers=admin, json={"code": "ld", "name": "again"})
    assert dup.status_code == 409
    orphan = client.post("/api/v1/categories", headers=admin, json={"code": "o", "name": "o", "parent_id": 777})
    assert orphan.status_code == 422 and "parent category 777" in orphan.json()["message"]
    assert count(context, Category) == before

    cycle = client.patch(f"/api/v1/categories/{root['id']}", headers=admin, json={"parent_id": leaf["id"]})
    assert cycle.status_code == 422 and "under itself" in cycle.json()["message"]
    blocked = client.post(f"/api/v1/categories/{mid['id']}/deactivate", headers=admin)
    assert blocked.status_code == 409
    renamed = client.patch(f"/api/v1/categories/{leaf['id']}", headers=admin, json={"name": "路灯照明"})
    assert renamed.json()["name"] == "路灯照明"
    assert client.post(f"/api/v1/categories/{leaf['id']}/deactivate", headers=admin).json()["active"] is False
    assert "ld" not in {c["code"] for c in client.get("/api/v1/categories", headers=agent).json()}
    with context.sessions() as session, pytest.raises(NotFound):
        service.get_category(session, category_id=leaf["id"])
    with context.sessions() as session:
        assert service.get_category(session, category_id=leaf["id"], include_inactive=True).code == "ld"
