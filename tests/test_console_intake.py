"""受理 form (/console/tickets/new): who may use it, live hints (triage, hand-off, repeats, KB answers with a
relevance threshold), and saving through the intake flows: register, dispatch, 并单, 一次办结, 一次告知 —
with bad input returning the form with everything typed and nothing registered."""

from __future__ import annotations

import re

import pytest

from agent_console.places import place_options
from agent_console.suggest import suggest_for_form
from tests import test_console_agent as agent_tests
from tests.test_console_agent import as_, make
from ticketing.flows import queries
from ticketing.models import Ticket

org, people = agent_tests.org, agent_tests.people  # the agent console tests' fixtures


def post(client, person, url, data):
    as_(client, person)
    return client.post(url, data={"csrf_token": person.csrf, **data}, follow_redirects=False)


def hints(client, person, **data):
    as_(client, person)
    response = client.post("/console/tickets/new/suggest", data=data,
                           headers={"HX-Request": "true", "X-CSRF-Token": person.csrf})
    assert response.status_code == 200, response.text
    return response.text


def count(context) -> int:
    with context.sessions() as s:
        return s.query(Ticket).count()


BASE = {"caller_phone": "+86 139 0000 2222", "caller_name": "张先生", "channel": "letter", "district": "chaoyang",
        "street": "望京街道", "address": "望京西路8号", "content": "楼下广场舞噪音太大，晚上十点还不停", "ticket_type": "complaint",
        "urgency": "normal", "category_id": "", "lead_department_id": "", "informed_once": ""}


def test_form_for_hotline_staff_only_with_places_and_channels(client, people):
    page = as_(client, people["agent"]).get("/console/tickets/new")
    assert page.status_code == 200
    html = page.text
    assert 'action="/console/tickets/new"' in html and 'name="csrf_token"' in html
    assert '<option value="chaoyang"' in html and "朝阳区" in html and 'data-district="chaoyang"' in html
    for label in ("电话", "大厅窗口", "短信", "网站", "信件", "好差评"):
        assert f">{label}</option>" in html
    assert "Ctrl</kbd>+<kbd>Enter" in html and "<script>" not in html and "onclick" not in html
    assert as_(client, people["housing"]).get("/console/tickets/new").status_code == 403


def test_places_come_from_district_departments(context, org):
    with context.reader() as s:
        places = place_options(s)
    assert [(p.code, p.name, p.streets) for p in places] == [("chaoyang", "朝阳区", ["望京街道"])]


def test_suggestions_follow_the_text(context, org):
    with context.reader() as s:
        quiet = suggest_for_form(context, s, "楼下广场舞天天晚上放到十一点，噪音扰民，我要投诉")
        fire = suggest_for_form(context, s, "厨房着火了，有人被困在里面")
        short = suggest_for_form(context, s, "你好")
    assert set(quiet) >= {"type", "urgency", "handoff", "matter", "department", "confidence", "reasons"}
    assert quiet["type"]["value"] == "complaint" and quiet["matter"] is not None
    assert quiet["urgency"]["value"] == "normal" and quiet["handoff"] is None
    assert 0.0 <= quiet["confidence"] <= 1.0 and "置信度" in quiet["type"]["reason"]
    assert fire["urgency"]["value"] == "urgent" and fire["handoff"]["value"] == "119" and fire["reasons"]
    assert short["type"] is None and short["confidence"] == 0.0


def test_hints_panel_shows_suggestions_phone_and_repeats(client, context, people, org):
    agent = people["agent"]
    earlier = make(context, agent.actor, caller_phone="13900002222", title="广场舞噪音")
    html = hints(client, agent, content="楼下广场舞天天晚上放到十一点，噪音扰民，我要投诉", caller_phone="+86 139 0000 2222",
                 district="chaoyang")
    assert 'data-suggest-type="complaint"' in html and 'data-suggest-department=' in html
    assert "来电号码：13900002222" in html
    assert earlier in html and f'value="merge:{earlier}"' in html and "同一来电人" in html
    bad = hints(client, agent, content="噪音", caller_phone="abc")
    assert "号码格式有误" in bad
    urgent = hints(client, agent, content="家里煤气泄漏了，味道很大")
    assert 'data-suggest-urgency="urgent"' in urgent and "119" in urgent


def test_hints_mask_the_number_for_roles_that_may_not_see_it(client, context, people):
    context.settings.roles_seeing_caller = ["supervisor", "admin"]
    html = hints(client, people["agent"], content="路灯不亮", caller_phone="13900002222")
    assert "139****2222" in html and "13900002222" not in html
    page = client.get("/console/tickets/new?caller=13900002222").text
    assert 'class=masked' in page


def test_kb_answers_only_when_relevant(client, context, people):
    from ticketing.kb import service as kb

    with context.sessions() as s:
        good = kb.add_article(s, question="社保卡丢了怎么补办？", answer="携带身份证到社保服务大厅补办，当场领取。", tags="社保")
        kb.add_article(s, question="公交卡怎么充值？", answer="在地铁站或公交充值点充值。", tags="公交")
        s.commit()
        good_id = good.id
    agent = people["agent"]
    as_(client, agent)
    html = hints(client, agent, content="请问社保卡丢了，怎么补办社保卡？", ticket_type="consult")
    assert f'value="answer:{good_id}"' in html and "公交卡怎么充值" not in html
    unrelated = hints(client, agent, content="请问怎么办理居住证，需要哪些材料？", ticket_type="consult")
    assert "answer:" not in unrelated and "没有足够匹配的知识库答案" in unrelated
    not_consult = hints(client, agent, content="投诉社保卡补办太慢", ticket_type="complaint")
    assert "知识库答案" not in not_consult


