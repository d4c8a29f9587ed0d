"""Jinja2 environment of the console: Chinese labels, local times, autoescaping of everything callers say."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

from agent_console.labels import actor_zh, district_zh, text_zh
from agent_console.time_words import time_label, time_meaning
from hotline.errors import HotlineError
from hotline.settings import get_settings
from ticketing.enums import LABELS_ZH
from ticketing.states import TRANSITIONS

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
env = templates.env
env.autoescape = True

ROLE_ZH = {"agent": "话务员", "supervisor": "督办员", "department": "承办单位", "admin": "管理员", "system": "系统"}
ACTION_ZH = {name: t.label_zh for name, t in TRANSITIONS.items()} | {"absorb": "并入重复件"}
ERROR_ZH = {
    "validation_failed": "输入有误", "not_found": "未找到，或无权查看", "unauthenticated": "请先登录",
    "permission_denied": "无权进行此操作", "conflict": "操作冲突", "invalid_transition": "当前状态不允许此操作",
    "concurrent_update": "工单已被他人修改，请刷新后重试", "locked": "账号已临时锁定", "internal_error": "系统错误",
    "range_not_satisfiable": "请求的录音片段无效", "payload_too_large": "提交的内容过大",
    "too_many_requests": "请求过于频繁，请稍后再试", "service_unavailable": "系统暂时不可用，请稍后再试",
}


def zh(value) -> str:
    if value is None:
        return "—"
    return LABELS_ZH.get(getattr(value, "value", value), str(getattr(value, "value", value)))


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "—"
    return value.astimezone(get_settings().tz).strftime(fmt)


FIELD_ZH = {
    "content": "诉求内容", "title": "标题", "caller_phone": "来电号码", "category_id": "分类",
    "lead_department_id": "主办单位", "new_department_id": "改派单位", "working_days": "延期工作日",
    "reason": "理由", "note": "说明", "reply": "答复内容", "into": "目标工单", "accepted_at": "受理时间",
    "username": "用户名", "password": "密码", "department_id": "所属单位", "question": "问题", "answer": "答案",
    "ticket_type": "类型", "channel": "渠道", "caller_name": "来电人", "address": "地址", "district": "区域",
    "urgency": "紧急程度", "informed_once": "一次告知", "action": "操作", "article_id": "知识库条目",
    "complexity": "复杂程度", "locality": "规则集", "kind": "时限种类", "unit": "时限单位",
}


def error_text(exc: HotlineError) -> str:
    """A sentence for people: the Chinese name of the problem, and the field it concerns."""
    text = ERROR_ZH.get(exc.code, "操作失败")
    field = exc.details.get("field")
    if field:
        text += f"（{FIELD_ZH.get(field, field)}）"
    if exc.details.get("holder"):
        text += f"：{exc.details['holder']} 正在处理此工单"
    status = exc.details.get("status")
    if exc.code == "invalid_transition" and status:
        text += f"：工单当前为“{zh(status)}”"
    return text


env.filters.update(zh=zh, local=local_time, role_zh=lambda r: ROLE_ZH.get(getattr(r, "value", r), r),
                   action_zh=lambda a: ACTION_ZH.get(a, a), actor_zh=actor_zh, text_zh=text_zh,
                   district_zh=district_zh)
env.globals.update(time_label=time_label, time_meaning=time_meaning)
