"""Knowledge-base (知识库) API: list and search for everyone signed in; writes for supervisors and admins."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from hotline.deps import Ctx, DbSession, ReadSession
from hotline.errors import ValidationFailed
from ticketing.kb import flows, service
from ticketing.kb.schemas import ArticleHit, ArticleIn, ArticleOut, ArticlePage
from ticketing.kb.search import highlight
from ticketing.org.auth import CurrentActor

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base"])


@router.get("/articles", response_model=ArticlePage)
def list_articles(
    session: ReadSession,
    actor: CurrentActor,
    context: Ctx,
    q: Annotated[str | None, Query(description="Search words (Chinese is segmented).")] = None,
    tag: str | None = None,
    valid_on: Annotated[date | None, Query(description="Day the article must be valid; default today.")] = None,
    any_date: Annotated[bool, Query(description="Ignore the validity window.")] = False,
    active: Annotated[bool, Query(description="true: active articles; false: deactivated ones.")] = True,
    limit: Annotated[int, Query(ge=1)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ArticlePage:
    settings = context.settings
    if q is not None and len(q) > settings.search_max_query_chars:
        raise ValidationFailed(f"the query is longer than {settings.search_max_query_chars} characters", field="q")
    limit = min(limit, settings.page_size_max)
    day = None if any_date else (valid_on or service.local_today(settings.tz))
    result = service.search_articles(session, q=q, tag=tag, valid_on=day, active=active, limit=limit,
                                     offset=offset, max_terms=settings.search_max_terms)
    items = []
    for article, score in result.rows:
        snippet = highlight(article.answer, result.terms, width=settings.kb_snippet_chars) if result.terms else None
        items.append(ArticleHit(**ArticleOut.of(article).model_dump(), score=score, snippet=snippet))
    return ArticlePage(items=items, total=result.total, limit=limit, offset=offset, match=result.match,
                       terms=result.terms)


@router.get("/articles/{article_id}", response_model=ArticleOut)
def get_article(article_id: int, session: ReadSession, actor: CurrentActor) -> ArticleOut:
    return ArticleOut.of(service.get_article(session, article_id=article_id))


@router.post("/articles", response_model=ArticleOut, status_code=201)
def create_article(body: ArticleIn, session: DbSession, actor: CurrentActor, context: Ctx) -> ArticleOut:
    article = flows.create_article(session, actor=actor, data=body, settings=context.settings)
    return ArticleOut.of(article)


@router.put("/articles/{article_id}", response_model=ArticleOut)
def replace_article(article_id: int, body: ArticleIn, session: DbSession, actor: CurrentActor,
                    context: Ctx) -> ArticleOut:
    article = flows.replace_article(session, actor=actor, article_id=article_id, data=body,
                                    settings=context.settings)
    return ArticleOut.of(article)


@router.delete("/articles/{article_id}", response_model=ArticleOut)
def deactivate_article(article_id: int, session: DbSession, actor: CurrentActor) -> ArticleOut:
    return ArticleOut.of(flows.deactivate_article(session, actor=actor, article_id=article_id))
