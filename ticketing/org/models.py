"""Departments (city → district → street → community), users, API tokens, categories, dispatch catalogue,
the gazetteer, and the catalogue's version history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.database import Base, UTCDateTime, utcnow


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))  # city | district | street | community | unit
    district: Mapped[str | None] = mapped_column(String(64))  # area code the unit serves
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Category(Base):
    """A node of the configurable category tree (e.g. 城乡建设 → 市政设施 → 路灯)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # 属地: the matter goes to the district government / street office where it happens ("district" | "street");
    # NULL when a named unit (the category's any-district dispatch rule) is responsible.
    local_level: Mapped[str | None] = mapped_column(String(16))
    emergency: Mapped[str | None] = mapped_column(String(8))  # 110 | 119 | 120 | 122 when inherently urgent
    keywords: Mapped[str] = mapped_column(Text, default="")  # space-separated colloquial cues


class DispatchRule(Base):
    """Dispatch catalogue row: category × area → lead department. `district` NULL means any area."""

    __tablename__ = "dispatch_rules"
    __table_args__ = (UniqueConstraint("category_id", "district", name="uq_dispatch_rules_category_district"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    district: Mapped[str | None] = mapped_column(String(64))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))


class Place(Base):
    """A gazetteer row: district → street → community, or a road (with the names callers use for it)."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # district | street | community | road
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(64), index=True)
    aliases: Mapped[str] = mapped_column(Text, default="")  # space-separated
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CatalogueVersion(Base):
    """One change of the catalogue, departments or gazetteer (an import, a console edit): who, when, what."""

    __tablename__ = "catalogue_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(32))  # import | console | seed
    summary: Mapped[str] = mapped_column(String(500))
    added: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)


class CatalogueChange(Base):
    """A row of a version: one matter/class/department/place/rule added, changed or removed (before, after)."""

    __tablename__ = "catalogue_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalogue_versions.id"), index=True)
    entity: Mapped[str] = mapped_column(String(16))  # class | matter | department | place | rule
    code: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(16))  # added | changed | removed
    before: Mapped[str | None] = mapped_column(Text)  # JSON of the row's fields
    after: Mapped[str | None] = mapped_column(Text)
