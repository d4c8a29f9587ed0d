"""Finding cases from the search box: case number, the caller's full number or last four digits (only for
roles that may see numbers), the caller's name, address words — in the agent queue and the department
workbench, across every status; sortable list tables."""

from __future__ import annotations

import pytest

from tests import test_console_agent as agent_tests
from tests.test_console_agent import as_, make
from ticketing import flows
from ticketing.flows import find
from ticketing.schemas import DispatchIn, TriageIn

org, people = agent_tests.org, agent_tests.people  # the agent console tests' fixtures


@pytest.fixture
def cases(context, people, org):
    agent = people["agent"].actor
    mine = make(context, agent, caller_phone="13912345678", caller_name="张先生", address="望京西路8号",
                title="路灯不亮")
    sent = make(context, agent, caller_phone="13912345678", caller_name="张先生", title="又是路灯",
                category_id=org.cat_roads)
    flows.triage(context, number=sent, data=TriageIn(), actor=agent)
    flows.dispatch(context, number=sent, data=DispatchIn(), actor=agent)  # catalogue → 市住建局 (housing)
    other = make(context, agent, caller_phone="13800005678", caller_name="李女士", address="朝阳路1号",
                 title="噪音扰民")
    return {"mine": mine, "sent": sent, "other": other}


def queue(client, person, q, **params):
    response = as_(client, person).get("/console/queue", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.text


@pytest.mark.parametrize("q,kind", [("2026120500001", "number"), ("+86 139 1234 5678", "phone"),
                                    ("5678", "caller_tail"), ("张先生", "caller_name"), ("望京西路", "text"),
                                    ("王先生", "text"), ("12345", "text")])
def test_search_words_are_read_as_what_they_look_like(context, people, cases, q, kind):
    assert find.interpret(context, q=q, actor=people["agent"].actor).kind == kind


def test_department_staff_cannot_search_by_number(context, people, cases):
    housing = people["housing"].actor
    assert find.interpret(context, q="13912345678", actor=housing).kind == "text"
    assert find.interpret(context, q="5678", actor=housing).kind == "text"


def test_agent_finds_a_callers_cases_across_statuses(client, people, cases):
    agent = people["agent"]
    for q in ("13912345678", "+86 139-1234-5678", "张先生"):
        html = queue(client, agent, q)
        assert cases["mine"] in html and cases["sent"] in html and cases["other"] not in html, q
    tail = queue(client, agent, "5678")  # both callers end in 5678
    assert all(n in tail for n in cases.values()) and "按号码后四位查找" in tail
    assert cases["other"] not in queue(client, agent, "1234")
    one = queue(client, agent, cases["sent"])
    assert f'data-number="{cases["sent"]}"' in one and cases["mine"] not in one
    street = queue(client, agent, "望京西路")
    assert cases["mine"] in street and cases["other"] not in street
    only_new = queue(client, agent, "张先生", status="dispatched")
    assert cases["sent"] in only_new and cases["mine"] not in only_new


def test_department_search_stays_within_its_cases(client, people, cases):
    housing, transport = people["housing"], people["transport"]
    page = as_(client, housing).get("/console/workbench", params={"q": "张先生"}).text
    assert cases["sent"] in page and cases["mine"] not in page and "按来电人查找" in page
    by_number = as_(client, housing).get("/console/workbench", params={"q": cases["sent"]}).text
    assert cases["sent"] in by_number
    link = f'href="/console/workbench/{cases["sent"]}"'
    assert link not in as_(client, transport).get("/console/workbench", params={"q": cases["sent"]}).text
    masked = as_(client, housing).get("/console/workbench", params={"q": "13912345678"}).text
    assert link not in masked


def test_lists_are_sortable(client, people, cases):
    html = queue(client, people["agent"], "")
    assert "data-sortable" in html and "/static/sortable.js" in html
    assert "data-sortable" in as_(client, people["housing"]).get("/console/workbench").text
