"""Database access for departments, users, tokens and categories. The dispatch catalogue lives in
`ticketing.org.catalogue` and is re-exported here (`suggest_department` & co.)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.errors import Conflict, NotFound, ValidationFailed
from ticketing.enums import Role
from ticketing.org.auth import hash_password, token_digest

# Re-exported so callers only need `ticketing.org.service` (catalogue.py imports models only, no cycle).
from ticketing.org.catalogue import (  # noqa: F401
    create_dispatch_rule,
    delete_dispatch_rule,
    get_dispatch_rule,
    list_dispatch_rules,
    suggest_department,
    update_dispatch_rule,
)
from ticketing.org.models import ApiToken, Category, Department, Place, User

# Which parent level each department level may hang under (None = top of the tree).
ALLOWED_PARENT_LEVELS: dict[str, set[str | None]] = {
    "city": {None},
    "district": {"city"},
    "street": {"district"},
    "community": {"street"},
    "unit": {"city", "district", "street", "unit"},
}


def _flush_unique(session: Session, message: str, **details) -> None:
    """Flush; a unique-constraint race that slipped past the pre-check becomes a 409."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(message, **details) from exc


# --- departments ------------------------------------------------------------------------------


def get_department(session: Session, *, department_id: int, include_inactive: bool = False) -> Department:
    dept = session.get(Department, department_id)
    if dept is None or (not dept.active and not include_inactive):
        raise NotFound(f"department {department_id} not found", department_id=department_id)
    return dept


def find_department_by_code(session: Session, *, code: str) -> Department | None:
    return session.scalars(select(Department).where(Department.code == code)).first()


def list_departments(
    session: Session, *, include_inactive: bool = False, parent_id: int | None = None, level: str | None = None
) -> Sequence[Department]:
    stmt = select(Department).order_by(Department.parent_id.is_not(None), Department.parent_id, Department.id)
    if not include_inactive:
        stmt = stmt.where(Department.active.is_(True))
    if parent_id is not None:
        stmt = stmt.where(Department.parent_id == parent_id)
    if level is not None:
        stmt = stmt.where(Department.level == level)
    return session.scalars(stmt).all()


def department_subtree_ids(session: Session, *, department_id: int) -> list[int]:
    """The department and every unit below it (active or not), for "my department and sub-units" scopes."""
    if session.get(Department, department_id) is None:
        raise NotFound(f"department {department_id} not found", department_id=department_id)
    tree = select(Department.id).where(Department.id == department_id).cte("subtree", recursive=True)
    tree = tree.union_all(select(Department.id).where(Department.parent_id == tree.c.id))
    return sorted(session.scalars(select(tree.c.id)).all())


def _check_department_parent(session: Session, *, dept_id: int | None, parent_id: int | None,
                             level: str) -> Department | None:
    parent = None
    if parent_id is not None:
        parent = session.get(Department, parent_id)
        if parent is None:
            raise ValidationFailed(f"parent department {parent_id} does not exist", field="parent_id")
        if not parent.active:
            raise ValidationFailed(f"parent department {parent_id} is inactive", field="parent_id")
    allowed = ALLOWED_PARENT_LEVELS[level]
    if (parent.level if parent else None) not in allowed:
        wanted = " or ".join(sorted("(none)" if a is None else a for a in allowed))
        raise ValidationFailed(
            f"a {level} department must sit under {wanted}, not "
            f"{'the top of the tree' if parent is None else 'a ' + parent.level}", field="parent_id")
    if dept_id is not None and parent is not None:
        node: Department | None = parent
        while node is not None:
            if node.id == dept_id:
                raise ValidationFailed("a department cannot be moved under itself or its own sub-unit",
                                       field="parent_id")
            node = session.get(Department, node.parent_id) if node.parent_id is not None else None
    return parent


def _check_department_code(session: Session, *, code: str, dept_id: int | None = None) -> None:
    other = find_department_by_code(session, code=code)
    if other is not None and other.id != dept_id:
        raise Conflict(f"department code {code!r} is already used", code_value=code, existing_id=other.id)


def create_department(session: Session, *, code: str, name: str, level: str, parent_id: int | None = None,
                      district: str | None = None) -> Department:
    parent = _check_department_parent(session, dept_id=None, parent_id=parent_id, level=level)
    _check_department_code(session, code=code)
    if district is None:
        district = code if level == "district" else (parent.district if parent else None)
    dept = Department(code=code, name=name, level=level, parent_id=parent_id, district=district, active=True)
    session.add(dept)
    _flush_unique(session, f"department code {code!r} is already used", code_value=code)
    return dept


