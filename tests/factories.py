"""Small builders shared by ticket tests: a department tree, categories and a dispatch rule."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ticketing.org.models import Category, Department, DispatchRule


@dataclass
class Org:
    city: int
    housing: int  # 市住建局
    district: int  # 朝阳区
    street: int  # 某街道
    other: int  # 市交通局
    cat_roads: int
    cat_noise: int


def build_org(context) -> Org:
    with context.sessions() as s:
        city = Department(code="city", name="市政府", level="city")
        s.add(city)
        s.flush()
        housing = Department(code="housing", name="市住建局", level="unit", parent_id=city.id)
        district = Department(code="d-cy", name="朝阳区", level="district", parent_id=city.id, district="chaoyang")
        other = Department(code="transport", name="市交通局", level="unit", parent_id=city.id)
        s.add_all([housing, district, other])
        s.flush()
        street = Department(code="s-1", name="望京街道", level="street", parent_id=district.id, district="chaoyang")
        roads = Category(code="roads", name="道路设施")
        noise = Category(code="noise", name="噪音扰民")
        s.add_all([street, roads, noise])
        s.flush()
        s.add(DispatchRule(category_id=roads.id, district=None, department_id=housing.id))
        s.add(DispatchRule(category_id=noise.id, district="chaoyang", department_id=street.id))
        s.commit()
        return Org(city.id, housing.id, district.id, street.id, other.id, roads.id, noise.id)


def new_ticket(client, headers, **overrides) -> dict:
    body = {"channel": "phone", "ticket_type": "complaint", "content": "小区门口路灯坏了三天，晚上很黑。",
            "caller_phone": "+86 138 1234 5678", "address": "望京西路1号", "district": "chaoyang"}
    body.update(overrides)
    response = client.post("/api/v1/tickets", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def org(context) -> Org:
    return build_org(context)


@pytest.fixture
def people(users, org) -> dict[str, dict[str, str]]:
    """API headers of one user per role, with department staff of three units."""
    return {
        "agent": users("agent")[1],
        "supervisor": users("supervisor")[1],
        "housing": users("department", org.housing)[1],
        "street": users("department", org.street)[1],
        "transport": users("department", org.other)[1],
    }
