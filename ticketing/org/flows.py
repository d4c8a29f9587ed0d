"""Organisation use cases: check who acts, call the services, commit. (No background work to enqueue.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.database import utcnow
from hotline.errors import Locked, Unauthenticated
from hotline.settings import Settings
from ticketing.enums import Role
from ticketing.org import service
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


def login(session: Session, *, settings: Settings, username: str, password: str) -> IssuedToken:
    """Bearer token for valid credentials. Unknown user, wrong password and inactive account give the
    same error; `login_max_failures` wrong passwords in a row lock the account (HTTP 423)."""
    now = utcnow()
    user = service.find_user_by_username(session, username=username)
    if user is None:
        verify_password(_dummy_hash(), password)
        raise Unauthenticated(BAD_CREDENTIALS)
    if user.locked_until is not None and user.locked_until > now:
        raise _locked(settings, user.locked_until)
    if not verify_password(user.password_hash, password):
        lock_until = now + timedelta(minutes=settings.login_lockout_minutes)
        locked = service.record_login_failure(session, user_id=user.id, max_failures=settings.login_max_failures,
                                              lock_until=lock_until)
        session.commit()
        raise _locked(settings, lock_until) if locked else Unauthenticated(BAD_CREDENTIALS)
    if not user.active:
        raise Unauthenticated(BAD_CREDENTIALS)
    service.record_login_success(session, user_id=user.id)
    token = issue_token(session, user=user, ttl_hours=settings.token_ttl_hours)
    session.flush()
    expires_at = session.scalar(select(ApiToken.expires_at).where(ApiToken.token_hash == token_digest(token)))
    session.commit()
    return IssuedToken(access_token=token, expires_at=expires_at, role=user.role, user_id=user.id)


def _locked(settings: Settings, until: datetime) -> Locked:
    local = until.astimezone(settings.tz)
    return Locked(f"too many failed logins; try again after {local:%Y-%m-%d %H:%M} ({settings.timezone})",
                  locked_until=until.isoformat(), lockout_minutes=settings.login_lockout_minutes)


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
    session.commit()
    return user


# --- departments, categories, catalogue (admin writes) ------------------------------------------


def _admin_write(session: Session, actor: Actor, write, **kwargs):
    """An admin's write: check the role, run the service call, commit, return what it returned."""
    actor.require(Role.ADMIN)
    row = write(session, **kwargs)
    session.commit()
    return row


def create_department(session: Session, *, actor: Actor, code: str, name: str, level: str,
                      parent_id: int | None = None, district: str | None = None) -> Department:
    return _admin_write(session, actor, service.create_department, code=code, name=name, level=str(level),
                        parent_id=parent_id, district=district)


def update_department(session: Session, *, actor: Actor, department_id: int, changes: dict) -> Department:
    if changes.get("level") is not None:
        changes = {**changes, "level": str(changes["level"])}
    return _admin_write(session, actor, service.update_department, department_id=department_id, changes=changes)


def deactivate_department(session: Session, *, actor: Actor, department_id: int) -> Department:
    return update_department(session, actor=actor, department_id=department_id, changes={"active": False})


def create_category(session: Session, *, actor: Actor, code: str, name: str,
                    parent_id: int | None = None) -> Category:
    return _admin_write(session, actor, service.create_category, code=code, name=name, parent_id=parent_id)


def update_category(session: Session, *, actor: Actor, category_id: int, changes: dict) -> Category:
    return _admin_write(session, actor, service.update_category, category_id=category_id, changes=changes)


def create_dispatch_rule(session: Session, *, actor: Actor, category_id: int, district: str | None,
                         department_id: int) -> DispatchRule:
    return _admin_write(session, actor, service.create_dispatch_rule, category_id=category_id, district=district,
                        department_id=department_id)


def update_dispatch_rule(session: Session, *, actor: Actor, rule_id: int, changes: dict) -> DispatchRule:
    return _admin_write(session, actor, service.update_dispatch_rule, rule_id=rule_id, changes=changes)


def delete_dispatch_rule(session: Session, *, actor: Actor, rule_id: int) -> None:
    _admin_write(session, actor, service.delete_dispatch_rule, rule_id=rule_id)
