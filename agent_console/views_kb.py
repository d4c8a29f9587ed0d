"""Console knowledge base (知识库): search for agents, supervisors and admins; editing for supervisors and
admins through `ticketing.kb.flows`. Validation errors are shown in Chinese next to the field."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from agent_console.session import CheckedActor, require
from agent_console.templating import error_text, templates
from hotline.errors import ValidationFailed
from ticketing.enums import Role
from ticketing.kb import flows as kb_flows
from ticketing.kb import service as kb_service
from ticketing.kb.models import KnowledgeArticle
from ticketing.kb.schemas import ArticleIn, split_tags
from ticketing.kb.search import highlight
from ticketing.org import service as org_service
from ticketing.org.auth import Actor

router = APIRouter(prefix="/console/kb", include_in_schema=False)
READERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
Reader = Annotated[Actor, Depends(require(*READERS))]
STATUSES = {"active": True, "inactive": False, "all": None}
FORM_FIELDS = ("question", "answer", "tags", "category_id", "valid_from", "valid_until")


def can_write(actor: Actor) -> bool:
    return actor.role in kb_flows.WRITERS


def notice(message: str) -> dict[str, str]:
    """Response header that makes console.js show `message` as a toast."""
    return {"HX-Trigger": json.dumps({"hotline-notice": message})}


def _categories(request: Request) -> dict[int, str]:
    with request.app.state.context.reader() as session:
        return {c.id: c.name for c in org_service.list_categories(session)}


# --- search ----------------------------------------------------------------------------------------------


def _search(request: Request, actor: Actor, *, q: str, status: str, validity: str, page: int) -> dict:
    ctx = request.app.state.context
    settings = ctx.settings
    writer = can_write(actor)
    if not writer:  # agents read what applies today
        status, validity = "active", "today"
    status = status if status in STATUSES else "active"
    page = max(page, 1)
    size = settings.console_kb_page_size
    found = {"q": q, "status": status, "validity": validity, "page": page, "writer": writer, "hits": [],
             "total": 0, "match": None, "error": None, "pages": 1}
    if len(q) > settings.search_max_query_chars:
        found["error"] = f"搜索词过长（最多 {settings.search_max_query_chars} 个字）"
        return found
    today = kb_service.local_today(settings.tz)
    with ctx.reader() as session:
        result = kb_service.search_articles(
            session, q=q or None, valid_on=today if validity == "today" else None, active=STATUSES[status],
            limit=size, offset=(page - 1) * size, max_terms=settings.search_max_terms)
    for article, _score in result.rows:
        if result.terms:
            # highlight() HTML-escapes the article text itself and adds only <mark> tags (ticketing/kb/search.py),
            # so its output is safe markup; plain text (no terms) is left to autoescaping.
            question = Markup(highlight(article.question, result.terms, width=len(article.question) + 1))
            snippet = Markup(highlight(article.answer, result.terms, width=settings.kb_snippet_chars))
        else:
            question = article.question
            cut = settings.kb_snippet_chars
            snippet = article.answer[:cut] + ("…" if len(article.answer) > cut else "")
        found["hits"].append({"article": article, "question": question, "snippet": snippet,
                              "tags": split_tags(article.tags), "state": _state(article, today)})
    found.update(total=result.total, match=result.match, pages=max(1, -(-result.total // size)))
    return found


def _state(article: KnowledgeArticle, today: date) -> str:
    if not article.active:
        return "已停用"
    if article.valid_from and article.valid_from > today:
        return "未生效"
    if article.valid_until and article.valid_until < today:
        return "已过期"
    return "有效"


@router.get("")
def kb_page(request: Request, actor: Reader, q: str = "", status: str = "active", validity: str = "any",
            page: int = 1) -> Response:
    found = _search(request, actor, q=q.strip(), status=status, validity=validity, page=page)
    return templates.TemplateResponse(request, "kb.html", {"found": found, "categories": _categories(request)})


@router.get("/results")
def kb_results(request: Request, actor: Reader, q: str = "", status: str = "active", validity: str = "any",
               page: int = 1) -> Response:
    found = _search(request, actor, q=q.strip(), status=status, validity=validity, page=page)
    return templates.TemplateResponse(request, "kb_results.html",
                                      {"found": found, "categories": _categories(request)})


# --- view and edit -----------------------------------------------------------------------------------------


def _values(article: KnowledgeArticle | None) -> dict:
    if article is None:
        return {"question": "", "answer": "", "tags": "", "category_id": "", "valid_from": "",
                "valid_until": "", "active": True}
    return {"question": article.question, "answer": article.answer, "tags": "，".join(split_tags(article.tags)),
            "category_id": str(article.category_id or ""), "valid_from": article.valid_from or "",
            "valid_until": article.valid_until or "", "active": article.active}


def _form(request: Request, *, article: KnowledgeArticle | None, values: dict, errors: dict,
          status_code: int = 200, headers: dict | None = None, fragment: bool | None = None) -> Response:
    fragment = bool(request.headers.get("HX-Request")) if fragment is None else fragment
    context = {"article": article, "values": values, "errors": errors, "categories": _categories(request),
               "saved": request.query_params.get("saved")}
    name = "kb_form.html" if fragment else "kb_edit.html"
    return templates.TemplateResponse(request, name, context, status_code=status_code, headers=headers)


@router.get("/new")
def new_article(request: Request, actor: Reader) -> Response:
    actor.require(*kb_flows.WRITERS)
    return _form(request, article=None, values=_values(None), errors={}, fragment=False)


@router.get("/{article_id}")
def show_article(request: Request, article_id: int, actor: Reader) -> Response:
    with request.app.state.context.reader() as session:
        article = kb_service.get_article(session, article_id=article_id)
    if not can_write(actor):
        return templates.TemplateResponse(request, "kb_article.html", {
            "article": article, "tags": split_tags(article.tags), "categories": _categories(request)})
    return _form(request, article=article, values=_values(article), errors={}, fragment=False)


def _parse(values: dict) -> tuple[ArticleIn | None, dict[str, str]]:
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name in ("valid_from", "valid_until"):
        raw = values[name].strip()
        try:
            days[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = "日期格式应为 年-月-日"
    category_id = None
    if values["category_id"].strip():
        try:
            category_id = int(values["category_id"])
        except ValueError:
            errors["category_id"] = "请选择分类"
    for name in ("question", "answer"):
        if not values[name].strip():
            errors[name] = "不能为空"
    if errors:
        return None, errors
    try:
        data = ArticleIn(question=values["question"], answer=values["answer"], tags=[values["tags"]],
                         category_id=category_id, active=values["active"], **days)
    except ValidationError:
        return None, {"form": "输入有误，请检查后重试"}
    return data, {}


def explain_kb_error(exc: ValidationFailed) -> tuple[str, str]:
    """(field, Chinese message) for a knowledge-base validation error raised by the flows."""
    field = exc.details.get("field") or "form"
    if exc.details.get("limit"):
        return field, f"不能超过 {exc.details['limit']} 个字"
    messages = {"valid_until": "失效日期不能早于生效日期", "category_id": "所选分类不存在",
                "tags": f"标签总长度不能超过 {kb_flows.TAGS_MAX_CHARS} 个字"}
    if field in messages:
        return field, messages[field]
    return field, "不能为空" if "empty" in exc.message else error_text(exc)


def _save(request: Request, actor: Actor, article_id: int | None, values: dict) -> Response:
    ctx = request.app.state.context
    data, errors = _parse(values)
    article = None
    if data is not None:
        try:
            with ctx.sessions() as session:
                if article_id is None:
                    article = kb_flows.create_article(session, actor=actor, data=data, settings=ctx.settings)
                else:
                    article = kb_flows.replace_article(session, actor=actor, article_id=article_id, data=data,
                                                       settings=ctx.settings)
        except ValidationFailed as exc:
            field, message = explain_kb_error(exc)
            errors = {field: message}
    if errors:
        if article_id is not None:
            with ctx.reader() as session:
                article = kb_service.get_article(session, article_id=article_id)
        # htmx swaps only 2xx answers: the form with its messages comes back as 200 there, 422 otherwise.
        status = 200 if request.headers.get("HX-Request") else 422
        return _form(request, article=article, values=values, errors=errors, status_code=status)
    message = "已新建知识库条目" if article_id is None else "知识库条目已保存"
    if not request.headers.get("HX-Request"):
        return RedirectResponse(f"/console/kb/{article.id}?saved=1", status_code=303)
    headers = notice(message) | {"HX-Push-Url": f"/console/kb/{article.id}"}
    return _form(request, article=article, values=_values(article), errors={}, headers=headers)


Text = Annotated[str, Form()]


@router.post("/new")
def create_article(request: Request, actor: CheckedActor, question: Text = "", answer: Text = "",
                   tags: Text = "", category_id: Text = "", valid_from: Text = "", valid_until: Text = "",
                   active: Text = "") -> Response:
    values = {"question": question, "answer": answer, "tags": tags, "category_id": category_id,
              "valid_from": valid_from, "valid_until": valid_until, "active": bool(active)}
    return _save(request, actor, None, values)


@router.post("/{article_id}")
def update_article(request: Request, article_id: int, actor: CheckedActor, question: Text = "",
                   answer: Text = "", tags: Text = "", category_id: Text = "", valid_from: Text = "",
                   valid_until: Text = "", active: Text = "") -> Response:
    values = {"question": question, "answer": answer, "tags": tags, "category_id": category_id,
              "valid_from": valid_from, "valid_until": valid_until, "active": bool(active)}
    return _save(request, actor, article_id, values)


@router.post("/{article_id}/deactivate")
def deactivate_article(request: Request, article_id: int, actor: CheckedActor) -> Response:
    with request.app.state.context.sessions() as session:
        article = kb_flows.deactivate_article(session, actor=actor, article_id=article_id)
    if not request.headers.get("HX-Request"):
        return RedirectResponse(f"/console/kb/{article.id}?saved=1", status_code=303)
    return _form(request, article=article, values=_values(article), errors={}, headers=notice("知识库条目已停用"))

