"""Actions are offered, and accepted, only in the states that allow them: a department records first contact
(首次联系) and asks for more time (延期) only after it has signed for the case (签收)."""

from __future__ import annotations

import pytest

from hotline.errors import InvalidTransition
from tests.test_console_workbench import console_login, dispatched, org  # noqa: F401  (org: fixture)
from ticketing import flows
from ticketing.org.auth import Actor
from ticketing.schemas import ExtensionIn


def test_contact_and_extension_only_after_accepting(client, context, org, users):  # noqa: F811
    number = dispatched(context, org.housing)
    user, _ = users("department", org.housing)
    staff = Actor.of(user)
    headers = console_login(client, user)
    before = client.get(f"/console/workbench/{number}").text
    assert 'data-action="accept"' in before
    assert 'data-action="contact"' not in before and 'data-action="extension"' not in before
    with pytest.raises(InvalidTransition):
        flows.contact(context, number=number, actor=staff, note=None)
    with pytest.raises(InvalidTransition):
        flows.request_extension(context, number=number, data=ExtensionIn(working_days=2, reason="需要协调"),
                                actor=staff)
    refused = client.post(f"/console/workbench/{number}/contact", data={"note": "已电话联系"}, headers=headers)
    assert refused.status_code == 409
    assert client.post(f"/console/workbench/{number}/accept", headers=headers).status_code == 200
    after = client.get(f"/console/workbench/{number}").text
    assert 'data-action="contact"' in after and 'data-action="extension"' in after
    assert client.post(f"/console/workbench/{number}/contact", data={"note": "已电话联系"},
                       headers=headers).status_code == 200
