"""Database access for knowledge-base articles: read, write, search and suggest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Literal

from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.orm import Session

from hotline.errors import NotFound
from hotline.settings import get_settings
from ticketing.kb.models import KnowledgeArticle
from ticketing.kb.search import article_tokens
from ticketing.org.models import Category
from ticketing.textsearch import query_terms, ranked_search, text_filter, top_terms

TABLE = "kb_articles"


@dataclass
class ArticleSearch:
    """One page of articles, each with its score (None when listing without a query)."""

    rows: list[tuple[KnowledgeArticle, float | None]]
    total: int
    match: Literal["all", "any", "none"] | None = None
    terms: list[str] = field(default_factory=list)


def local_today(tz: tzinfo | None = None) -> date:
    """Today in the hotline's time zone (`settings.tz` unless given)."""
    return datetime.now(tz or get_settings().tz).date()


def get_article(session: Session, *, article_id: int) -> KnowledgeArticle:
    article = session.get(KnowledgeArticle, article_id)
    if article is None:
        raise NotFound("knowledge article not found", article_id=article_id)
    return article


def category_exists(session: Session, *, category_id: int) -> bool:
    return session.scalar(select(Category.id).where(Category.id == category_id)) is not None


def add_article(session: Session, *, question: str, answer: str, tags: str = "", category_id: int | None = None,
                valid_from: date | None = None, valid_until: date | None = None,
                active: bool = True) -> KnowledgeArticle:
    article = KnowledgeArticle(
        question=question, answer=answer, tags=tags, category_id=category_id, valid_from=valid_from,
        valid_until=valid_until, active=active,
        search_tokens=article_tokens(question=question, answer=answer, tags=tags),
    )
    session.add(article)
    session.flush()
    return article


def update_article(session: Session, *, article: KnowledgeArticle, question: str, answer: str, tags: str,
                   category_id: int | None, valid_from: date | None, valid_until: date | None,
                   active: bool) -> KnowledgeArticle:
    article.question, article.answer, article.tags = question, answer, tags
    article.category_id, article.valid_from, article.valid_until = category_id, valid_from, valid_until
    article.active = active
    tokens = article_tokens(question=question, answer=answer, tags=tags)
    if tokens != article.search_tokens:
        article.search_tokens = tokens  # the SQLite trigger / PostgreSQL index follow this column
    session.flush()
    return article


def set_active(session: Session, *, article: KnowledgeArticle, active: bool) -> KnowledgeArticle:
    article.active = active
    session.flush()
    return article


def _filtered(*, tag: str | None, valid_on: date | None, active: bool | None) -> Select:
    stmt = select(KnowledgeArticle)
    if active is not None:
        stmt = stmt.where(KnowledgeArticle.active.is_(active))
    if valid_on is not None:
        stmt = stmt.where(
            or_(KnowledgeArticle.valid_from.is_(None), KnowledgeArticle.valid_from <= valid_on),
            or_(KnowledgeArticle.valid_until.is_(None), KnowledgeArticle.valid_until >= valid_on),
        )
    if tag:
        wrapped = literal(",") + KnowledgeArticle.tags + literal(",")
        stmt = stmt.where(wrapped.contains(f",{tag.strip()},", autoescape=True))
    return stmt


def _count(session: Session, stmt: Select) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def search_articles(session: Session, *, q: str | None = None, tag: str | None = None,
                    valid_on: date | None = None, active: bool | None = True, limit: int = 20,
                    offset: int = 0, max_terms: int = 16) -> ArticleSearch:
    """Articles filtered by tag, validity day (None: any day) and active flag (None: both).

    With a query the articles are ranked; all query words must match, and if no article has them all
    the search falls back to articles having any of them (reported in `match`). A query without words
    (only punctuation, say) finds nothing. Without a query the newest-updated come first.
    """
    base = _filtered(tag=tag, valid_on=valid_on, active=active)
    if q is None or not q.strip():
        stmt = base.order_by(KnowledgeArticle.updated_at.desc(), KnowledgeArticle.id.desc())
        articles = session.scalars(stmt.limit(limit).offset(offset)).all()
        return ArticleSearch(rows=[(a, None) for a in articles], total=_count(session, base))
    terms = query_terms(q, max_terms=max_terms)
    if not terms:
        return ArticleSearch(rows=[], total=0, match="none")
    dialect = session.get_bind().dialect.name
    total, mode = 0, "all"
    for mode in ("all", "any") if len(terms) > 1 else ("all",):
        total = _count(session, text_filter(base, table=TABLE, id_column=KnowledgeArticle.id, query=terms,
                                            dialect_name=dialect, mode=mode))
        if total:
            break
    stmt = ranked_search(base, table=TABLE, id_column=KnowledgeArticle.id, query=terms, dialect_name=dialect,
                         mode=mode)
    rows = [(article, float(score)) for article, score in session.execute(stmt.limit(limit).offset(offset))]
    return ArticleSearch(rows=rows, total=total, match=mode, terms=terms)


def suggest_articles(session: Session, *, text: str, limit: int = 5, on: date | None = None,
                     max_terms: int | None = None) -> list[KnowledgeArticle]:
    """Active articles valid today (or `on`) that best answer `text`, e.g. a call transcript.

    The text's most specific words (`settings.kb_suggest_terms` of them) are matched with OR and the
    articles ranked by relevance, so an article sharing more and rarer words comes first.
    """
    terms = top_terms(text, limit=max_terms or get_settings().kb_suggest_terms)
    if not terms:
        return []
    base = _filtered(tag=None, valid_on=on or local_today(), active=True)
    stmt = ranked_search(base, table=TABLE, id_column=KnowledgeArticle.id, query=terms,
                         dialect_name=session.get_bind().dialect.name, mode="any")
    return [article for article, _score in session.execute(stmt.limit(limit))]


def reindex_articles(session: Session, *, batch_size: int = 500) -> int:
    """Recompute every article's `search_tokens` (after the vocabulary changed); returns how many changed."""
    changed, last_id = 0, 0
    while True:
        batch = session.scalars(select(KnowledgeArticle).where(KnowledgeArticle.id > last_id)
                                .order_by(KnowledgeArticle.id).limit(batch_size)).all()
        if not batch:
            return changed
        for article in batch:
            tokens = article_tokens(question=article.question, answer=article.answer, tags=article.tags)
            if tokens != article.search_tokens:
                article.search_tokens = tokens
                changed += 1
        last_id = batch[-1].id
        session.flush()
