"""Agent phones: SIP digest credentials (HA1 = md5(user:realm:password), the password is never stored)."""

from __future__ import annotations

import hashlib
import re
import secrets
import string

from acd import service
from acd.models import AgentPhone, AgentStatus
from hotline.context import AppContext
from hotline.database import utcnow
from hotline.errors import Conflict, NotFound, ValidationFailed

EXTENSION = re.compile(r"^[0-9]{2,8}$")
AGENT_ROLES = ("agent", "supervisor", "admin")
SKILLS = ("urgent", "dialect", "domain")
_ALPHABET = string.ascii_letters + string.digits


def digest_ha1(username: str, realm: str, password: str) -> str:
    return hashlib.md5(f"{username}:{realm}:{password}".encode()).hexdigest()  # RFC 2617 digest: what SIP phones expect


def check_skills(skills: list[str]) -> list[str]:
    """Skill tags: urgent, dialect, domain, or a specific one as `dialect:粤语` / `domain:社保`."""
    clean = []
    for skill in skills:
        skill = skill.strip()
        if not skill:
            continue
        if skill.split(":", 1)[0] not in SKILLS or len(skill) > 40:
            raise ValidationFailed(f"unknown skill {skill!r}: use urgent, dialect[:name] or domain[:name]",
                                   field="skills")
        clean.append(skill)
    return sorted(set(clean))


def set_phone(ctx: AppContext, *, username: str, extension: str, password: str | None = None,
              skills: list[str] | None = None) -> tuple[dict, str | None]:
    """Create or update the agent's phone; returns (phone row, the generated password or None)."""
    extension = extension.strip()
    if not EXTENSION.match(extension):
        raise ValidationFailed("extension must be 2 to 8 digits", field="extension")
    generated = None
    if password is None:
        generated = password = "".join(secrets.choice(_ALPHABET) for _ in range(ctx.settings.acd_password_length))
    if len(password) < ctx.settings.password_min_length:
        raise ValidationFailed(f"password must have at least {ctx.settings.password_min_length} characters",
                               field="password")
    realm = ctx.settings.acd_sip_realm
    with ctx.sessions() as session:
        user = service.user_by_username(session, username=username)
        if user is None or not user.active:
            raise NotFound(f"no active user {username!r}", field="username")
        if user.role not in AGENT_ROLES:
            raise ValidationFailed(f"user {username!r} is {user.role}; agent phones are for agents", field="username")
        taken = service.phone_by_extension(session, extension=extension)
        if taken is not None and taken.user_id != user.id:
            raise Conflict(f"extension {extension} belongs to another agent", field="extension")
        phone = service.phone_of_user(session, user_id=user.id)
        if phone is None:
            phone = AgentPhone(user_id=user.id, username=user.username)
            session.add(phone)
        phone.extension, phone.realm, phone.ha1, phone.updated_at = extension, realm, digest_ha1(
            user.username, realm, password), utcnow()
        status = session.get(AgentStatus, user.id)
        if status is None:
            status = AgentStatus(user_id=user.id, state="logged_out", skills=[], state_since=utcnow())
            session.add(status)
        if skills is not None:
            status.skills = check_skills(skills)
        session.commit()
        return phone_row(phone, user, status), generated


def phone_row(phone: AgentPhone, user, status: AgentStatus | None) -> dict:
    return {"username": phone.username, "display_name": user.display_name, "extension": phone.extension,
            "realm": phone.realm, "state": status.state if status else "logged_out",
            "reason": status.reason if status else None, "skills": list(status.skills) if status else [],
            "updated_at": phone.updated_at}


def list_phones(session) -> list[dict]:
    return [phone_row(p, u, s) for p, u, s in service.phones(session)]
