"""Who is acting: password hashing, bearer tokens, and the `Actor` every flow receives."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.database import utcnow
from hotline.deps import get_reader
from hotline.errors import PermissionDenied, Unauthenticated
from ticketing.enums import Role
from ticketing.org.models import ApiToken, User

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Actor:
    """The user (or system component) on whose behalf a flow runs."""

    id: int | None
    role: Role
    name: str
    department_id: int | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(id=None, role=Role.SYSTEM, name=name)

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(id=user.id, role=Role(user.role), name=user.display_name, department_id=user.department_id)

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            raise PermissionDenied(f"role {self.role.value} may not do this", allowed=[r.value for r in roles])


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, *, user: User, ttl_hours: int) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token),
                         expires_at=utcnow() + timedelta(hours=ttl_hours)))
    return token


def actor_for_token(session: Session, *, token: str) -> Actor:
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_digest(token))
    ).first()
    if row is None:
        raise Unauthenticated("unknown token")
    api_token, user = row
    if api_token.revoked or api_token.expires_at <= utcnow() or not user.active:
        raise Unauthenticated("token expired or revoked")
    return Actor.of(user)


BEARER = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/token.")


def current_actor(
    session: Annotated[Session, Depends(get_reader)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
) -> Actor:
    """The actor of a bearer token (declared as the OpenAPI security scheme, not as a header parameter)."""
    if credentials is None or not credentials.credentials.strip():
        raise Unauthenticated("missing bearer token")
    return actor_for_token(session, token=credentials.credentials.strip())


CurrentActor = Annotated[Actor, Depends(current_actor)]
