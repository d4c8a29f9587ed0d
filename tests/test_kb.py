"""Knowledge base (知识库): Chinese search, validity, re-indexing, soft delete, permissions, suggestions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.errors import NotFound, PermissionDenied, ValidationFailed
from ticketing.enums import Role
from ticketing.kb import flows, service
from ticketing.kb.models import KnowledgeArticle
from ticketing.kb.schemas import ArticleIn
from ticketing.kb.search import highlight
from ticketing.org.auth import Actor
from ticketing.org.models import Category

NASTY_QUERIES = ['"', '""', '*', '社保*', 'NEAR(社保 补办)', '-', '-社保', '(', ')', '(社保', "'", 'a" OR "b',
                 'AND OR NOT', '^', 'search_tokens:社保', '', '   ', '，。！？', '😀', "'; DROP TABLE kb_articles; --"]
SOCIAL_CARD = {"question": "社保卡丢失了如何补办？", "tags": ["社保"],
               "answer": "社保卡丢失后请先拨打12345或到银行网点挂失，再携带身份证原件到社保服务中心补办，"
                         "一般7个工作日内可领取新卡。"}
STREET_LIGHT = {"question": "小区路灯坏了找谁修？", "tags": ["市政"],
                "answer": "市政道路的路灯由城管局路灯所负责维修，小区内路灯由物业公司负责。"}
PROPERTY_FEE = {"question": "物业费收费标准在哪里查询？", "tags": ["物业", "住房"],
                "answer": "住宅物业费实行政府指导价，可在住建局网站查询本区收费标准。"}
RESIDENCE = {"question": "居住证办理需要什么材料？", "tags": ["户籍"],
             "answer": "办理居住证需要身份证、租房合同或房产证明，到社区警务室申请。"}

SUPERVISOR = Actor(id=None, role=Role.SUPERVISOR, name="班长")


@pytest.fixture
def api(client):
    """The whole application (wiring.app.create_app) on the test database."""
    return client


@pytest.fixture
def writer(users):
    return users("supervisor")[1]


@pytest.fixture
def reader(users):
    return users("agent")[1]


@pytest.fixture
def articles(api, writer):
    made = {}
    for key, body in (("card", SOCIAL_CARD), ("light", STREET_LIGHT), ("fee", PROPERTY_FEE),
                      ("residence", RESIDENCE)):
        response = api.post("/api/v1/kb/articles", json=body, headers=writer)
        assert response.status_code == 201, response.text
        made[key] = response.json()["id"]
    return made


def _search(api, headers, **params):
    response = api.get("/api/v1/kb/articles", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _ids(page):
    return [item["id"] for item in page["items"]]


def test_chinese_query_finds_the_right_article(api, reader, articles):
    page = _search(api, reader, q="社保卡丢了怎么补办")
    assert _ids(page) == [articles["card"]]
    assert page["match"] == "all" and page["total"] == 1
    assert "<mark>" in page["items"][0]["snippet"] and page["items"][0]["score"] > 0
    assert _ids(_search(api, reader, q="路灯不亮了")) == [articles["light"]]
    assert _ids(_search(api, reader, q="办理居住证要带哪些材料")) == [articles["residence"]]


def test_unrelated_query_finds_nothing(api, reader, articles):
    for q in ("拖欠工资", "噪音扰民怎么投诉", "公积金提取"):
        page = _search(api, reader, q=q)
        assert page["items"] == [] and page["total"] == 0, q
    page = _search(api, reader, q="，。！")
    assert page["items"] == [] and page["match"] == "none"


def test_falls_back_to_any_word_and_ranks_best_first(api, reader, articles):
    page = _search(api, reader, q="物业 路灯 维修 噪音")
    assert page["match"] == "any" and page["terms"] == ["物业", "路灯", "维修", "噪音"]
    assert _ids(page)[0] == articles["light"]  # has all three words
    assert set(_ids(page)) == {articles["light"], articles["fee"]}


def test_list_without_query_tag_filter_and_paging(api, reader, articles):
    page = _search(api, reader, limit=2)
    assert page["total"] == 4 and len(page["items"]) == 2 and page["match"] is None
    rest = _search(api, reader, limit=2, offset=2)
    assert set(_ids(page)) | set(_ids(rest)) == set(articles.values())
    assert _ids(_search(api, reader, tag="物业")) == [articles["fee"]]
    assert _ids(_search(api, reader, tag="住房", q="物业费")) == [articles["fee"]]
    assert _search(api, reader, tag="物")["items"] == []
    assert _search(api, reader, tag="%")["items"] == []


def test_query_syntax_in_input_is_harmless(api, reader, articles):
    for q in NASTY_QUERIES:
        page = _search(api, reader, q=q)
        assert set(_ids(page)) <= set(articles.values()), q
    assert _search(api, reader)["total"] == len(articles)


def test_validity_window(api, reader, writer, context, articles):
    today = service.local_today(context.settings.tz)
    body = dict(SOCIAL_CARD, question="2020年社保卡补办临时政策", valid_from=str(today - timedelta(days=30)),
                valid_until=str(today - timedelta(days=1)))
    old = api.post("/api/v1/kb/articles", json=body, headers=writer).json()["id"]
    future = api.post("/api/v1/kb/articles", headers=writer, json=dict(
        SOCIAL_CARD, question="明年社保卡补办新规", valid_from=str(today + timedelta(days=5)))).json()["id"]
    assert _ids(_search(api, reader, q="社保卡补办")) == [articles["card"]]
    assert set(_ids(_search(api, reader, q="社保卡补办", valid_on=str(today - timedelta(days=2))))) == {
        articles["card"], old}
    assert set(_ids(_search(api, reader, q="社保卡补办", valid_on=str(today + timedelta(days=5))))) == {
        articles["card"], future}
    assert set(_ids(_search(api, reader, q="社保卡补办", any_date=True))) == {articles["card"], old, future}
    last_day = api.get(f"/api/v1/kb/articles/{old}", headers=reader).json()["valid_until"]
    assert old in _ids(_search(api, reader, q="社保卡补办", valid_on=last_day))  # inclusive


def test_update_reindexes(api, reader, writer, articles):
    body = dict(STREET_LIGHT, question="井盖缺失找谁处理？", answer="道路井盖由市政养护部门负责，请拨打12345。")
    response = api.put(f"/api/v1/kb/articles/{articles['light']}", json=body, headers=writer)
    assert response.status_code == 200 and response.json()["question"] == "井盖缺失找谁处理？"
    assert _ids(_search(api, reader, q="井盖缺失")) == [articles["light"]]
    assert _search(api, reader, q="路灯")["items"] == []


def test_delete_is_soft_and_removes_from_results(api, reader, writer, articles):
    response = api.delete(f"/api/v1/kb/articles/{articles['card']}", headers=writer)
    assert response.status_code == 200 and response.json()["active"] is False
    assert _search(api, reader, q="社保卡补办")["items"] == []
    assert api.get(f"/api/v1/kb/articles/{articles['card']}", headers=reader).json()["active"] is False
    assert _ids(_search(api, reader, q="社保卡补办", active=False)) == [articles["card"]]


def test_permissions(api, users, reader, articles):
    url = f"/api/v1/kb/articles/{articles['card']}"
    assert api.get(url).status_code == 401
    assert api.get(url, headers=reader).status_code == 200
    for role in ("agent", "department"):
        headers = users(role)[1]
        assert api.post("/api/v1/kb/articles", json=RESIDENCE, headers=headers).status_code == 403
        assert api.put(url, json=RESIDENCE, headers=headers).status_code == 403
        assert api.delete(url, headers=headers).status_code == 403
    admin = users("admin")[1]
    assert api.put(url, json=SOCIAL_CARD, headers=admin).status_code == 200
    assert api.get(url, headers=reader).json()["active"] is True


def test_validation(api, writer, context, articles):
    url = "/api/v1/kb/articles"
    too_long = "长" * (context.settings.max_content_chars + 1)
    bad = [
        dict(SOCIAL_CARD, question=""),
        dict(SOCIAL_CARD, answer="   "),
        dict(SOCIAL_CARD, answer=too_long),
        dict(SOCIAL_CARD, question=too_long),
        dict(SOCIAL_CARD, valid_from="2026-05-01", valid_until="2026-04-30"),
        dict(SOCIAL_CARD, tags=["标签" * 300]),
        dict(SOCIAL_CARD, category_id=999_999),
        dict(SOCIAL_CARD, unknown_field=1),
    ]
    for body in bad:
        assert api.post(url, json=body, headers=writer).status_code == 422, body
        assert api.put(f"{url}/{articles['card']}", json=body, headers=writer).status_code == 422, body
    assert api.get(f"{url}/{articles['card']}", headers=writer).json()["answer"] == SOCIAL_CARD["answer"]
    assert api.put(f"{url}/999999", json=SOCIAL_CARD, headers=writer).status_code == 404
    assert api.get(f"{url}/999999", headers=writer).status_code == 404
    assert api.get(url, params={"limit": 0}, headers=writer).status_code == 422
    long_query = "社保" * context.settings.search_max_query_chars
    assert api.get(url, params={"q": long_query}, headers=writer).status_code == 422
    context.settings.page_size_max = 2
    capped = api.get(url, params={"limit": 10_000}, headers=writer).json()
    assert capped["limit"] == 2 and len(capped["items"]) == 2 and capped["total"] > 2
    same_day = dict(SOCIAL_CARD, valid_from="2026-05-01", valid_until="2026-05-01", tags=["社保，医保", "社保"])
    created = api.post(url, json=same_day, headers=writer).json()
    assert created["tags"] == ["社保", "医保"]


def test_flows_directly(session, context):
    category = Category(code="social", name="社会保障")
    session.add(category)
    session.commit()
    data = ArticleIn(category_id=category.id, **SOCIAL_CARD)
    article = flows.create_article(session, actor=SUPERVISOR, data=data, settings=context.settings)
    assert article.category_id == category.id and "社保卡" in article.search_tokens.split()
    with pytest.raises(PermissionDenied):
        flows.create_article(session, actor=Actor(id=None, role=Role.AGENT, name="话务员"), data=data,
                             settings=context.settings)
    with pytest.raises(ValidationFailed):
        flows.replace_article(session, actor=SUPERVISOR, article_id=article.id,
                              data=ArticleIn(**dict(SOCIAL_CARD, question=" ")), settings=context.settings)
    with pytest.raises(NotFound):
        flows.deactivate_article(session, actor=SUPERVISOR, article_id=article.id + 1)


def _add(session, body, **extra):
    article = service.add_article(session, question=body["question"], answer=body["answer"],
                                  tags=",".join(body["tags"]), **extra)
    session.commit()
    return article


def test_suggest_articles_for_a_transcript(session, context):
    card = _add(session, SOCIAL_CARD)
    light = _add(session, STREET_LIGHT)
    _add(session, PROPERTY_FEE)
    _add(session, RESIDENCE, active=False)
    today = service.local_today(context.settings.tz)
    _add(session, dict(SOCIAL_CARD, question="旧版社保卡补办流程"), valid_until=today - timedelta(days=1))
    transcript = "喂，您好，我的社保卡昨天在公交车上丢了，想问一下去哪里补办，需要带什么材料？"
    suggested = service.suggest_articles(session, text=transcript)
    assert suggested[0].id == card.id and len(suggested) <= 5
    assert all(a.active and a.question != "旧版社保卡补办流程" for a in suggested)
    assert service.suggest_articles(session, text="我家门口的路灯坏了好几天", limit=1) == [light]
    assert service.suggest_articles(session, text="居住证办理需要什么材料") == []  # inactive article
    assert service.suggest_articles(session, text="，。？") == []
    assert service.suggest_articles(session, text="拖欠工资") == []


def test_reindex_articles(session):
    article = _add(session, STREET_LIGHT)
    session.query(KnowledgeArticle).update({KnowledgeArticle.search_tokens: "过时 词语"})
    session.commit()
    assert service.search_articles(session, q="路灯").total == 0
    assert service.reindex_articles(session, batch_size=1) == 1
    session.commit()
    assert [a.id for a, _ in service.search_articles(session, q="路灯").rows] == [article.id]
    assert service.reindex_articles(session) == 0


def test_highlight():
    text = "前言" * 50 + "补办社保卡需携带身份证<原件>" + "结尾" * 50
    snippet = highlight(text, ["社保卡", "补办", "原件"], width=40)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>社保卡</mark>" in snippet and "<mark>补办</mark>" in snippet
    assert "&lt;<mark>原件</mark>&gt;" in snippet
    assert highlight("short <b>", [], width=40) == "short &lt;b&gt;"
    assert highlight("ABC abc", ["abc"], width=40) == "<mark>ABC</mark> <mark>abc</mark>"
