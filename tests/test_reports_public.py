"""Monthly disclosure: drafted from the report service, published by a supervisor (audited); /public/monthly
and /public/monthly.json show only published months, keep past ones, and hold nothing personal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.errors import Conflict, ValidationFailed
from reports import disclosure
from tests.reports_support import SUPERVISOR, seed_city
from ticketing import reports as tr


def test_draft_review_publish_and_public_feed(client, context):
    city = seed_city(context)
    month = city.day.strftime("%Y-%m")
    disclosure.draft(context, month=month, actor=SUPERVISOR)
    assert client.get("/public/monthly.json").json() == {"months": []}  # a draft is not public
    assert "暂无已公布" in client.get("/public/monthly").text
    disclosure.draft(context, month=month, actor=SUPERVISOR)  # redraft after review
    disclosure.publish(context, month=month, actor=SUPERVISOR)
    with pytest.raises(Conflict):
        disclosure.publish(context, month=month, actor=SUPERVISOR)
    with pytest.raises(Conflict):
        disclosure.draft(context, month=month, actor=SUPERVISOR)
    feed = client.get("/public/monthly.json").json()["months"]
    assert [m["month"] for m in feed] == [month]
    figures = {d["department"]: d for d in feed[0]["departments"]}
    service = tr.department_report(context, period=disclosure.month_period(context, month), actor=SUPERVISOR)
    for f in service.departments:
        assert figures[f.department] == {"department": f.department, "volume": f.dispatched,
                                         "on_time_rate": f.on_time_rate, "satisfaction_rate": f.satisfaction_rate}
    page = client.get("/public/monthly")
    assert page.status_code == 200 and "市住建局" in page.text and "登录" not in page.text
    body = page.text + client.get("/public/monthly.json").text
    for personal in ("13812345678", "138****", "5678", "13900001111", "1111", "13700002222", "2222", "路灯坏了",
                     city.numbers["h_ok"], "boss"):
        assert personal not in body
    events = [e["action"] for e in disclosure.all_months(context, actor=SUPERVISOR)[0]["events"]]
    assert events == ["drafted", "redrafted", "published"]


def test_past_months_are_kept_newest_first(client, context):
    city = seed_city(context)
    month = city.day.strftime("%Y-%m")
    earlier = (city.day.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    for m in (earlier, month):
        disclosure.draft(context, month=m, actor=SUPERVISOR)
        disclosure.publish(context, month=m, actor=SUPERVISOR)
    feed = client.get("/public/monthly.json").json()["months"]
    assert [m["month"] for m in feed] == [month, earlier]
    empty = {d["department"]: d for d in feed[1]["departments"]}
    assert empty["合计"] == {"department": "合计", "volume": 0, "on_time_rate": None, "satisfaction_rate": None}


def test_bad_months_are_rejected(context):
    for bad in ("2026-13", "26-1", "", "2999-01"):
        with pytest.raises(ValidationFailed):
            disclosure.draft(context, month=bad, actor=SUPERVISOR)
