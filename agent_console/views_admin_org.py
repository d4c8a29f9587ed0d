"""系统管理 → users and roles, departments tree. Every write goes through `ticketing.org.flows`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from agent_console.forms import form_int, form_model, required_text
from agent_console.views_admin import (
    AdminPage,
    AdminPost,
    Text,
    render,
    shown_in_words,
)
from hotline.errors import NotFound
from ticketing.org import flows as org_flows
from ticketing.org import service as org_service
from ticketing.org.schemas import DepartmentCreate, UserCreate

router = APIRouter(prefix="/console/admin", include_in_schema=False)


# --- users ---------------------------------------------------------------------------------------------


def _users(request: Request, *, message: str | None = None, page: bool = False) -> Response:
    ctx = request.app.state.context
    inactive = request.query_params.get("inactive") == "1"
    with ctx.reader() as session:
        users = org_service.list_users(session, include_inactive=inactive, limit=ctx.settings.page_size_max)
        departments = org_service.list_departments(session)
    context = {"current": "users", "users": users, "departments": departments, "inactive": inactive,
               "dept_names": {d.id: d.name for d in departments},
               "min_password": ctx.settings.password_min_length}
    return render(request, "admin_users.html" if page else "admin_users_table.html", context, message=message)


@router.get("/users")
def users_page(request: Request, actor: AdminPage) -> Response:
    return _users(request, page=True)


@router.post("/users")
@shown_in_words
def create_user(request: Request, actor: AdminPost, username: Text = "", display_name: Text = "",
                role: Text = "", department_id: Text = "", password: Text = "") -> Response:
    ctx = request.app.state.context
    data = form_model(UserCreate, username=username.strip(), password=password, role=role,
                   display_name=display_name.strip() or None,
                   department_id=form_int(department_id, field="department_id"))
    with ctx.sessions() as session:
        user = org_flows.create_user(session, actor=actor, settings=ctx.settings, **data.model_dump())
    return _users(request, message=f"已新建用户 {user.username}")


@router.post("/users/{user_id}")
@shown_in_words
def update_user(request: Request, user_id: int, actor: AdminPost, role: Text = "", department_id: Text = "",
                display_name: Text = "") -> Response:
    changes = {"role": role or None, "department_id": form_int(department_id, field="department_id")}
    if display_name.strip():
        changes["display_name"] = display_name.strip()
    with request.app.state.context.sessions() as session:
        user = org_flows.update_user(session, actor=actor, user_id=user_id, changes=changes)
    return _users(request, message=f"用户 {user.username} 已保存")


@router.post("/users/{user_id}/deactivate")
@shown_in_words
def deactivate_user(request: Request, user_id: int, actor: AdminPost) -> Response:
    with request.app.state.context.sessions() as session:
        user = org_flows.deactivate_user(session, actor=actor, user_id=user_id)
    return _users(request, message=f"用户 {user.username} 已停用")


@router.post("/users/{user_id}/activate")
@shown_in_words
def activate_user(request: Request, user_id: int, actor: AdminPost) -> Response:
    with request.app.state.context.sessions() as session:
        user = org_flows.update_user(session, actor=actor, user_id=user_id, changes={"active": True})
    return _users(request, message=f"用户 {user.username} 已启用")


@router.post("/users/{user_id}/unlock")
@shown_in_words
def unlock_user(request: Request, user_id: int, actor: AdminPost) -> Response:
    with request.app.state.context.sessions() as session:
        user = org_flows.unlock_user(session, actor=actor, user_id=user_id,
                                     client=request.client.host if request.client else None)
    return _users(request, message=f"用户 {user.username} 的登录锁定已解除")


@router.post("/users/{user_id}/password")
@shown_in_words
def reset_password(request: Request, user_id: int, actor: AdminPost, password: Text = "") -> Response:
    ctx = request.app.state.context
    with ctx.sessions() as session:
        user = org_flows.reset_password(session, actor=actor, settings=ctx.settings, user_id=user_id,
                                        password=password)
    return _users(request, message=f"用户 {user.username} 的密码已重置，原登录已失效")


# --- departments -----------------------------------------------------------------------------------------


def _tree(rows) -> list[dict]:
    nodes = {d.id: {"dept": d, "children": []} for d in rows}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node["dept"].parent_id)
        (parent["children"] if parent else roots).append(node)
    return roots


def _departments(request: Request, *, message: str | None = None, page: bool = False) -> Response:
    with request.app.state.context.reader() as session:
        rows = org_service.list_departments(session, include_inactive=True)
    context = {"current": "departments", "tree": _tree(rows), "count": len(rows)}
    return render(request, "admin_departments.html" if page else "admin_dept_tree.html", context, message=message)


@router.get("/departments")
def departments_page(request: Request, actor: AdminPage) -> Response:
    return _departments(request, page=True)


@router.post("/departments")
@shown_in_words
def create_department(request: Request, actor: AdminPost, code: Text = "", name: Text = "", level: Text = "",
                      parent_id: Text = "", district: Text = "") -> Response:
    data = form_model(DepartmentCreate, code=code, name=name, level=level,
                   parent_id=form_int(parent_id, field="parent_id"), district=district)
    with request.app.state.context.sessions() as session:
        dept = org_flows.create_department(session, actor=actor, **data.model_dump())
    return _departments(request, message=f"已新建单位 {dept.name}")


@router.post("/departments/{department_id}/rename")
@shown_in_words
def rename_department(request: Request, department_id: int, actor: AdminPost, name: Text = "") -> Response:
    with request.app.state.context.sessions() as session:
        dept = org_flows.update_department(session, actor=actor, department_id=department_id,
                                           changes={"name": required_text(name, field="name")})
    return _departments(request, message=f"单位已改名为 {dept.name}")


@router.post("/departments/{department_id}/{state}")
@shown_in_words
def toggle_department(request: Request, department_id: int, state: str, actor: AdminPost) -> Response:
    active = {"activate": True, "deactivate": False}.get(state)
    if active is None:
        raise NotFound("no such action", action=state)
    with request.app.state.context.sessions() as session:
        dept = org_flows.update_department(session, actor=actor, department_id=department_id,
                                           changes={"active": active})
    return _departments(request, message=f"单位 {dept.name} 已{'启用' if active else '停用'}")

