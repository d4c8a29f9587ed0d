"""系统管理 → categories (诉求分类), the dispatch catalogue (派单目录: category × district → 主办单位), and
the catalogue / departments / gazetteer as CSV or XLSX files (import, export) with their version history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
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
from ticketing.org import catalogue_files, catalogue_flows, versions
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


VERSIONS_SHOWN = 20
RULES_INLINE = 60  # more dispatch rules than this: the page shows one class at a time
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
LOCAL_ZH = {"district": "属地·区", "street": "属地·街道"}


def _roots(categories) -> dict[int, int]:
    """category id -> id of its top-level class."""
    parents = {c.id: c.parent_id for c in categories}
    roots = {}
    for cid in parents:
        node, steps = cid, 0
        while parents.get(node) is not None and parents[node] in parents and steps < 64:
            node, steps = parents[node], steps + 1
        roots[cid] = node
    return roots


def _catalogue(request: Request, *, message: str | None = None, page: bool = False,
               problems: list[str] | None = None, status_code: int = 200, cls: int | None = None) -> Response:
    ctx = request.app.state.context
    with ctx.reader() as session:
        categories = org_service.list_categories(session, include_inactive=True)
        departments = org_service.list_departments(session)
        rules = org_service.list_dispatch_rules(session, limit=ctx.settings.page_size_max)
        history = versions.list_versions(session, limit=VERSIONS_SHOWN)
        place_counts = org_service.count_places(session)
    classes = [c for c in categories if c.parent_id is None and c.active]
    roots = _roots(categories)
    if cls is None and len(rules) > RULES_INLINE and classes:
        cls = classes[0].id
    if cls is not None:
        rules = [r for r in rules if roots.get(r.category_id) == cls]
    context = {"current": "catalogue", "categories": _indented(categories), "departments": departments,
               "rules": rules, "classes": classes, "shown_class": cls, "cat_names": {c.id: c.name for c in categories},
               "dept_names": {d.id: d.name for d in departments}, "versions": history,
               "kinds": catalogue_files.KIND_ZH, "place_counts": place_counts, "local_zh": LOCAL_ZH, "problems": problems or []}
    response = render(request, "admin_catalogue.html" if page else "admin_catalogue_body.html", context,
                      message=message)
    response.status_code = status_code
    return response


@router.get("")
def catalogue_page(request: Request, actor: AdminPage, cls: int | None = None) -> Response:
    return _catalogue(request, page=True, cls=cls)


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


# --- files: import, export, versions ------------------------------------------------------------------


@router.get("/export")
@shown_in_words
def export_file(request: Request, actor: AdminPage, kind: str = "all", format: str = "xlsx") -> Response:
    kinds = catalogue_files.IMPORT_ORDER if kind == "all" else (kind,)
    with request.app.state.context.reader() as session:
        name, data, media = catalogue_flows.export(session, actor=actor, kinds=kinds, fmt=format)
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/import")
def import_file(request: Request, actor: AdminPost,
                files: Annotated[list[UploadFile] | None, File(alias="file")] = None) -> Response:
    """Upload one or more CSV/XLSX files; any problem → the row-numbered list, and nothing is changed."""
    uploads = []
    for upload in files or []:
        data = upload.file.read(UPLOAD_MAX_BYTES + 1)
        if not upload.filename and not data:
            continue
        if len(data) > UPLOAD_MAX_BYTES:
            return _catalogue(request, page=True, status_code=422,
                              problems=[f"{upload.filename} 超过 {UPLOAD_MAX_BYTES // 1024 // 1024} MB"])
        uploads.append((upload.filename or "上传文件", data))
    if not uploads:
        return _catalogue(request, page=True, status_code=422, problems=["请选择要导入的 CSV 或 XLSX 文件"])
    try:
        with request.app.state.context.sessions() as session:
            result = catalogue_flows.import_files(session, actor=actor, uploads=uploads, source="console")
    except catalogue_files.FileProblems as exc:
        head = exc.message.split("：", 1)[0]
        return _catalogue(request, page=True, status_code=422, problems=[head + "（未做任何修改）", *exc.problems])
    if result.version is None:
        return _catalogue(request, page=True, message="文件与现有目录一致，没有变化")
    return _catalogue(request, page=True, message=f"已导入，生成第 {result.version} 版：{result.summary}")


@router.get("/versions/{number}")
def version_page(request: Request, number: int, actor: AdminPage) -> Response:
    with request.app.state.context.reader() as session:
        version = versions.get_version(session, number=number)
        if version is None:
            raise NotFound(f"catalogue version {number} not found")
        changes = versions.version_changes(session, version_id=version.id)
        rows = [(c, versions.decoded(c.before), versions.decoded(c.after)) for c in changes]
    return render(request, "admin_catalogue_version.html",
                  {"current": "catalogue", "version": version, "rows": rows, "entity_zh": versions.ENTITY_ZH,
                   "action_zh": versions.ACTION_ZH, "field_zh": versions.FIELD_ZH})
