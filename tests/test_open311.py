"""Open311 GeoReport v2 under /open311/v2: services from the category tree, filing cases from web and app
channels, following them without personal data, and errors in the spec's array format that write nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from hotline.database import utcnow
from tests.factories import build_org
from ticketing import flows
from ticketing.models import Ticket
from ticketing.open311_schemas import HIDDEN_PHONE, redact
from ticketing.org.auth import Actor
from ticketing.org.models import Category
from ticketing.schemas import DispatchIn, MergeIn, TriageIn

V2 = "/open311/v2"
SPEC_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}


@pytest.fixture
def org(context):
    org = build_org(context)
    with context.sessions() as s:
        urban = Category(code="urban", name="城乡建设")
        transport = Category(code="transport", name="交通出行")
        s.add_all([urban, transport])
        s.flush()
        light = Category(code="streetlight", name="路灯", parent_id=urban.id)
        s.add_all([light, Category(code="manhole", name="井盖", parent_id=urban.id, active=False),
                   Category(code="bus", name="公交", parent_id=transport.id, active=False)])
        s.commit()
        org.cat_light = light.id
    return org


KEY = "test-channel-key"


@pytest.fixture(autouse=True)
def channel_key(settings, client, monkeypatch):
    """Posting is closed by default: these tests file cases as a configured channel (web, WeChat) whose
    key rides along as a query parameter of every POST (the body's api_key, when a test sends one, wins)."""
    settings.open311_api_keys = [KEY]
    post = client.post
    monkeypatch.setattr(client, "post", lambda url, **kw: post(url, params=kw.pop("params", {"api_key": KEY}), **kw))


@pytest.fixture
def agent(users):
    return users("agent")


def file(client, *, as_json=False, expect=201, **fields):
    body = {"service_code": "streetlight", "description": "小区门口路灯坏了三天，晚上很黑。",
            "address_string": "望京西路1号"}
    body.update(fields)
    body = {k: v for k, v in body.items() if v is not None}
    if as_json:
        response = client.post(f"{V2}/requests.json", json=body)
    else:
        response = client.post(f"{V2}/requests.json", data=body)
    assert response.status_code == expect, response.text
    return response.json()


def filed(client, **fields) -> str:
    return file(client, **fields)[0]["service_request_id"]


def ticket_count(context) -> int:
    with context.sessions() as s:
        return s.scalar(select(func.count()).select_from(Ticket))


def one(client, number) -> dict:
    response = client.get(f"{V2}/requests/{number}.json")
    assert response.status_code == 200, response.text
    [item] = response.json()
    return item


def assert_open311_error(response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    [error] = response.json()
    assert error["code"] == status and words in error["description"]


# --- services ------------------------------------------------------------------------------------


def test_services_are_active_leaf_categories(client, org):
    services = client.get(f"{V2}/services.json").json()
    by_code = {s["service_code"]: s for s in services}
    # parents with an active child and inactive categories are no services; a parent whose only child is
    # inactive is a leaf now
    assert set(by_code) == {"roads", "noise", "streetlight", "transport"}
    light = by_code["streetlight"]
    assert light["service_name"] == "路灯" and light["group"] == "城乡建设" and "路灯" in light["description"]
    assert by_code["roads"]["group"] is None
    assert all(s["metadata"] is True and s["type"] == "realtime" for s in services)


def test_service_definition_offers_ticket_type_but_not_urgency(client, org):
    definition = client.get(f"{V2}/services/streetlight.json").json()
    assert definition["service_code"] == "streetlight"
    [attribute] = definition["attributes"]
    assert attribute["code"] == "ticket_type" and attribute["datatype"] == "singlevaluelist"
    assert attribute["variable"] is True and attribute["required"] is False
    assert [(v["key"], v["name"]) for v in attribute["values"]] == [
        ("consult", "咨询"), ("help", "求助"), ("complaint", "投诉"), ("report", "举报"), ("suggestion", "建议"),
        ("praise", "表扬")]
    assert_open311_error(client.get(f"{V2}/services/urban.json"), 404, "urban")  # not a leaf
    assert_open311_error(client.get(f"{V2}/services/manhole.json"), 404, "manhole")  # inactive
    assert_open311_error(client.get(f"{V2}/services/nope.json"), 404, "nope")


def test_discovery_points_at_the_v2_endpoint(client):
    doc = client.get("/open311/discovery.json").json()
    [endpoint] = doc["endpoints"]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["application/json"] and endpoint["type"] == "production"
    assert "GeoReport_v2" in endpoint["specification"] and doc["contact"]
    assert_open311_error(client.get("/open311/discovery.xml"), 400, "only JSON")


# --- filing cases ----------------------------------------------------------------------------------


def test_form_encoded_post_creates_a_web_ticket(client, org, agent):
    [created] = file(client, phone="+86 138 1234 5678", first_name="三", last_name="张", email="z@example.cn",
                     **{"attribute[ticket_type]": "report"})
    number = created["service_request_id"]
    assert "已受理" in created["service_notice"] and number in created["service_notice"]
    ticket = client.get(f"/api/v1/tickets/{number}", headers=agent[1]).json()
    assert ticket["channel"] == "web" and ticket["ticket_type"] == "report"
    assert ticket["category_id"] == org.cat_light and ticket["status"] == "registered"
    assert ticket["caller_phone"] == "13812345678" and ticket["caller_name"] == "张三"
    assert ticket["address"] == "望京西路1号" and ticket["urgency"] == "normal"
    assert ticket["content"] == "小区门口路灯坏了三天，晚上很黑。" and ticket["title"].startswith("小区门口路灯")
    [event] = client.get(f"/api/v1/tickets/{number}/events", headers=agent[1]).json()
    assert (event["action"], event["actor_role"], event["actor_name"]) == ("create", "system", "open311")


def test_json_post_with_wechat_channel_coordinates_and_media(client, org, agent):
    [created] = file(client, as_json=True, address_string=None, lat=39.9042, long="116.4074", channel="wechat",
                     media_url="https://img.example.cn/a.jpg",
                     attribute={"ticket_type": "咨询", "urgency": "urgent"})
    number = created["service_request_id"]
    ticket = client.get(f"/api/v1/tickets/{number}", headers=agent[1]).json()
    assert ticket["channel"] == "wechat" and ticket["ticket_type"] == "consult"
    assert ticket["urgency"] == "normal"  # citizens cannot mark a case urgent; agents triage
    assert ticket["address"] == "位置: 39.9042,116.4074"
    assert ticket["content"].endswith("\n附件: https://img.example.cn/a.jpg")
    item = one(client, number)
    assert (item["lat"], item["long"]) == (39.9042, 116.4074) and item["address"] is None
    assert item["media_url"] == "https://img.example.cn/a.jpg"
    assert item["description"] == "小区门口路灯坏了三天，晚上很黑。"


def test_coordinates_beside_an_address_are_kept_in_the_content(client, org, agent):
    number = filed(client, lat="31.23", long="121.47")
    ticket = client.get(f"/api/v1/tickets/{number}", headers=agent[1]).json()
    assert ticket["address"] == "望京西路1号" and ticket["content"].endswith("\n位置: 31.23,121.47")
    item = one(client, number)
    assert item["address"] == "望京西路1号" and (item["lat"], item["long"]) == (31.23, 121.47)
    assert item["description"] == "小区门口路灯坏了三天，晚上很黑。" and item["media_url"] is None


def test_ticket_type_defaults_to_complaint(client, org, agent):
    number = filed(client)
    assert client.get(f"/api/v1/tickets/{number}", headers=agent[1]).json()["ticket_type"] == "complaint"


BAD_POSTS = [
    ({"service_code": "nope"}, "unknown service_code"),
    ({"service_code": "urban"}, "unknown service_code"),  # a group, not a service
    ({"service_code": None}, "service_code is required"),
    ({"description": None}, "description is required"),
    ({"description": "   "}, "description is required"),
    ({"address_string": None}, "location is required"),
    ({"lat": "39.9"}, "together"),
    ({"lat": "north", "long": "116"}, "lat must be"),
    ({"lat": "95", "long": "116"}, "between"),
    ({"attribute[ticket_type]": "urgent"}, "ticket_type"),
    ({"phone": "call me"}, "caller number"),
    ({"phone": "1" * 41}, "caller_phone"),
    ({"channel": "phone"}, "channel"),
    ({"media_url": "javascript:alert(1)"}, "media_url"),
]


@pytest.mark.parametrize(("fields", "words"), BAD_POSTS)
def test_bad_posts_are_400_in_open311_format_and_write_nothing(client, context, org, fields, words):
    body = {"service_code": "streetlight", "description": "路灯坏了", "address_string": "望京西路1号"} | fields
    body = {k: v for k, v in body.items() if v is not None}
    assert_open311_error(client.post(f"{V2}/requests.json", data=body), 400, words)
    assert ticket_count(context) == 0


def test_description_limit_and_broken_bodies(client, context, settings, org):
    settings.max_content_chars = 10
    response = client.post(f"{V2}/requests.json", data={"service_code": "roads", "description": "很长" * 6,
                                                        "address_string": "某路"})
    assert_open311_error(response, 400, "longer than 10")
    json_headers = {"content-type": "application/json"}
    assert_open311_error(client.post(f"{V2}/requests.json", content=b"{oops", headers=json_headers), 400, "JSON")
    assert_open311_error(client.post(f"{V2}/requests.json", content=b"[1, 2]", headers=json_headers), 400, "object")
    assert_open311_error(client.post(f"{V2}/requests.json", content=b"<x/>", headers={"content-type": "text/xml"}),
                         400, "form")
    assert ticket_count(context) == 0


def test_xml_is_refused_without_crashing(client, context, org):
    body = {"service_code": "roads", "description": "路灯坏了", "address_string": "某路"}
    assert_open311_error(client.post(f"{V2}/requests.xml", data=body), 400, "only JSON is supported")
    for path in ("/services.xml", "/services/roads.xml", "/requests.xml", "/requests/2026010100001.xml"):
        assert_open311_error(client.get(V2 + path), 400, "only JSON is supported")
    assert ticket_count(context) == 0


def test_api_key_is_required_once_configured(client, context, settings, org):
    settings.open311_api_keys = ["key-one", "key-two"]
    body = {"service_code": "roads", "description": "路灯坏了", "address_string": "某路"}
    assert_open311_error(client.post(f"{V2}/requests.json", data=body), 403, "api_key")
    assert_open311_error(client.post(f"{V2}/requests.json", data=body | {"api_key": "key-three"}), 403, "api_key")
    assert ticket_count(context) == 0
    assert client.post(f"{V2}/requests.json", json=body | {"api_key": "key-two"}).status_code == 201
    assert ticket_count(context) == 1
    assert len(client.get(f"{V2}/requests.json").json()) == 1  # reading needs no key


# --- following cases --------------------------------------------------------------------------------


def test_get_by_id_has_the_spec_fields_and_no_personal_data(client, org, agent):
    number = filed(client, phone="13812345678", first_name="三", last_name="张",
                   description="张三反映：路灯坏了，请回电 139-1234-5678 或 010-87654321。")
    phoned = client.post("/api/v1/tickets", headers=agent[1], json={
        "channel": "phone", "ticket_type": "complaint", "caller_phone": "+86 137 0000 1111", "caller_name": "李四",
        "content": "来电人李四称楼下噪音扰民，联系电话13700001111。", "address": "望京街道", "category_id": org.cat_noise,
    }).json()["number"]

    item = one(client, number)
    assert set(item) == SPEC_FIELDS
    assert item["status"] == "open" and item["service_code"] == "streetlight" and item["service_name"] == "路灯"
    assert item["zipcode"] is None and item["agency_responsible"] is None and item["address"] == "望京西路1号"
    assert item["lat"] is None and item["long"] is None
    assert item["description"] == f"**反映：路灯坏了，请回电 {HIDDEN_PHONE} 或 {HIDDEN_PHONE}。"
    requested = datetime.fromisoformat(item["requested_datetime"])
    assert requested.utcoffset() == timedelta(hours=8)
    ticket = client.get(f"/api/v1/tickets/{number}", headers=agent[1]).json()
    assert datetime.fromisoformat(item["expected_datetime"]) == datetime.fromisoformat(ticket["due_at"])

    listed = client.get(f"{V2}/requests.json")
    assert [i["service_request_id"] for i in listed.json()] == [phoned, number]
    for text in (listed.text, client.get(f"{V2}/requests/{phoned}.json").text):
        for secret in ("13812345678", "139-1234-5678", "010-87654321", "13700001111", "张三", "李四"):
            assert secret not in text
    assert client.get(f"{V2}/requests/{phoned}.json").json()[0]["service_code"] == "noise"


def test_unknown_request_and_tokens(client, org):
    assert_open311_error(client.get(f"{V2}/requests/2026010199999.json"), 404, "2026010199999")
    [created] = file(client)
    number, token = created["service_request_id"], created["token"]
    assert token != number and number in token
    assert client.get(f"{V2}/tokens/{token}.json").json() == [{"token": token, "service_request_id": number}]
    assert_open311_error(client.get(f"{V2}/tokens/nope.json"), 404, "nope")
    # The case number alone, or with a forged MAC, is no token.
    assert_open311_error(client.get(f"{V2}/tokens/{number}.json"), 404, number)
    assert_open311_error(client.get(f"{V2}/tokens/{number}.{'A' * 22}.json"), 404, "not found")


def test_hidden_and_missing_cases_answer_alike(client, org, settings):
    from ticketing import public_tokens

    hidden = filed(client, **{"attribute[ticket_type]": "report"})
    missing = str(int(hidden) + 1)
    for path in ("requests/{}.json", "tokens/{}.json"):
        def answer(number):
            name = public_tokens.mint(settings, number) if path.startswith("tokens") else number
            response = client.get(f"{V2}/{path.format(name)}")
            return response.status_code, response.json()[0]["description"].replace(name, "X")
        assert answer(hidden) == answer(missing) and answer(hidden)[0] == 404


def test_posting_is_closed_unless_opened(client, context, settings, org):
    settings.open311_api_keys = []
    body = {"service_code": "roads", "description": "路灯坏了", "address_string": "某路"}
    assert_open311_error(client.post(f"{V2}/requests.json", data=body), 403, "api_key")
    assert ticket_count(context) == 0
    settings.open311_open_posting = True
    assert client.post(f"{V2}/requests.json", data=body).status_code == 201


def test_case_closed_through_the_flows_shows_the_reply(client, context, org, users):
    agent = Actor.of(users("agent")[0])
    housing = Actor.of(users("department", org.housing)[0])
    number = filed(client)
    flows.triage(context, number=number, data=TriageIn(), actor=agent)
    flows.dispatch(context, number=number, data=DispatchIn(lead_department_id=org.housing), actor=agent)
    item = one(client, number)
    assert item["status"] == "open" and item["agency_responsible"] == "市住建局" and "已派单" in item["status_notes"]
    flows.accept(context, number=number, actor=housing)
    flows.reply(context, number=number, actor=housing, text="路灯已于今日修复，感谢您的反映。")
    assert one(client, number)["status"] == "open"
    flows.close(context, number=number, actor=agent, note=None)
    item = one(client, number)
    assert item["status"] == "closed" and item["status_notes"] == "路灯已于今日修复，感谢您的反映。"


def test_merged_case_is_closed_and_points_to_the_case_it_joined(client, context, org, users):
    agent = Actor.of(users("agent")[0])
    repeat, kept = filed(client), filed(client)
    flows.merge(context, number=repeat, data=MergeIn(into=kept), actor=agent)
    item = one(client, repeat)
    assert item["status"] == "closed" and kept in item["status_notes"] and "并入" in item["status_notes"]
    assert one(client, kept)["status"] == "open"


def _backdate(context, number: str, days: int) -> None:
    with context.sessions() as s:
        s.execute(update(Ticket).where(Ticket.number == number)
                  .values(created_at=utcnow() - timedelta(days=days)))
        s.commit()


def ids(client, **params) -> list[str]:
    response = client.get(f"{V2}/requests.json", params=params)
    assert response.status_code == 200, response.text
    return [i["service_request_id"] for i in response.json()]


def test_list_filters_by_status_service_and_dates(client, context, org, users):
    agent = Actor.of(users("agent")[0])
    a = filed(client, service_code="roads")
    b = filed(client, **{"attribute[ticket_type]": "consult"})
    flows.answer(context, number=b, reply="路灯报修请拨打城管热线。", actor=agent)
    c, d = filed(client, service_code="noise"), filed(client, service_code="noise")
    _backdate(context, c, 10)
    _backdate(context, d, 100)
    now = utcnow()

    assert ids(client) == [b, a, c]  # most recent first; by default the last 90 days
    assert ids(client, status="closed") == [b]
    assert ids(client, status="open") == [a, c]
    assert ids(client, status="open,closed") == [b, a, c]
    assert ids(client, service_code="roads") == [a]
    assert ids(client, service_code="roads,noise") == [a, c]
    assert ids(client, start_date=(now - timedelta(days=5)).isoformat()) == [b, a]
    assert ids(client, start_date=(now - timedelta(days=30)).isoformat(),
               end_date=(now - timedelta(days=5)).isoformat()) == [c]
    assert ids(client, start_date=(now - timedelta(days=120)).isoformat(),
               end_date=(now - timedelta(days=95)).isoformat()) == [d]
    assert ids(client, service_request_id=f"{d},{a}", status="closed") == [a, d]  # other filters ignored
    assert ids(client, limit=1) == [b]
    assert ids(client, limit=1, page=2) == [a]
    assert one(client, b)["status_notes"] == "路灯报修请拨打城管热线。"

    bad = [({"status": "pending"}, "status"), ({"service_code": "nope"}, "nope"),
           ({"start_date": "yesterday"}, "start_date"), ({"limit": 1001}, "limit"), ({"limit": 0}, "limit"),
           ({"start_date": (now - timedelta(days=200)).isoformat(), "end_date": now.isoformat()}, "90 days")]
    for params, words in bad:
        assert_open311_error(client.get(f"{V2}/requests.json", params=params), 400, words)


def test_redact_blanks_numbers_and_names_but_not_case_numbers():
    text = "王五（+86 138 1234 5678，固话 0755-1234567）咨询工单 2026112400001，另见 13912345678号。"
    assert redact(text, phones={"13912345678"}, names={"王五", "王"}) == (
        f"**（{HIDDEN_PHONE}，固话 {HIDDEN_PHONE}）咨询工单 2026112400001，另见 {HIDDEN_PHONE}号。")
    assert redact(None, phones=set(), names=set()) is None


def test_report_cases_are_never_listed_publicly(client, users, context):
    """举报 cases protect whistleblowers: Open311 GET neither lists nor shows them (open311_hidden_types)."""
    from ticketing import flows
    from ticketing.org.auth import Actor
    from ticketing.schemas import TicketCreate

    visible = flows.create_ticket(context, actor=Actor.system("test"),
                                  data=TicketCreate(channel="web", ticket_type="complaint", content="路面坑洼"))
    hidden = flows.create_ticket(context, actor=Actor.system("test"),
                                 data=TicketCreate(channel="web", ticket_type="report", content="某餐馆使用地沟油"))
    listed = client.get("/open311/v2/requests.json").json()
    assert [r["service_request_id"] for r in listed] == [visible]
    assert client.get(f"/open311/v2/requests/{hidden}.json").status_code == 404
    assert client.get(f"/open311/v2/requests.json?service_request_id={hidden}").json() == []


def test_a_request_that_tells_of_danger_is_registered_urgent(client, org, agent):
    """Issue 11: the triage suggestion applies to every registration path, Open311 included."""
    number = filed(client, description="路边电线断了掉在地上，还在冒火花，有小孩在旁边玩")
    ticket = client.get(f"/api/v1/tickets/{number}", headers=agent[1]).json()
    assert ticket["urgency"] == "urgent"
    calm = client.get(f"/api/v1/tickets/{filed(client)}", headers=agent[1]).json()
    assert calm["urgency"] == "normal"
