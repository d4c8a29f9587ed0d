"""HTTP API of the organisation: login, me, users, departments, categories, dispatch catalogue."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Header, Query, Request, Response

from hotline.context import AppContext
from hotline.deps import Ctx, DbSession
from ticketing.enums import Role
from ticketing.org import flows, service
from ticketing.org.auth import CurrentActor
from ticketing.org.schemas import (
    CategoryCreate,
    CategoryNode,
    CategoryOut,
    CategoryUpdate,
    DepartmentCreate,
    DepartmentLevel,
    DepartmentNode,
    DepartmentOut,
    DepartmentUpdate,
    DispatchRuleCreate,
    DispatchRuleOut,
    DispatchRuleUpdate,
    DispatchSuggestion,
    MeOut,
    PasswordReset,
    TokenOut,
    TokenRequest,
    UserCreate,
    UserOut,
    UserUpdate,
)

router = APIRouter(prefix="/api/v1")
Node = TypeVar("Node", DepartmentNode, CategoryNode)


def build_tree(rows, node_type: type[Node]) -> list[Node]:
    """Nest flat rows by parent_id; a row whose parent is not in `rows` becomes a root."""
    nodes = {row.id: node_type.model_validate(row) for row in rows}
    roots: list[Node] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id is not None else None
        (parent.children if parent is not None else roots).append(node)
    return roots


def _page(context: AppContext, limit: int | None) -> int:
    return min(limit or context.settings.page_size_max, context.settings.page_size_max)


# --- login ------------------------------------------------------------------------------------


@router.post("/auth/token", response_model=TokenOut, tags=["auth"])
def login(body: TokenRequest, request: Request, session: DbSession, context: Ctx) -> TokenOut:
    issued = flows.login(session, settings=context.settings, username=body.username, password=body.password,
                         client=request.client.host if request.client else "-")
    return TokenOut(access_token=issued.access_token, expires_at=issued.expires_at, role=issued.role)


@router.post("/auth/logout", status_code=204, tags=["auth"])
def logout(_actor: CurrentActor, session: DbSession,
           authorization: Annotated[str | None, Header()] = None) -> Response:
    flows.logout(session, token=(authorization or "").split(" ", 1)[-1].strip())
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, tags=["auth"])
def me(actor: CurrentActor, session: DbSession) -> MeOut:
    user = service.get_user(session, user_id=actor.id, include_inactive=True) if actor.id else None
    return MeOut(id=actor.id, username=user.username if user else None, name=actor.name,
                 role=actor.role.value, department_id=actor.department_id)


# --- users ------------------------------------------------------------------------------------


@router.get("/users", response_model=list[UserOut], tags=["users"])
def list_users(actor: CurrentActor, session: DbSession, context: Ctx, role: str | None = None,
               department_id: int | None = None, include_inactive: bool = False,
               limit: Annotated[int | None, Query(ge=1)] = None, offset: Annotated[int, Query(ge=0)] = 0):
    actor.require(Role.ADMIN, Role.SUPERVISOR)
    return service.list_users(session, role=role, department_id=department_id, include_inactive=include_inactive,
                              limit=_page(context, limit), offset=offset)


@router.post("/users", response_model=UserOut, status_code=201, tags=["users"])
def create_user(body: UserCreate, actor: CurrentActor, session: DbSession, context: Ctx):
    return flows.create_user(session, actor=actor, settings=context.settings, **body.model_dump())


@router.get("/users/{user_id}", response_model=UserOut, tags=["users"])
def get_user(user_id: int, actor: CurrentActor, session: DbSession):
    if actor.id != user_id:
        actor.require(Role.ADMIN, Role.SUPERVISOR)
    return service.get_user(session, user_id=user_id, include_inactive=True)


@router.patch("/users/{user_id}", response_model=UserOut, tags=["users"])
def update_user(user_id: int, body: UserUpdate, actor: CurrentActor, session: DbSession):
    return flows.update_user(session, actor=actor, user_id=user_id, changes=body.model_dump(exclude_unset=True))


@router.post("/users/{user_id}/deactivate", response_model=UserOut, tags=["users"])
def deactivate_user(user_id: int, actor: CurrentActor, session: DbSession):
    return flows.deactivate_user(session, actor=actor, user_id=user_id)


@router.post("/users/{user_id}/reset-password", response_model=UserOut, tags=["users"])
def reset_password(user_id: int, body: PasswordReset, actor: CurrentActor, session: DbSession, context: Ctx):
    return flows.reset_password(session, actor=actor, settings=context.settings, user_id=user_id,
                                password=body.password)


@router.post("/users/{user_id}/unlock", response_model=UserOut, tags=["users"])
def unlock_user(user_id: int, request: Request, actor: CurrentActor, session: DbSession):
    """Lift a login lock (admin): the account's failed attempts are forgotten; audited as login_unlocked."""
    return flows.unlock_user(session, actor=actor, user_id=user_id,
                             client=request.client.host if request.client else None)


# --- departments --------------------------------------------------------------------------------


@router.get("/departments", response_model=list[DepartmentNode] | list[DepartmentOut], tags=["departments"])
def list_departments(_actor: CurrentActor, session: DbSession, tree: bool = False,
                     include_inactive: bool = False, level: DepartmentLevel | None = None,
                     parent_id: int | None = None):
    """Flat list (each row has parent_id) or, with `?tree=1`, the nested tree."""
    rows = service.list_departments(session, include_inactive=include_inactive, parent_id=parent_id,
                                    level=level.value if level else None)
    return build_tree(rows, DepartmentNode) if tree else [DepartmentOut.model_validate(r) for r in rows]