def test_save_registers_through_the_intake_flow(client, context, people):
    agent = people["agent"]
    as_(client, agent)
    response = post(client, agent, "/console/tickets/new", BASE | {"informed_once": "身份证原件、房产证复印件"})
    assert response.status_code == 303
    number = re.search(r"saved=(\d+)", response.headers["location"])[1]
    t = queries.ticket_view(context, number=number, actor=agent.actor)
    assert t.status == "registered" and t.caller_phone == "13900002222" and t.caller_name == "张先生"
    assert t.channel == "letter" and t.address == "望京街道望京西路8号" and t.district == "chaoyang"
    assert t.due_at > t.accepted_at
    created = queries.history(context, number=number, actor=agent.actor)[0]
    assert created.action == "create" and created.changes["informed_once"] == [None, "身份证原件、房产证复印件"]
    page = client.get(response.headers["location"]).text
    assert f'href="/console/tickets/{number}"' in page and "已登记" in page
    assert "一次告知（所需材料）" in client.get(f"/console/tickets/{number}").text


def test_save_and_dispatch(client, context, people, org):
    agent = people["agent"]
    as_(client, agent)
    response = post(client, agent, "/console/tickets/new", BASE | {"category_id": str(org.cat_noise),
                                                                    "action": "dispatch"})
    number = re.search(r"saved=(\d+)", response.headers["location"])[1]
    t = queries.ticket_view(context, number=number, actor=agent.actor)
    assert t.status == "dispatched" and t.department_id == org.street


def test_dispatch_without_department_keeps_the_form_and_registers_nothing(client, context, people):
    agent = people["agent"]
    as_(client, agent)
    before = count(context)
    response = post(client, agent, "/console/tickets/new", BASE | {"action": "dispatch"})
    assert response.status_code == 422
    assert "请选择主办单位" in response.text and "楼下广场舞噪音太大" in response.text and "张先生" in response.text
    assert count(context) == before


@pytest.mark.parametrize("field,value", [("caller_phone", "call me"), ("content", " "), ("ticket_type", ""),
                                         ("channel", "carrier-pigeon")])
def test_bad_input_returns_the_form(client, context, people, field, value):
    agent = people["agent"]
    as_(client, agent)
    before = count(context)
    response = post(client, agent, "/console/tickets/new", BASE | {field: value})
    assert response.status_code == 422 and "未保存" in response.text and "望京西路8号" in response.text
    assert count(context) == before


def test_save_needs_the_csrf_token(client, context, people):
    as_(client, people["agent"])
    response = client.post("/console/tickets/new", data=BASE, follow_redirects=False)
    assert response.status_code == 403 and count(context) == 0


def test_one_click_merge_into_a_repeat(client, context, people):
    agent = people["agent"]
    as_(client, agent)
    earlier = make(context, agent.actor, caller_phone="13900002222")
    response = post(client, agent, "/console/tickets/new", BASE | {"action": f"merge:{earlier}"})
    number = re.search(r"saved=(\d+)", response.headers["location"])[1]
    assert queries.ticket_view(context, number=number, actor=agent.actor).merged_into == earlier
    target = queries.ticket_view(context, number=earlier, actor=agent.actor)
    assert target.callers_count == 2
    missing = post(client, agent, "/console/tickets/new", BASE | {"action": "merge:209901010001"})
    assert missing.status_code == 404 and "望京西路8号" in missing.text


def test_answered_on_first_contact_closes_the_case(client, context, people):
    from ticketing.kb import service as kb

    with context.sessions() as s:
        article = kb.add_article(s, question="社保卡丢了怎么补办？", answer="携带身份证到社保服务大厅补办。", tags="社保")
        s.commit()
        article_id = article.id
    agent = people["agent"]
    as_(client, agent)
    data = BASE | {"content": "社保卡丢了怎么补办", "ticket_type": "consult", "action": f"answer:{article_id}"}
    response = post(client, agent, "/console/tickets/new", data)
    number = re.search(r"saved=(\d+)", response.headers["location"])[1]
    t = queries.ticket_view(context, number=number, actor=agent.actor)
    assert t.status == "closed" and t.reply == "携带身份证到社保服务大厅补办。"
    history = queries.history(context, number=number, actor=agent.actor)
    assert history[-1].action == "answer" and history[-1].changes["kb_article"] == [None, article_id]
    complaint = post(client, agent, "/console/tickets/new", data | {"ticket_type": "complaint"})
    assert complaint.status_code == 422 and "只有咨询类可一次办结" in complaint.text


def test_ticket_page_offers_no_unrelated_kb_answer(client, context, people):
    from ticketing.kb import service as kb

    with context.sessions() as s:
        kb.add_article(s, question="公交卡怎么充值？", answer="在地铁站或公交充值点充值。", tags="公交")
        good = kb.add_article(s, question="社保卡丢了怎么补办？", answer="携带身份证到社保服务大厅补办。", tags="社保")
        s.commit()
        good_id = good.id
    agent = people["agent"]
    about = make(context, agent.actor, ticket_type="consult", content="请问社保卡丢了怎么补办")
    other = make(context, agent.actor, ticket_type="consult", content="请问怎么办理居住证，需要哪些材料")
    page = as_(client, agent).get(f"/console/tickets/{about}").text
    assert f'data-article="{good_id}"' in page and "公交卡怎么充值" not in page
    unrelated = client.get(f"/console/tickets/{other}").text
    assert "data-article=" not in unrelated
    loose = make(context, agent.actor, ticket_type="consult", content="公交车上捡到一张社保卡，交给谁？司机说不管")
    shown = client.get(f"/console/tickets/{loose}").text.split('id="kb"')[1].split("</section>")[0]
    assert "社保卡丢了怎么补办" in shown and "data-article=" not in shown  # reference only: no one-click reply
