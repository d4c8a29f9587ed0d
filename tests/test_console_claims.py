"""认领: an agent claims a case; others see who holds it in the queue and on the case page and cannot take it
over until it lapses; the holder renews or releases it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import update

from hotline.database import utcnow
from hotline.errors import Conflict, PermissionDenied
from tests import test_console_agent as agent_tests
from tests.test_console_agent import as_, make
from ticketing import claims
from ticketing.models import TicketClaim

org, people = agent_tests.org, agent_tests.people  # the agent console tests' fixtures


def test_claims_are_shown_refused_to_others_and_expire(client, context, people, users):
    agent, sup = people["agent"], people["supervisor"]
    other = agent_tests.Person(*users("agent"))
    number = make(context, agent.actor, title="路灯不亮")
    done = as_(client, agent).post(f"/console/tickets/{number}/claim",
                                   headers={"HX-Request": "true", "X-CSRF-Token": agent.csrf})
    assert done.status_code == 200 and "我已认领" in done.text and \
        json.loads(done.headers["HX-Trigger"])["hotline-notice"].startswith("已认领，至 ")
    queue = as_(client, other).get("/console/queue").text
    assert f"{agent.actor.name} 处理中" in queue
    refused = client.post(f"/console/tickets/{number}/claim", headers={"HX-Request": "true",
                                                                      "X-CSRF-Token": other.csrf})
    assert refused.status_code == 409 and f"{agent.actor.name} 正在处理此工单" in refused.text
    assert f"{agent.actor.name} 正在处理此工单" in client.get(f"/console/tickets/{number}").text
    with pytest.raises(Conflict):
        claims.release(context, number=number, actor=other.actor)
    with pytest.raises(PermissionDenied):
        claims.claim(context, number=number, actor=people["housing"].actor)
    with context.sessions() as s:  # the claim lapses
        s.execute(update(TicketClaim).values(expires_at=utcnow() - timedelta(seconds=1)))
        s.commit()
    assert claims.holders(context, numbers=[number]) == {}
    claims.claim(context, number=number, actor=other.actor)
    assert claims.holders(context, numbers=[number])[number]["user_id"] == other.actor.id
    claims.release(context, number=number, actor=sup.actor)  # a supervisor may free it
    assert claims.holders(context, numbers=[number]) == {}

