"""API shapes of the knowledge base. Limits that depend on settings are checked in `flows`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ticketing.kb.models import KnowledgeArticle


class ArticleIn(BaseModel):
    """Body of POST /articles and PUT /articles/{id} (PUT replaces every field)."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The caller's question as agents would search for it.")
    answer: str = Field(description="The approved answer (口径) agents read out.")
    tags: list[str] = Field(default_factory=list, description="Free tags, e.g. 社保, 医保.")
    category_id: int | None = None
    valid_from: date | None = Field(None, description="First day the answer applies (inclusive).")
    valid_until: date | None = Field(None, description="Last day the answer applies (inclusive).")
    active: bool = True

    @field_validator("question", "answer")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("tags")
    @classmethod
    def _clean_tags(cls, value: list[str]) -> list[str]:
        cleaned: dict[str, None] = {}
        for tag in value:
            for part in tag.replace("，", ",").split(","):
                if part.strip():
                    cleaned[part.strip()] = None
        return list(cleaned)


class ArticleOut(BaseModel):
    id: int
    question: str
    answer: str
    tags: list[str]
    category_id: int | None
    valid_from: date | None
    valid_until: date | None
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, article: KnowledgeArticle) -> ArticleOut:
        return cls(
            id=article.id, question=article.question, answer=article.answer, tags=split_tags(article.tags),
            category_id=article.category_id, valid_from=article.valid_from, valid_until=article.valid_until,
            active=article.active, created_at=article.created_at, updated_at=article.updated_at,
        )


class ArticleHit(ArticleOut):
    score: float | None = Field(None, description="Relevance, higher is better (only with a query).")
    snippet: str | None = Field(
        None, description="Short HTML-escaped excerpt of the answer with matched words in <mark>…</mark>."
    )


class ArticlePage(BaseModel):
    items: list[ArticleHit]
    total: int
    limit: int
    offset: int
    match: Literal["all", "any", "none"] | None = Field(
        None, description="With a query: 'all' words matched, fell back to 'any' word, or 'none' (no words)."
    )
    terms: list[str] = Field(default_factory=list, description="The query words searched for.")


def split_tags(tags: str) -> list[str]:
    return [t for t in tags.split(",") if t]


def join_tags(tags: list[str]) -> str:
    return ",".join(tags)