@router.post("/departments", response_model=DepartmentOut, status_code=201, tags=["departments"])
def create_department(body: DepartmentCreate, actor: CurrentActor, session: DbSession):
    return flows.create_department(session, actor=actor, **body.model_dump())


@router.get("/departments/{department_id}", response_model=DepartmentOut, tags=["departments"])
def get_department(department_id: int, _actor: CurrentActor, session: DbSession):
    return service.get_department(session, department_id=department_id, include_inactive=True)


@router.patch("/departments/{department_id}", response_model=DepartmentOut, tags=["departments"])
def update_department(department_id: int, body: DepartmentUpdate, actor: CurrentActor, session: DbSession):
    return flows.update_department(session, actor=actor, department_id=department_id,
                                   changes=body.model_dump(exclude_unset=True))


@router.post("/departments/{department_id}/deactivate", response_model=DepartmentOut, tags=["departments"])
def deactivate_department(department_id: int, actor: CurrentActor, session: DbSession):
    return flows.deactivate_department(session, actor=actor, department_id=department_id)


# --- categories ---------------------------------------------------------------------------------


@router.get("/categories", response_model=list[CategoryNode] | list[CategoryOut], tags=["categories"])
def list_categories(_actor: CurrentActor, session: DbSession, tree: bool = False,
                    include_inactive: bool = False, parent_id: int | None = None):
    """Flat list (each row has parent_id) or, with `?tree=1`, the nested tree."""
    rows = service.list_categories(session, include_inactive=include_inactive, parent_id=parent_id)
    return build_tree(rows, CategoryNode) if tree else [CategoryOut.model_validate(r) for r in rows]


@router.post("/categories", response_model=CategoryOut, status_code=201, tags=["categories"])
def create_category(body: CategoryCreate, actor: CurrentActor, session: DbSession):
    return flows.create_category(session, actor=actor, **body.model_dump())


@router.get("/categories/{category_id}", response_model=CategoryOut, tags=["categories"])
def get_category(category_id: int, _actor: CurrentActor, session: DbSession):
    return service.get_category(session, category_id=category_id, include_inactive=True)


@router.patch("/categories/{category_id}", response_model=CategoryOut, tags=["categories"])
def update_category(category_id: int, body: CategoryUpdate, actor: CurrentActor, session: DbSession):
    return flows.update_category(session, actor=actor, category_id=category_id,
                                 changes=body.model_dump(exclude_unset=True))


@router.post("/categories/{category_id}/deactivate", response_model=CategoryOut, tags=["categories"])
def deactivate_category(category_id: int, actor: CurrentActor, session: DbSession):
    return flows.update_category(session, actor=actor, category_id=category_id, changes={"active": False})


# --- dispatch catalogue ---------------------------------------------------------------------------


@router.get("/dispatch-rules", response_model=list[DispatchRuleOut], tags=["dispatch"])
def list_dispatch_rules(_actor: CurrentActor, session: DbSession, context: Ctx,
                        category_id: int | None = None, department_id: int | None = None,
                        limit: Annotated[int | None, Query(ge=1)] = None,
                        offset: Annotated[int, Query(ge=0)] = 0):
    return service.list_dispatch_rules(session, category_id=category_id, department_id=department_id,
                                       limit=_page(context, limit), offset=offset)


@router.post("/dispatch-rules", response_model=DispatchRuleOut, status_code=201, tags=["dispatch"])
def create_dispatch_rule(body: DispatchRuleCreate, actor: CurrentActor, session: DbSession):
    return flows.create_dispatch_rule(session, actor=actor, **body.model_dump())


@router.get("/dispatch-rules/{rule_id}", response_model=DispatchRuleOut, tags=["dispatch"])
def get_dispatch_rule(rule_id: int, _actor: CurrentActor, session: DbSession):
    return service.get_dispatch_rule(session, rule_id=rule_id)


@router.patch("/dispatch-rules/{rule_id}", response_model=DispatchRuleOut, tags=["dispatch"])
def update_dispatch_rule(rule_id: int, body: DispatchRuleUpdate, actor: CurrentActor, session: DbSession):
    return flows.update_dispatch_rule(session, actor=actor, rule_id=rule_id,
                                      changes=body.model_dump(exclude_unset=True))


@router.delete("/dispatch-rules/{rule_id}", status_code=204, tags=["dispatch"])
def delete_dispatch_rule(rule_id: int, actor: CurrentActor, session: DbSession) -> Response:
    flows.delete_dispatch_rule(session, actor=actor, rule_id=rule_id)
    return Response(status_code=204)


@router.get("/dispatch/suggest", response_model=DispatchSuggestion, tags=["dispatch"])
def suggest(_actor: CurrentActor, session: DbSession, category_id: int, district: str | None = None):
    """The catalogue's lead department for a category (and area), with the reason; department null if none."""
    category = service.get_category(session, category_id=category_id, include_inactive=True)
    found = service.suggest_department(session, category_id=category.id, district=district)
    if found is None:
        area = f" in district {district}" if district else ""
        return DispatchSuggestion(department=None, reason=f"no catalogue rule for category {category.name}{area}")
    dept, reason = found
    return DispatchSuggestion(department=DepartmentOut.model_validate(dept), reason=reason)

