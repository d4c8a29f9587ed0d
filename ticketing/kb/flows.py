"""Knowledge-base use cases: supervisors and admins write articles; everyone signed in reads them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.errors import ValidationFailed
from hotline.settings import Settings
from ticketing.enums import Role
from ticketing.kb import service
from ticketing.kb.models import KnowledgeArticle
from ticketing.kb.schemas import ArticleIn, join_tags
from ticketing.org.auth import Actor

WRITERS = (Role.SUPERVISOR, Role.ADMIN)
TAGS_MAX_CHARS = 500  # size of the kb_articles.tags column


def _checked(session: Session, data: ArticleIn, settings: Settings) -> dict:
    limit = settings.max_content_chars
    for name in ("question", "answer"):
        value = getattr(data, name)
        if not value:
            raise ValidationFailed(f"{name} must not be empty", field=name)
        if len(value) > limit:
            raise ValidationFailed(f"{name} is longer than {limit} characters", field=name, limit=limit)
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        raise ValidationFailed("valid_until is before valid_from", field="valid_until")
    tags = join_tags(data.tags)
    if len(tags) > TAGS_MAX_CHARS:
        raise ValidationFailed(f"tags are longer than {TAGS_MAX_CHARS} characters", field="tags")
    if data.category_id is not None and not service.category_exists(session, category_id=data.category_id):
        raise ValidationFailed("unknown category", field="category_id", category_id=data.category_id)
    return {"question": data.question, "answer": data.answer, "tags": tags, "category_id": data.category_id,
            "valid_from": data.valid_from, "valid_until": data.valid_until, "active": data.active}


def create_article(session: Session, *, actor: Actor, data: ArticleIn, settings: Settings) -> KnowledgeArticle:
    actor.require(*WRITERS)
    article = service.add_article(session, **_checked(session, data, settings))
    session.commit()
    return article


def replace_article(session: Session, *, actor: Actor, article_id: int, data: ArticleIn,
                    settings: Settings) -> KnowledgeArticle:
    actor.require(*WRITERS)
    article = service.get_article(session, article_id=article_id)
    service.update_article(session, article=article, **_checked(session, data, settings))
    session.commit()
    return article


def deactivate_article(session: Session, *, actor: Actor, article_id: int) -> KnowledgeArticle:
    """Soft delete: the article stays (for history) but no longer appears in searches or suggestions."""
    actor.require(*WRITERS)
    article = service.get_article(session, article_id=article_id)
    service.set_active(session, article=article, active=False)
    session.commit()
    return article
