"""The department workbench's live channel: a case dispatched to the unit is announced on its stream, cases
of other units are not, and other roles cannot open it."""

from __future__ import annotations

import time

from tests import test_console_agent as agent_tests
from tests.test_console_agent import as_, make
from ticketing import flows
from ticketing.schemas import DispatchIn, TriageIn

org, people = agent_tests.org, agent_tests.people  # the agent console tests' fixtures


def dispatch(context, actor, lead, **kw) -> str:
    number = make(context, actor, **kw)
    flows.triage(context, number=number, data=TriageIn(), actor=actor)
    flows.dispatch(context, number=number, data=DispatchIn(lead_department_id=lead), actor=actor)
    return number


def test_workbench_stream_announces_the_units_new_cases_only(client, context, people, org):
    context.settings.console_poll_seconds = 0.05
    context.settings.console_stream_max_seconds = 2  # the stream ends by itself: the read cannot hang
    agent, housing = people["agent"], people["housing"]
    old = dispatch(context, agent.actor, org.housing, title="旧工单")
    after = int(as_(client, housing).get("/console/workbench").text
                .split('data-stream="/console/workbench/stream?after=')[1].split('"')[0])
    theirs = dispatch(context, agent.actor, org.other, title="别的单位的工单")
    mine = dispatch(context, agent.actor, org.housing, title="燃气泄漏", urgency="urgent")
    lines: list[str] = []
    started = time.monotonic()
    with as_(client, housing).stream("GET", f"/console/workbench/stream?after={after}") as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            lines.append(line)
            if line.startswith("data:"):
                break
    assert time.monotonic() - started < 2
    data = next(line for line in lines if line.startswith("data:"))
    assert f'"number": "{mine}"' in data and '"urgency": "urgent"' in data and '"role_zh": "主办"' in data
    assert old not in "".join(lines) and theirs not in "".join(lines) and "event: assigned" in lines
    assert as_(client, agent).get("/console/workbench/stream").status_code == 403


def test_changes_stream_scopes_departments_to_their_cases(client, context, people, org):
    context.settings.console_poll_seconds = 0.05
    context.settings.console_stream_max_seconds = 2
    agent, housing = people["agent"], people["housing"]
    after = int(as_(client, agent).get("/console/queue").text
                .split('data-changes="/console/changes/stream?after=')[1].split('"')[0])
    theirs = dispatch(context, agent.actor, org.other, title="别的单位")
    mine = dispatch(context, agent.actor, org.housing, title="本单位")

    def read(person) -> str:
        lines = []
        with as_(client, person).stream("GET", f"/console/changes/stream?after={after}") as response:
            for line in response.iter_lines():
                lines.append(line)
                if sum(line.startswith("data:") for line in lines) >= 3:
                    break
        return "\n".join(lines)

    everything = read(agent)
    assert theirs in everything and '"action_zh": "登记"' in everything and "event: change" in everything
    unit = read(housing)
    assert mine in unit and theirs not in unit and '"seq":' in unit
