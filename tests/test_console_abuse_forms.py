"""Blacklist forms say what each box is for, ask before a block is lifted, and confirm what was done."""

from __future__ import annotations

import re

from abuse import flows
from tests.test_console_admin import console_login
from ticketing.org.auth import Actor

CALLER = "13800138000"


def test_reason_boxes_are_labelled_and_lifting_is_confirmed(client, users, context):
    agent_user, _ = users("agent")
    boss_user, _ = users("supervisor")
    agent = Actor.of(agent_user)
    for note in ("第一次", "第二次", "第三次")[: context.settings.abuse_blacklist_threshold]:
        proposed = flows.report_incident(context, actor=agent, kind="insult", note=note, caller=CALLER)["proposed"]
    csrf = console_login(client, boss_user.username)
    page = client.get("/console/abuse").text
    row = page.split(f'data-entry="{proposed["id"]}"')[1].split("</tr>")[0]
    labels = [label.strip() for label in re.findall(r"<label>([^<]+?)\s*<input name=\"reason\"", row)]
    assert labels == ["确认生效理由（可选）", "驳回理由", "申诉内容"]
    window = context.settings.abuse_window_days
    assert f"{window} 天内 {context.settings.abuse_blacklist_threshold} 次骚扰记录" in row  # the policy's reason
    done = client.post(f"/console/abuse/blacklist/{proposed['id']}/confirm", data={"csrf_token": csrf},
                       headers={"referer": "http://testserver/console/abuse"}, follow_redirects=False)
    assert done.status_code == 303 and "done=confirm" in done.headers["location"]
    active = client.get("/console/abuse", params={"status": "active"}).text
    assert "data-confirm=\"确认提前解除：号码 13800138000" in active
    lifted = client.post(f"/console/abuse/blacklist/{proposed['id']}/lift",
                         data={"csrf_token": csrf, "reason": "领导批示"},
                         headers={"referer": "http://testserver/console/abuse?status=active"})
    assert lifted.status_code == 200
    assert 'id="abuse-done"' in lifted.text and "已提前解除黑名单：号码 13800138000" in lifted.text
    assert not flows.screen_caller(context, caller=CALLER).blocked
