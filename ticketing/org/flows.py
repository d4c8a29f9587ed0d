"""Organisation use cases: check who acts, call the services, commit. (No background work to enqueue.)

Every admin write to departments, categories and dispatch rules is recorded as a catalogue version
(`ticketing.org.versions`): who, when, and the row before and after."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.database import utcnow
from hotline.errors import Unauthenticated
from hotline.settings import Settings
from ticketing.access import service as access
from ticketing.access import throttle
from ticketing.enums import Role
from ticketing.org import service, versions
from ticketing.org.auth import Actor, hash_password, issue_token, token_digest, verify_password
from ticketing.org.models import ApiToken, Category, Department, DispatchRule, User

BAD_CREDENTIALS = "invalid username or password"
USER_ADMINS = (Role.ADMIN, Role.SYSTEM)  # SYSTEM: the `hotline user create` command


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_at: datetime
    role: str
    user_id: int


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the username is unknown, so both answers take the same time.
    return hash_password("not-a-real-password-but-costs-the-same")


# --- login ----------------------------------------------------------------------------------------


def login(session: Session, *, settings: Settings, username: str, password: str, client: str = "-") -> IssuedToken:
    """Bearer token for valid credentials. Wrong password, unknown user, inactive user and locked account give
    the same 401 after the same delay; an address with too many failures gets 429 (ticketing.access.throttle)."""
    now = utcnow()
    standing = throttle.check(session, settings=settings, username=username, client=client, now=now)
    user = service.find_user_by_username(session, username=username)
    right = verify_password(user.password_hash if user else _dummy_hash(), password) and user is not None
    if not right or not user.active or (standing.account_locked and not standing.known_address):
        delay = standing.delay_seconds
        if not right:
            delay = throttle.failed(session, settings=settings, username=username, client=client, now=now)
        session.commit()
        if delay:
            time.sleep(delay)
        raise Unauthenticated(BAD_CREDENTIALS)
    throttle.succeeded(session, username=username, client=client, now=now)
    service.record_login_success(session, user_id=user.id)
    token = issue_token(session, user=user, ttl_hours=settings.token_ttl_hours)
    session.flush()
    expires_at = session.scalar(select(ApiToken.expires_at).where(ApiToken.token_hash == token_digest(token)))
    session.commit()
    return IssuedToken(access_token=token, expires_at=expires_at, role=user.role, user_id=user.id)


def unlock_user(session: Session, *, actor: Actor, user_id: int, client: str | None = None) -> User:
    """An administrator lifts the account lock: every failed attempt on it is forgotten (audited)."""
    actor.require(*USER_ADMINS)
    user = service.get_user(session, user_id=user_id, include_inactive=True)
    throttle.unlock(session, username=user.username,
                    by=access.Who(actor.id, actor.name, actor.role.value, client))
    service.record_login_success(session, user_id=user.id)
    session.commit()
    return user


def logout(session: Session, *, token: str) -> None:
    service.revoke_token(session, token=token)
    session.commit()


# --- users ----------------------------------------------------------------------------------------


def create_user(session: Session, *, actor: Actor, settings: Settings, username: str, password: str,
                role: str, department_id: int | None = None, display_name: str | None = None) -> User:
    actor.require(*USER_ADMINS)
    user = service.create_user(session, username=username, password=password, role=str(role),
                               department_id=department_id, display_name=display_name,
                               min_password_length=settings.password_min_length)
    session.commit()
    return user


def update_user(session: Session, *, actor: Actor, user_id: int, changes: dict) -> User:
    actor.require(*USER_ADMINS)
    if "role" in changes and changes["role"] is not None:
        changes = {**changes, "role": str(changes["role"])}
    user = service.update_user(session, user_id=user_id, changes=changes)
    session.commit()
    return user


def deactivate_user(session: Session, *, actor: Actor, user_id: int) -> User:
    return update_user(session, actor=actor, user_id=user_id, changes={"active": False})


def reset_password(session: Session, *, actor: Actor, settings: Settings, user_id: int, password: str) -> User:
    actor.require(*USER_ADMINS)
    user = service.set_password(session, user_id=user_id, password=password,
                                min_password_length=settings.password_min_length)
    throttle.unlock(session, username=user.username, by=access.Who(actor.id, actor.name, actor.role.value))
    session.commit()
    return user


# --- departments, categories, catalogue (admin writes) ------------------------------------------


def _dept_row(session: Session, dept: Department | None) -> dict | None:
    if dept is None:
        return None
    parent = session.get(Department, dept.parent_id) if dept.parent_id else None
    return {"code": dept.code, "name": dept.name, "level": dept.level, "parent": parent.code if parent else "",
            "district": dept.district or "", "active": bool(dept.active)}


def _category_row(session: Session, category: Category | None) -> dict | None:
    if category is None:
        return None
    parent = session.get(Category, category.parent_id) if category.parent_id else None
    return {"code": category.code, "name": category.name, "parent": parent.code if parent else "",
            "active": bool(category.active)}


def _rule_row(session: Session, rule: DispatchRule | None) -> dict | None:
    if rule is None:
        return None
    category, dept = session.get(Category, rule.category_id), session.get(Department, rule.department_id)
    return {"category": category.code if category else rule.category_id, "district": rule.district or "",
            "department": dept.code if dept else rule.department_id}


def _record(session: Session, actor: Actor, entity: str, before: dict | None, after: dict | None) -> None:
    changes = versions.Changes()
    row = after or before or {}
    code = row.get("code") or f"{row.get('category')}@{row.get('district') or '*'}"
    changes.compare(entity, str(code), before, after)
    versions.record(session, actor=actor, source="edit", changes=changes)


def create_department(session: Session, *, actor: Actor, code: str, name: str, level: str,
                      parent_id: int | None = None, district: str | None = None) -> Department:
    actor.require(Role.ADMIN)
    dept = service.create_department(session, code=code, name=name, level=str(level), parent_id=parent_id,
                                     district=district)
    _record(session, actor, "department", None, _dept_row(session, dept))
    session.commit()
    return dept


def update_department(session: Session, *, actor: Actor, department_id: int, changes: dict) -> Department:
    actor.require(Role.ADMIN)
    if changes.get("level") is not None:
        changes = {**changes, "level": str(changes["level"])}
    before = _dept_row(session, session.get(Department, department_id))
    dept = service.update_department(session, department_id=department_id, changes=changes)
    _record(session, actor, "department", before, _dept_row(session, dept))
    session.commit()
    return dept


def deactivate_department(session: Session, *, actor: Actor, department_id: int) -> Department:
    return update_department(session, actor=actor, department_id=department_id, changes={"active": False})


def create_category(session: Session, *, actor: Actor, code: str, name: str,
                    parent_id: int | None = None) -> Category:
    actor.require(Role.ADMIN)
    category = service.create_category(session, code=code, name=name, parent_id=parent_id)
    _record(session, actor, "matter" if parent_id else "class", None, _category_row(session, category))
    session.commit()
    return category


def update_category(session: Session, *, actor: Actor, category_id: int, changes: dict) -> Category:
    actor.require(Role.ADMIN)
    before = _category_row(session, session.get(Category, category_id))
    category = service.update_category(session, category_id=category_id, changes=changes)
    _record(session, actor, "matter" if category.parent_id else "class", before, _category_row(session, category))
    session.commit()
    return category


def create_dispatch_rule(session: Session, *, actor: Actor, category_id: int, district: str | None,
                         department_id: int) -> DispatchRule:
    actor.require(Role.ADMIN)
    rule = service.create_dispatch_rule(session, category_id=category_id, district=district,
                                        department_id=department_id)
    _record(session, actor, "rule", None, _rule_row(session, rule))
    session.commit()
    return rule


def update_dispatch_rule(session: Session, *, actor: Actor, rule_id: int, changes: dict) -> DispatchRule:
    actor.require(Role.ADMIN)
    before = _rule_row(session, session.get(DispatchRule, rule_id))
    rule = service.update_dispatch_rule(session, rule_id=rule_id, changes=changes)
    _record(session, actor, "rule", before, _rule_row(session, rule))
    session.commit()
    return rule


def delete_dispatch_rule(session: Session, *, actor: Actor, rule_id: int) -> None:
    actor.require(Role.ADMIN)
    before = _rule_row(session, session.get(DispatchRule, rule_id))
    service.delete_dispatch_rule(session, rule_id=rule_id)
    _record(session, actor, "rule", before, None)
    session.commit()
