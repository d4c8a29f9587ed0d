"""Console administration (系统管理, admins only): overview page, IVR prompt texts, and the helpers the
views_admin_* modules share (role guards, Chinese error sentences, success notices)."""

from __future__ import annotations

import functools
import json
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from agent_console.session import CheckedActor, require
from agent_console.templating import error_text, templates
from hotline.errors import HotlineError
from ivr import prompts
from ticketing.deadlines.models import DeadlineRule, HolidayOverride
from ticketing.enums import Role
from ticketing.org.auth import Actor
from ticketing.org.models import Category, Department, DispatchRule, User

router = APIRouter(prefix="/console/admin", include_in_schema=False)

SECTIONS = [("users", "用户与角色"), ("departments", "单位"), ("catalogue", "分类与派单目录"),
            ("deadlines", "办理时限"), ("holidays", "节假日"), ("ivr", "IVR 提示音")]
LEVEL_ZH = {"city": "市", "district": "区/县", "street": "街道/乡镇", "community": "社区/村", "unit": "职能部门"}
ROLE_CHOICES = [("agent", "话务员"), ("supervisor", "督办员"), ("department", "承办单位"), ("admin", "管理员")]

AdminPage = Annotated[Actor, Depends(require(Role.ADMIN))]


def _admin_post(actor: CheckedActor) -> Actor:
    actor.require(Role.ADMIN)
    return actor


AdminPost = Annotated[Actor, Depends(_admin_post)]
Text = Annotated[str, Form()]

# English messages of the organisation / deadline / IVR services → what the admin reads.
EXPLAINED = [
    (r"username .* is already taken", "用户名已被使用"),
    (r"password must be at least (\d+)", "密码至少需要 {0} 个字符"),
    (r"password must not equal the username", "密码不能与用户名相同"),
    (r"password must not be blank", "密码不能为空"),
    (r"last active admin", "这是最后一个启用的管理员账号，请先新建另一个管理员"),
    (r"needs a department_id", "承办单位账号必须选择所属单位"),
    (r"department .* does not exist or is inactive", "所选单位不存在或已停用"),
    (r"department code .*already used", "单位编码已被使用"),
    (r"category code .*already used", "分类编码已被使用"),
    (r"must sit under", "单位层级与上级单位不匹配（区/县隶属于市，街道隶属于区/县，社区隶属于街道）"),
    (r"still has \d+ active sub", "仍有启用的下级，请先停用下级"),
    (r"reactivate the parent", "请先启用上级单位"),
    (r"already has a rule for", "该分类在此区域已有派单规则"),
    (r"category .* does not exist or is inactive", "所选分类不存在或已停用"),
    (r"parent category .* does not exist", "上级分类不存在或已停用"),
    (r"amount must be an integer between 0 and (\d+)", "时限数值须为 0 到 {0} 之间的整数"),
    (r"no such deadline rule", "该时限规则不存在（可能已被删除）"),
    (r"no override for", "该日期没有调整记录"),
    (r"year must be between (\d+) and (\d+)", "年份须在 {0} 到 {1} 之间"),
    (r"prompt text must not be empty", "提示音文本不能为空"),
    (r"prompt text is longer than (\d+)", "提示音文本不能超过 {0} 个字"),
    (r"prompt text must be one line", "提示音文本须为一行，不能包含换行等控制字符"),
    (r"unknown IVR prompt", "没有这个提示音"),
    (r"^invalid username", "用户名须为 3–64 位字母、数字或 . _ -，以字母或数字开头"),
    (r"^invalid code", "编码须为字母、数字或 . _ -，以字母或数字开头，不超过 64 位"),
    (r"^invalid (?:role|level|kind|urgency|unit|ticket_type)", "请选择有效的选项"),
    (r"^invalid accepted_at", "请填写受理时间"),
    (r"^invalid day", "请填写正确的日期（年-月-日）"),
    (r"note is longer than", "说明不能超过 200 个字"),
    (r"^invalid (?:name|display_name)", "名称不能为空，且不超过 200 个字"),
    (r"must not be empty", "必填项不能为空"),
    (r"must be a whole number", "请填写整数"),
]


def explain(exc: HotlineError) -> str:
    for pattern, text in EXPLAINED:
        found = re.search(pattern, exc.message)
        if found:
            return text.format(*found.groups())
    return error_text(exc)


def shown_in_words(endpoint):
    """Route decorator: a domain error becomes a Chinese toast (htmx) or error page, with a precise sentence."""

    @functools.wraps(endpoint)
    def wrapper(*args, **kwargs):
        try:
            return endpoint(*args, **kwargs)
        except HotlineError as exc:
            request: Request = kwargs["request"]
            if request.headers.get("HX-Request"):
                return templates.TemplateResponse(request, "_toast.html", {"message": explain(exc), "kind": "error"},
                                                  status_code=exc.http_status)
            return templates.TemplateResponse(request, "error.html", {"message": explain(exc)},
                                              status_code=exc.http_status)

    return wrapper


def render(request: Request, name: str, context: dict, *, message: str | None = None) -> Response:
    """A page or fragment; with `message`, console.js shows it as a success toast."""
    headers = {"HX-Trigger": json.dumps({"hotline-notice": message})} if message else None
    base = {"sections": SECTIONS, "level_zh": LEVEL_ZH, "role_choices": ROLE_CHOICES}
    return templates.TemplateResponse(request, name, base | context, headers=headers)


# --- overview ------------------------------------------------------------------------------------------


@router.get("")
def overview(request: Request, actor: AdminPage) -> Response:
    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    with request.app.state.context.reader() as session:
        figures = {
            "users": count(User, User.active.is_(True)), "departments": count(Department, Department.active.is_(True)),
            "catalogue": count(DispatchRule), "deadlines": count(DeadlineRule), "holidays": count(HolidayOverride),
            "ivr": sum(p.customized for p in prompts.list_prompts(session)),
            "categories": count(Category, Category.active.is_(True)),
        }
    return render(request, "admin.html", {"current": "", "figures": figures})


# --- IVR prompt texts ------------------------------------------------------------------------------------


@router.get("/ivr")
def ivr_page(request: Request, actor: AdminPage) -> Response:
    with request.app.state.context.reader() as session:
        rows = prompts.list_prompts(session)
    return render(request, "admin_ivr.html", {"current": "ivr", "prompts": rows,
                                              "max_chars": request.app.state.context.settings.ivr_prompt_max_chars})


def _prompt_row(request: Request, view: prompts.PromptView, message: str) -> Response:
    limit = request.app.state.context.settings.ivr_prompt_max_chars
    return render(request, "admin_ivr_row.html", {"p": view, "max_chars": limit}, message=message)


@router.post("/ivr/{key}")
@shown_in_words
def ivr_save(request: Request, key: str, actor: AdminPost, text: Text = "") -> Response:
    ctx = request.app.state.context
    with ctx.sessions() as session:
        view = prompts.edit_prompt(session, actor=actor, settings=ctx.settings, key=key, text=text)
    return _prompt_row(request, view, f"提示音“{view.purpose}”已保存")


@router.post("/ivr/{key}/reset")
@shown_in_words
def ivr_reset(request: Request, key: str, actor: AdminPost) -> Response:
    with request.app.state.context.sessions() as session:
        view = prompts.restore_default(session, actor=actor, key=key)
    return _prompt_row(request, view, f"提示音“{view.purpose}”已恢复默认")
