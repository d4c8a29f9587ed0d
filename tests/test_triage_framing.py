"""The caller's stated framing (我要投诉, 我想表扬, 我举报, 建议…) decides the ticket type over the model."""

from __future__ import annotations

import pytest

from ticketing.enums import TicketType
from ticketing.triage.framing import stated_type


@pytest.mark.parametrize("text, expected", [
    ("我想表扬一下社区的李主任，帮我把漏水的事协调好了", TicketType.PRAISE),
    ("我们全家特别感谢急救中心的医生，想送面锦旗", TicketType.PRAISE),
    ("我要举报一家饭店用地沟油，后厨特别脏", TicketType.REPORT),  # a report that sounds like a complaint
    ("我投诉一下物业，电梯坏了一个月没人修", TicketType.COMPLAINT),
    ("建议在学校门口加个红绿灯", TicketType.SUGGESTION),
    ("能不能在我们小区门口设个公交站", TicketType.SUGGESTION),
    ("我不是要投诉，就是想问问公积金怎么提取", None),
    ("请问居住证去哪里办", None),
])
def test_stated_type(text, expected):
    assert stated_type(text) == expected


def test_stated_framing_overrides_the_model_but_not_an_emergency(context):
    from ticketing.triage.flows import suggest

    assert suggest(context, "我想表扬一下你们东城区社保窗口的工作人员，特别耐心")["type"] == "praise"
    assert suggest(context, "我要投诉，楼下着火了没人管，火越烧越大")["type"] == "help"  # urgent: 求助
