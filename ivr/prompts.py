"""IVR prompt texts: the default Chinese wording, admins' overrides in `ivr_prompts`, and their use cases.

The IVR (issue 3) renders its WAV prompts from `get_prompts(session)` with an offline TTS; an admin edits
the texts in the console (系统管理 → IVR 提示音) or through PUT /api/v1/ivr/prompts/{key}.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.errors import NotFound, ValidationFailed
from hotline.settings import Settings
from ivr.models import IvrPrompt
from ticketing.enums import Role
from ticketing.org.auth import Actor

DEFAULT_PROMPTS: dict[str, str] = {
    "greeting": "您好，这里是12345政务服务便民热线。",
    "menu": "反映问题请按1，咨询请按2，查询工单办理进度请按3，紧急事项请按0。",
    "record_beep": "请在提示音后说出您的诉求，说完后请挂机或按井号键结束。",
    "after_hours": "现在是非人工服务时间，请在提示音后留言，我们将在工作时间尽快回复您。",
    "invalid": "您的输入有误，请重新选择。",
    "timeout": "对不起，没有收到您的按键，请重新选择。",
    "goodbye": "感谢您的来电，再见。",
    "status_intro": "请输入您的工单编号，以井号键结束。",
    "urgent_intro": "紧急事项正在为您优先转接，请不要挂机。",
    "blocked_notice": "您的号码因频繁骚扰已被限制呼入，如有疑问请通过其他渠道联系我们。",
    "abuse_warning": "温馨提示：您此前的来电存在辱骂、威胁或骚扰行为，再次发生将被限制呼入。通话可能被录音。",
    "queue_wait": "当前话务员均忙，请耐心等待，您的来电将按顺序接听。",
    "transfer": "正在为您转接人工服务，请稍候。",
    "survey_intro": "您好，这里是12345热线回访。您反映的编号为",
    "survey_case_done": "的问题已经办结，请对办理结果进行评价。",
    "survey_keys": "非常满意请按1，满意请按2，基本满意请按3，不满意请按4，非常不满意请按5。",
    "survey_invalid": "对不起，您的按键无效。",
    "survey_thanks": "感谢您的评价，再见。",
    "survey_goodbye": "很抱歉，没有收到有效的评价。感谢您的接听，再见。",
}

# What each prompt is for, shown to admins next to the key.
PROMPT_PURPOSE_ZH: dict[str, str] = {
    "greeting": "开场问候", "menu": "主菜单", "record_beep": "留言录音提示", "after_hours": "非工作时间",
    "invalid": "按键无效", "timeout": "按键超时", "goodbye": "结束语", "status_intro": "查询进度",
    "urgent_intro": "紧急转接", "blocked_notice": "号码受限", "abuse_warning": "骚扰警告", "queue_wait": "排队等待", "transfer": "转人工",
    "survey_intro": "回访开场（工单编号前）", "survey_case_done": "回访开场（工单编号后）",
    "survey_keys": "回访评价按键", "survey_invalid": "回访按键无效", "survey_thanks": "回访致谢",
    "survey_goodbye": "回访未评价结束语",
}

EDITORS = (Role.ADMIN,)


@dataclass(frozen=True)
class PromptView:
    """One prompt as admins see it: the default, the text in use, and who changed it."""

    key: str
    purpose: str
    default_text: str
    text: str
    customized: bool
    updated_at: datetime | None
    updated_by: int | None


# --- service (database access; callers commit) ----------------------------------------------------


def _known(key: str) -> str:
    if key not in DEFAULT_PROMPTS:
        raise NotFound(f"unknown IVR prompt {key!r}", key=key, known=sorted(DEFAULT_PROMPTS))
    return key


def check_text(text: str, *, max_chars: int) -> str:
    """The text stripped; ValidationFailed if it is empty, too long or holds control characters."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("prompt text must not be empty", field="text")
    if len(text) > max_chars:
        raise ValidationFailed(f"prompt text is longer than {max_chars} characters", field="text",
                               limit=max_chars)
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ValidationFailed("prompt text must be one line without control characters", field="text")
    return text


def get_prompts(session: Session) -> dict[str, str]:
    """Every prompt key → the text to speak (the admin's text where one is saved, else the default)."""
    saved = {key: text for key, text in session.execute(select(IvrPrompt.key, IvrPrompt.text))}
    return {**DEFAULT_PROMPTS, **saved}


def list_prompts(session: Session) -> list[PromptView]:
    rows = {row.key: row for row in session.scalars(select(IvrPrompt))}
    views = []
    for key in [*DEFAULT_PROMPTS, *sorted(set(rows) - set(DEFAULT_PROMPTS))]:
        row = rows.get(key)
        default = DEFAULT_PROMPTS.get(key, "")
        views.append(PromptView(
            key=key, purpose=PROMPT_PURPOSE_ZH.get(key, key), default_text=default,
            text=row.text if row else default, customized=row is not None,
            updated_at=row.updated_at if row else None, updated_by=row.updated_by if row else None))
    return views


def get_prompt(session: Session, *, key: str) -> PromptView:
    _known(key)
    return next(view for view in list_prompts(session) if view.key == key)


def set_prompt(session: Session, *, key: str, text: str, updated_by: int | None = None,
               max_chars: int = 300) -> IvrPrompt:
    """Save the text of a known prompt (stripped and checked). Does not commit."""
    _known(key)
    text = check_text(text, max_chars=max_chars)
    row = session.get(IvrPrompt, key)
    if row is None:
        row = IvrPrompt(key=key, text=text, updated_by=updated_by)
        session.add(row)
    else:
        row.text, row.updated_by = text, updated_by
    session.flush()
    return row


def reset_prompt(session: Session, *, key: str) -> bool:
    """Go back to the default text; True if a saved text was removed. Does not commit."""
    _known(key)
    return bool(session.execute(delete(IvrPrompt).where(IvrPrompt.key == key)).rowcount)


# --- use cases (check the actor, commit) ----------------------------------------------------------


def edit_prompt(session: Session, *, actor: Actor, settings: Settings, key: str, text: str) -> PromptView:
    actor.require(*EDITORS)
    set_prompt(session, key=key, text=text, updated_by=actor.id, max_chars=settings.ivr_prompt_max_chars)
    session.commit()
    return get_prompt(session, key=key)


def restore_default(session: Session, *, actor: Actor, key: str) -> PromptView:
    actor.require(*EDITORS)
    reset_prompt(session, key=key)
    session.commit()
    return get_prompt(session, key=key)
