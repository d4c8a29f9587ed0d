"""Prompt keys the IVR speaks besides the admin-editable texts in `ivr.prompts.DEFAULT_PROMPTS`.

Digits and ticket status words are generated (a ticket number is spoken digit by digit, then its status);
a few short phrases glue them together. Pure data: the engine validates flows against these keys and the
renderer turns them into WAV files next to the editable prompts.
"""

from __future__ import annotations

from ivr.keys import digit_key, status_key
from ivr.prompts import DEFAULT_PROMPTS
from ticketing.enums import LABELS_ZH, Status

DIGIT_WORDS_ZH = ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九")
KEY_WORDS_ZH = {**{str(n): word for n, word in enumerate(DIGIT_WORDS_ZH)}, "*": "星号", "#": "井号"}

BEEP_KEY = "beep"  # a tone, not speech: rendered with sox, played before recordings


def generated_prompts(*, emergency_key: str = "9") -> dict[str, str]:
    """Key -> Chinese text of every generated prompt (digits, statuses and the glue phrases)."""
    words = {digit_key(str(n)): word for n, word in enumerate(DIGIT_WORDS_ZH)}
    words.update({status_key(s.value): LABELS_ZH[s.value] for s in Status})
    words.update({
        "status_result": "您查询的工单编号是",
        "status_is": "当前办理状态是",
        "status_not_found": "没有查到这个工单编号，请核对后重新输入。",
        "blocked_emergency": f"如确有紧急情况，请按{KEY_WORDS_ZH.get(emergency_key, emergency_key)}键。",
        "urgent_record": "紧急事项请在提示音后说明情况和地点，我们将优先处理。",
    })
    return words


def known_prompt_keys() -> frozenset[str]:
    """Every key a flow may reference: editable prompts, generated words and the beep."""
    return frozenset(DEFAULT_PROMPTS) | frozenset(generated_prompts()) | {BEEP_KEY}
