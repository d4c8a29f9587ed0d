"""The ticket lifecycle as data: which action may run from which status, by whom, and where it leads.

registered → triaged → dispatched → accepted → replied → closed, with the side roads
退单 (return) → 异议审核 (review: uphold = 改派 to another department, or reject), 延期 (extension),
督办 (supervise), reopen (再督办 after a dissatisfied return visit) and 并单 (merge into another case).
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.errors import InvalidTransition, PermissionDenied
from ticketing.enums import OPEN_STATUSES, Role, Status

S = Status
HOTLINE_STAFF = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
DEPARTMENT = frozenset({Role.DEPARTMENT})


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status]
    target: Status | None  # None: the status does not change
    roles: frozenset[Role]
    label_zh: str


def _t(sources, target, roles, label) -> Transition:
    return Transition(frozenset(sources), target, frozenset(roles), label)


TRANSITIONS: dict[str, Transition] = {
    "create": _t([], S.REGISTERED, HOTLINE_STAFF | {Role.SYSTEM}, "登记"),
    "triage": _t([S.REGISTERED, S.TRIAGED], S.TRIAGED, HOTLINE_STAFF, "分类"),
    "answer": _t([S.REGISTERED, S.TRIAGED], S.CLOSED, HOTLINE_STAFF, "直接答复办结"),
    "dispatch": _t([S.TRIAGED], S.DISPATCHED, HOTLINE_STAFF, "派单"),
    "accept": _t([S.DISPATCHED], S.ACCEPTED, DEPARTMENT, "签收"),
    "contact": _t([S.DISPATCHED, S.ACCEPTED], None, DEPARTMENT, "首次联系"),
    "note": _t(OPEN_STATUSES, None, DEPARTMENT | HOTLINE_STAFF, "办理进展"),
    "reply": _t([S.ACCEPTED], S.REPLIED, DEPARTMENT, "答复"),
    "close": _t([S.REPLIED], S.CLOSED, HOTLINE_STAFF, "办结"),
    "send_back": _t([S.REPLIED], S.ACCEPTED, HOTLINE_STAFF, "退回重办"),
    "return": _t([S.DISPATCHED, S.ACCEPTED], S.RETURNED, DEPARTMENT, "退单"),
    "review_return": _t([S.RETURNED], None, SUPERVISORS, "异议审核"),
    "request_extension": _t([S.ACCEPTED], None, DEPARTMENT, "申请延期"),  # only after 签收
    "decide_extension": _t(OPEN_STATUSES, None, SUPERVISORS, "延期审批"),
    "supervise": _t([S.TRIAGED, S.DISPATCHED, S.ACCEPTED, S.RETURNED, S.REPLIED], None, SUPERVISORS, "督办"),
    "reopen": _t([S.CLOSED], None, SUPERVISORS | {Role.SYSTEM}, "重启"),
    "merge": _t([S.REGISTERED, S.TRIAGED, S.DISPATCHED, S.ACCEPTED, S.RETURNED], S.MERGED, HOTLINE_STAFF,
                "并单"),
    "listen": _t(list(S), None, HOTLINE_STAFF | DEPARTMENT, "收听录音"),  # audit of a recording access
    "light": _t(OPEN_STATUSES, None, {Role.SYSTEM}, "灯色变化"),
    "overdue": _t(OPEN_STATUSES, None, {Role.SYSTEM}, "超期"),
    "transcribe": _t(list(S), None, {Role.SYSTEM}, "录音转写"),  # a late transcript of a phone case
    "rate": _t([S.CLOSED], None, {Role.SYSTEM}, "回访评价"),  # the return visit's rating (callbacks/)
    # triage (issue 11): dispatch by the suggestion, its undo, and the emergency hand-off record
    "auto_dispatch": _t([S.REGISTERED], S.DISPATCHED, {Role.SYSTEM}, "自动派单"),
    "undo_auto_dispatch": _t([S.DISPATCHED], S.TRIAGED, HOTLINE_STAFF, "撤回自动派单"),
    "handoff": _t(list(S), None, HOTLINE_STAFF, "转警/转急救"),
    "escalate": _t(OPEN_STATUSES, None, {Role.SYSTEM}, "升级为紧急"),  # a late transcript tells of danger
}


def check(action: str, *, status: str | None, role: Role) -> Transition:
    """Return the transition if `role` may run `action` on a ticket in `status`; raise otherwise.

    Role is checked first: someone who may never do this learns 403, not the ticket's state."""
    transition = TRANSITIONS[action]
    if role not in transition.roles:
        raise PermissionDenied(f"role {role.value} may not {action}", action=action)
    if status is not None and Status(status) not in transition.sources:
        raise InvalidTransition(
            f"cannot {action} a ticket that is {status}",
            action=action, status=status, allowed_from=sorted(s.value for s in transition.sources),
        )
    return transition


def allowed_actions(*, status: str, role: Role) -> list[str]:
    """Actions a role could take now (the console shows these as buttons)."""
    return [
        name for name, t in TRANSITIONS.items()
        if name not in ("create", "light", "overdue", "listen") and role in t.roles and Status(status) in t.sources
    ]