def update_department(session: Session, *, department_id: int, changes: dict) -> Department:
    """Apply the fields present in `changes` (code, name, level, parent_id, district, active)."""
    dept = get_department(session, department_id=department_id, include_inactive=True)
    level = changes.get("level") or dept.level
    parent_id = changes.get("parent_id", dept.parent_id)
    if "level" in changes or "parent_id" in changes:
        _check_department_parent(session, dept_id=dept.id, parent_id=parent_id, level=level)
        if "level" in changes:
            for child in list_departments(session, include_inactive=True, parent_id=dept.id):
                if level not in ALLOWED_PARENT_LEVELS[child.level]:
                    raise ValidationFailed(f"sub-unit {child.code} ({child.level}) cannot sit under a {level}",
                                           field="level")
    if changes.get("code") is not None:
        _check_department_code(session, code=changes["code"], dept_id=dept.id)
    if changes.get("active") is False:
        _check_can_deactivate_department(session, dept=dept)
    if changes.get("active") is True and dept.parent_id is not None \
            and not session.get(Department, dept.parent_id).active:
        raise ValidationFailed("reactivate the parent department first", field="active")
    for field in ("code", "name", "district", "active"):
        if field in changes and (changes[field] is not None or field == "district"):
            setattr(dept, field, changes[field])
    dept.level, dept.parent_id = level, parent_id
    _flush_unique(session, "department code is already used", code_value=changes.get("code"))
    return dept


def _check_can_deactivate_department(session: Session, *, dept: Department) -> None:
    active_children = session.scalar(
        select(func.count()).select_from(Department)
        .where(Department.parent_id == dept.id, Department.active.is_(True)))
    if active_children:
        raise Conflict(f"department {dept.code} still has {active_children} active sub-unit(s); "
                       "deactivate them first", active_children=active_children)


def deactivate_department(session: Session, *, department_id: int) -> Department:
    return update_department(session, department_id=department_id, changes={"active": False})


# --- users and tokens -------------------------------------------------------------------------


def get_user(session: Session, *, user_id: int, include_inactive: bool = False) -> User:
    user = session.get(User, user_id)
    if user is None or (not user.active and not include_inactive):
        raise NotFound(f"user {user_id} not found", user_id=user_id)
    return user


def find_user_by_username(session: Session, *, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username.strip().lower())).first()


def list_users(session: Session, *, role: str | None = None, department_id: int | None = None,
               include_inactive: bool = False, limit: int = 200, offset: int = 0) -> Sequence[User]:
    stmt = select(User).order_by(User.id).limit(limit).offset(offset)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if department_id is not None:
        stmt = stmt.where(User.department_id == department_id)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    return session.scalars(stmt).all()


def check_password_policy(password: str, *, min_length: int, username: str | None = None) -> None:
    if len(password) < min_length:
        raise ValidationFailed(f"password must be at least {min_length} characters", field="password")
    if not password.strip():
        raise ValidationFailed("password must not be blank", field="password")
    if username is not None and password.strip().lower() == username.strip().lower():
        raise ValidationFailed("password must not equal the username", field="password")


def _check_role_department(session: Session, *, role: str, department_id: int | None) -> None:
    if role not in {r.value for r in Role} - {Role.SYSTEM.value}:
        raise ValidationFailed(f"unknown role {role!r}", field="role")
    if role == Role.DEPARTMENT and department_id is None:
        raise ValidationFailed("a user with role 'department' needs a department_id", field="department_id")
    if department_id is not None:
        dept = session.get(Department, department_id)
        if dept is None or not dept.active:
            raise ValidationFailed(f"department {department_id} does not exist or is inactive",
                                   field="department_id")


def create_user(session: Session, *, username: str, password: str, role: str, min_password_length: int,
                department_id: int | None = None, display_name: str | None = None) -> User:
    username = username.strip().lower()
    _check_role_department(session, role=role, department_id=department_id)
    check_password_policy(password, min_length=min_password_length, username=username)
    if find_user_by_username(session, username=username) is not None:
        raise Conflict(f"username {username!r} is already taken", username=username)
    user = User(username=username, display_name=(display_name or "").strip() or username,
                password_hash=hash_password(password), role=role, department_id=department_id,
                active=True, failed_logins=0)
    session.add(user)
    _flush_unique(session, f"username {username!r} is already taken", username=username)
    return user


def _count_active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)
                          .where(User.role == Role.ADMIN.value, User.active.is_(True))) or 0


def update_user(session: Session, *, user_id: int, changes: dict) -> User:
    """Apply the fields present in `changes` (display_name, role, department_id, active)."""
    user = get_user(session, user_id=user_id, include_inactive=True)
    role = changes.get("role") or user.role
    department_id = changes.get("department_id", user.department_id)
    if "role" in changes or "department_id" in changes:
        _check_role_department(session, role=role, department_id=department_id)
    losing_admin = user.role == Role.ADMIN and user.active and (
        role != Role.ADMIN or changes.get("active") is False)
    if losing_admin and _count_active_admins(session) <= 1:
        raise Conflict("this is the last active admin; create another admin first")
    if changes.get("display_name"):
        user.display_name = changes["display_name"]
    if changes.get("active") is not None:
        user.active = changes["active"]
        if not user.active:
            revoke_user_tokens(session, user_id=user.id)
    user.role, user.department_id = role, department_id
    session.flush()
    return user


