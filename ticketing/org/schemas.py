"""Request and response bodies of the organisation API (departments, users, login, categories, catalogue)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ticketing.enums import Role

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class DepartmentLevel(StrEnum):
    CITY = "city"  # 市
    DISTRICT = "district"  # 区/县
    STREET = "street"  # 街道/乡镇
    COMMUNITY = "community"  # 社区/村
    UNIT = "unit"  # functional bureau, e.g. 市住建局


class AssignableRole(StrEnum):
    """Roles a person can hold (``system`` is reserved for IVR, Celery and intake components)."""

    AGENT = Role.AGENT.value
    SUPERVISOR = Role.SUPERVISOR.value
    DEPARTMENT = Role.DEPARTMENT.value
    ADMIN = Role.ADMIN.value


def _strip_or_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


class _Stripped(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


# --- departments ------------------------------------------------------------------------------


class DepartmentCreate(_Stripped):
    code: str = Field(min_length=1, max_length=64, pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    level: DepartmentLevel
    parent_id: int | None = None
    district: str | None = Field(None, max_length=64, description="Area code served; inherited if empty.")

    _district = field_validator("district")(_strip_or_none)


class DepartmentUpdate(_Stripped):
    code: str | None = Field(None, min_length=1, max_length=64, pattern=CODE_PATTERN)
    name: str | None = Field(None, min_length=1, max_length=200)
    level: DepartmentLevel | None = None
    parent_id: int | None = None
    district: str | None = Field(None, max_length=64)
    active: bool | None = None


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    district: str | None
    active: bool


class DepartmentNode(DepartmentOut):
    children: list[DepartmentNode] = []


# --- users and login ------------------------------------------------------------------------


class UserCreate(_Stripped):
    username: str = Field(min_length=3, max_length=64, pattern=USERNAME_PATTERN)
    password: str = Field(max_length=256)
    role: AssignableRole
    department_id: int | None = None
    display_name: str | None = Field(None, max_length=100)

    model_config = ConfigDict(str_strip_whitespace=False, extra="forbid")


class UserUpdate(_Stripped):
    display_name: str | None = Field(None, min_length=1, max_length=100)
    role: AssignableRole | None = None
    department_id: int | None = None
    active: bool | None = None


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(max_length=256)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    department_id: int | None
    active: bool
    locked_until: datetime | None
    created_at: datetime


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    role: str


class MeOut(BaseModel):
    id: int | None
    username: str | None
    name: str
    role: str
    department_id: int | None


# --- categories and dispatch catalogue -------------------------------------------------------


class CategoryCreate(_Stripped):
    code: str = Field(min_length=1, max_length=64, pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    parent_id: int | None = None


class CategoryUpdate(_Stripped):
    code: str | None = Field(None, min_length=1, max_length=64, pattern=CODE_PATTERN)
    name: str | None = Field(None, min_length=1, max_length=200)
    parent_id: int | None = None
    active: bool | None = None


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    parent_id: int | None
    active: bool
    local_level: str | None = Field(None, description="属地: 'district' or 'street' where the matter goes to "
                                                      "the unit of the place it happens; null for a named unit")
    emergency: str | None = Field(None, description="110 / 119 / 120 / 122 when the matter is inherently urgent")


class CategoryNode(CategoryOut):
    children: list[CategoryNode] = []


class DispatchRuleCreate(_Stripped):
    category_id: int
    district: str | None = Field(None, max_length=64, description="Area code; empty means any area.")
    department_id: int

    _district = field_validator("district")(_strip_or_none)


class DispatchRuleUpdate(_Stripped):
    district: str | None = Field(None, max_length=64)
    department_id: int | None = None


class DispatchRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    category_id: int
    district: str | None
    department_id: int


class DispatchSuggestion(BaseModel):
    department: DepartmentOut | None
    reason: str
