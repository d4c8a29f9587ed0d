"""我的消息: each person sees what others did that concerns them — the unit's dispatched and supervised cases,
the agent's own registered cases, the supervisors' pending requests — and nothing of other units."""

from __future__ import annotations

from tests import test_console_agent as agent_tests
from tests.test_console_agent import as_, make
from ticketing import flows
from ticketing.schemas import DispatchIn, ReturnIn, TriageIn

org, people = agent_tests.org, agent_tests.people  # the agent console tests' fixtures


def test_messages_per_role(client, context, people, org):
    agent, sup, housing = people["agent"], people["supervisor"], people["housing"]
    mine = make(context, agent.actor, title="本单位路灯")
    theirs = make(context, agent.actor, title="别的单位")
    for number, lead in ((mine, org.housing), (theirs, org.other)):
        flows.triage(context, number=number, data=TriageIn(), actor=sup.actor)
        flows.dispatch(context, number=number, data=DispatchIn(lead_department_id=lead), actor=sup.actor)
    flows.supervise(context, number=mine, note="请尽快处理", actor=sup.actor)
    flows.request_return(context, number=theirs, data=ReturnIn(reason="不属于本单位职责"),
                         actor=people["transport"].actor)

    unit = as_(client, housing).get("/console/messages").text
    assert f'href="/console/workbench/{mine}"' in unit and theirs not in unit
    assert "督办" in unit and "请尽快处理" in unit and "派单" in unit
    own = as_(client, agent).get("/console/messages").text
    assert mine in own and theirs in own and "退单" in own  # cases the agent registered
    desk = as_(client, sup).get("/console/messages").text
    assert theirs in desk and "不属于本单位职责" in desk and "请尽快处理" not in desk  # its own 督办 is not news