def set_password(session: Session, *, user_id: int, password: str, min_password_length: int) -> User:
    """Reset a password: clears the lock-out and revokes every token the user holds."""
    user = get_user(session, user_id=user_id, include_inactive=True)
    check_password_policy(password, min_length=min_password_length, username=user.username)
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    revoke_user_tokens(session, user_id=user.id)
    session.flush()
    return user


def record_login_failure(session: Session, *, user_id: int, max_failures: int, lock_until: datetime) -> bool:
    """Count one failed login atomically; lock the account once `max_failures` is reached. True if locked."""
    failures = session.execute(
        update(User).where(User.id == user_id).values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    ).scalar_one()
    if failures < max_failures:
        return False
    session.execute(update(User).where(User.id == user_id).values(failed_logins=0, locked_until=lock_until))
    return True


def record_login_success(session: Session, *, user_id: int) -> None:
    session.execute(update(User).where(User.id == user_id).values(failed_logins=0, locked_until=None))


def revoke_token(session: Session, *, token: str) -> bool:
    result = session.execute(update(ApiToken).where(ApiToken.token_hash == token_digest(token),
                                                    ApiToken.revoked.is_(False)).values(revoked=True))
    return bool(result.rowcount)


def revoke_user_tokens(session: Session, *, user_id: int) -> int:
    result = session.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked.is_(False))
                             .values(revoked=True))
    return result.rowcount or 0


# --- categories -------------------------------------------------------------------------------


def get_category(session: Session, *, category_id: int, include_inactive: bool = False) -> Category:
    category = session.get(Category, category_id)
    if category is None or (not category.active and not include_inactive):
        raise NotFound(f"category {category_id} not found", category_id=category_id)
    return category


def list_categories(session: Session, *, include_inactive: bool = False,
                    parent_id: int | None = None) -> Sequence[Category]:
    stmt = select(Category).order_by(Category.parent_id.is_not(None), Category.parent_id, Category.id)
    if not include_inactive:
        stmt = stmt.where(Category.active.is_(True))
    if parent_id is not None:
        stmt = stmt.where(Category.parent_id == parent_id)
    return session.scalars(stmt).all()


def category_path(session: Session, *, category_id: int) -> list[Category]:
    """The category and its ancestors, nearest first."""
    path: list[Category] = []
    node = session.get(Category, category_id)
    while node is not None and len(path) < 64:
        path.append(node)
        node = session.get(Category, node.parent_id) if node.parent_id is not None else None
    return path


def _check_category(session: Session, *, category_id: int | None, parent_id: int | None,
                    code: str | None) -> None:
    if parent_id is not None:
        parent = session.get(Category, parent_id)
        if parent is None or not parent.active:
            raise ValidationFailed(f"parent category {parent_id} does not exist or is inactive",
                                   field="parent_id")
        if category_id is not None and any(c.id == category_id
                                           for c in category_path(session, category_id=parent_id)):
            raise ValidationFailed("a category cannot be moved under itself or its own sub-category",
                                   field="parent_id")
    if code is not None:
        other = session.scalars(select(Category).where(Category.code == code)).first()
        if other is not None and other.id != category_id:
            raise Conflict(f"category code {code!r} is already used", code_value=code, existing_id=other.id)


def create_category(session: Session, *, code: str, name: str, parent_id: int | None = None) -> Category:
    _check_category(session, category_id=None, parent_id=parent_id, code=code)
    category = Category(code=code, name=name, parent_id=parent_id, active=True)
    session.add(category)
    _flush_unique(session, f"category code {code!r} is already used", code_value=code)
    return category


def update_category(session: Session, *, category_id: int, changes: dict) -> Category:
    category = get_category(session, category_id=category_id, include_inactive=True)
    parent_id = changes.get("parent_id", category.parent_id)
    _check_category(session, category_id=category.id, parent_id=parent_id, code=changes.get("code"))
    if changes.get("active") is False:
        children = session.scalar(select(func.count()).select_from(Category)
                                  .where(Category.parent_id == category.id, Category.active.is_(True)))
        if children:
            raise Conflict(f"category {category.code} still has {children} active sub-categories; "
                           "deactivate them first", active_children=children)
    for field in ("code", "name", "active"):
        if changes.get(field) is not None:
            setattr(category, field, changes[field])
    category.parent_id = parent_id
    _flush_unique(session, "category code is already used", code_value=changes.get("code"))
    return category



# --- gazetteer --------------------------------------------------------------------------------


def count_places(session: Session) -> dict[str, int]:
    """Active gazetteer places by kind (district, street, community, road)."""
    return dict(session.execute(select(Place.kind, func.count()).where(Place.active.is_(True))
                                .group_by(Place.kind)).all())
