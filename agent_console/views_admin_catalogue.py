"""系统管理 → categories (诉求分类) and the dispatch catalogue (派单目录: category × district → 主办单位)."""

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
from ticketing.org import flows as org_flows
from ticketing.org import service as org_service
from ticketing.org.schemas import CategoryCreate, DispatchRuleCreate

router = APIRouter(prefix="/console/admin/catalogue", include_in_schema=False)


def _indented(categories) -> list[tuple[object, int]]:
    """Categories in tree order with their depth (for indentation in lists and selects)."""
    children: dict[int | None, list] = {}
    ids = {c.id for c in categories}
    for c in categories:
        children.setdefault(c.parent_id if c.parent_id in ids else None, []).append(c)
    out: list[tuple[object, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for c in children.get(parent_id, []):
            out.append((c, depth))
            walk(c.id, depth + 1)

    walk(None, 0)
    return out


def _catalogue(request: Request, *, message: str | None = None, page: bool = False) -> Response:
    ctx = request.app.state.context
    with ctx.reader() as session:
        categories = org_service.list_categories(session, include_inactive=True)
        departments = org_service.list_departments(session)
        rules = org_service.list_dispatch_rules(session, limit=ctx.settings.page_size_max)
    context = {"current": "catalogue", "categories": _indented(categories), "departments": departments,
               "rules": rules, "cat_names": {c.id: c.name for c in categories},
               "dept_names": {d.id: d.name for d in departments}}
    return render(request, "admin_catalogue.html" if page else "admin_catalogue_body.html", context,
                  message=message)


@router.get("")
def catalogue_page(request: Request, actor: AdminPage) -> Response:
    return _catalogue(request, page=True)


@router.post("/categories")
@shown_in_words
def create_category(request: Request, actor: AdminPost, code: Text = "", name: Text = "",
                    parent_id: Text = "") -> Response:
    data = form_model(CategoryCreate, code=code, name=name, parent_id=form_int(parent_id, field="parent_id"))
    with request.app.state.context.sessions() as session:
        category = org_flows.create_category(session, actor=actor, **data.model_dump())
    return _catalogue(request, message=f"已新建分类 {category.name}")


@router.post("/categories/{category_id}/rename")
@shown_in_words
def rename_category(request: Request, category_id: int, actor: AdminPost, name: Text = "") -> Response:
    with request.app.state.context.sessions() as session:
        category = org_flows.update_category(session, actor=actor, category_id=category_id,
                                             changes={"name": required_text(name, field="name")})
    return _catalogue(request, message=f"分类已改名为 {category.name}")


@router.post("/categories/{category_id}/deactivate")
@shown_in_words
def deactivate_category(request: Request, category_id: int, actor: AdminPost) -> Response:
    with request.app.state.context.sessions() as session:
        category = org_flows.update_category(session, actor=actor, category_id=category_id,
                                             changes={"active": False})
    return _catalogue(request, message=f"分类 {category.name} 已停用")


@router.post("/rules")
@shown_in_words
def create_rule(request: Request, actor: AdminPost, category_id: Text = "", district: Text = "",
                department_id: Text = "") -> Response:
    data = form_model(DispatchRuleCreate, category_id=form_int(category_id, field="category_id"), district=district,
                   department_id=form_int(department_id, field="department_id"))
    with request.app.state.context.sessions() as session:
        org_flows.create_dispatch_rule(session, actor=actor, **data.model_dump())
    return _catalogue(request, message="已新增派单规则")


@router.post("/rules/{rule_id}")
@shown_in_words
def update_rule(request: Request, rule_id: int, actor: AdminPost, district: Text = "",
                department_id: Text = "") -> Response:
    changes = {"district": district, "department_id": form_int(department_id, field="department_id")}
    with request.app.state.context.sessions() as session:
        org_flows.update_dispatch_rule(session, actor=actor, rule_id=rule_id, changes=changes)
    return _catalogue(request, message="派单规则已保存")


@router.post("/rules/{rule_id}/delete")
@shown_in_words
def delete_rule(request: Request, rule_id: int, actor: AdminPost) -> Response:
    with request.app.state.context.sessions() as session:
        org_flows.delete_dispatch_rule(session, actor=actor, rule_id=rule_id)
    return _catalogue(request, message="派单规则已删除")
