"""Abuse screening flows: incidents, warning, proposed/confirmed graded blacklist, expiry, appeal, audit,
number normalisation and the caller screen's attempt log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from abuse import flows, service
from abuse.models import AbuseAudit, BlacklistEntry, BlockedAttempt
from abuse.screen import abuse_screen
from abuse.sweep import expire_due
from hotline.database import utcnow
from hotline.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ticketing.org.auth import Actor

MOBILE = "13800138000"


@pytest.fixture
def people(users):
    agent, _ = users("agent")
    boss, _ = users("supervisor")
    return Actor.of(agent), Actor.of(boss)


def _actions(context, caller=MOBILE):
    with context.sessions() as s:
        return [a.action for a in s.scalars(select(AbuseAudit).where(AbuseAudit.caller == caller)
                                            .order_by(AbuseAudit.id))]


@pytest.mark.parametrize("raw", ["+86 138 0013 8000", "0086-13800138000", "13800138000", "+8613800138000"])
def test_number_forms_match_one_caller(raw):
    assert flows.caller_number(raw) == MOBILE


def test_landline_forms_match():
    assert flows.caller_number("+86 10 1234 5678") == flows.caller_number("010-12345678") == "01012345678"


def test_first_incident_warns_second_proposes_a_one_day_blacklist(context, people):
    agent, boss = people
    first = flows.report_incident(context, actor=agent, kind="insult", note="骂接线员", caller="+86 138 0013 8000")
    assert first["incident"]["caller"] == MOBILE and first["proposed"] is None
    assert flows.screen_caller(context, caller=MOBILE).reason == flows.WARNING
    assert flows.mark_warned(context, caller=MOBILE) == 1
    assert flows.screen_caller(context, caller=MOBILE).reason is None

    second = flows.report_incident(context, actor=agent, kind="threat", note="扬言报复", caller="0086-13800138000")
    proposal = second["proposed"]
    assert proposal["status"] == "proposed" and proposal["days"] == 1 and proposal["level"] == 1
    assert sorted(proposal["incident_ids"]) == sorted([first["incident"]["id"], second["incident"]["id"]])
    assert not flows.screen_caller(context, caller=MOBILE).blocked   # proposed only: not yet effective

    with pytest.raises(PermissionDenied):
        flows.confirm(context, actor=agent, entry_id=proposal["id"])
    entry = flows.confirm(context, actor=boss, entry_id=proposal["id"], reason="录音核实")
    assert entry["status"] == "active" and entry["confirmed_by"] == boss.id
    assert entry["expires_at"] - entry["starts_at"] == timedelta(days=1)
    assert _actions(context) == ["incident", "warned", "incident", "proposed", "confirmed"]


def test_blocked_caller_screen_logs_every_attempt(context, people):
    _, boss = people
    entry = flows.blacklist(context, actor=boss, caller="+86 13800138000", days=3, reason="恶意占线")
    screen = abuse_screen(context)
    results = [screen.screen(MOBILE) for _ in range(3)]
    assert all(r.blocked for r in results) and "blacklist entry" in results[0].reason
    assert not screen.screen("13900139000").blocked and not screen.screen(None).blocked
    with context.sessions() as s:
        attempts = list(s.scalars(select(BlockedAttempt)))
    assert [(a.caller, a.entry_id) for a in attempts] == [(MOBILE, entry["id"])] * 3


def test_entries_expire_by_the_sweep_and_the_ladder_grows(context, people):
    agent, boss = people
    for _ in range(2):
        proposal = flows.report_incident(context, actor=agent, kind="insult", caller=MOBILE)["proposed"]
    active = flows.confirm(context, actor=boss, entry_id=proposal["id"])
    later = active["expires_at"] + timedelta(seconds=1)
    assert not flows.screen_caller(context, caller=MOBILE, now=later).blocked   # expired even before the sweep
    assert expire_due(context, now=active["expires_at"] - timedelta(seconds=1)) == 0
    assert expire_due(context, now=later) == 1
    assert expire_due(context, now=later) == 0   # idempotent
    with context.sessions() as s:
        assert s.get(BlacklistEntry, active["id"]).status == "expired"
    assert _actions(context)[-1] == "expired"

    nxt = flows.report_incident(context, actor=agent, kind="pestering", caller=MOBILE)["proposed"]
    assert nxt["level"] == 2 and nxt["days"] == 7
    flows.reject(context, actor=boss, entry_id=nxt["id"], reason="情有可原")
    third = flows.report_incident(context, actor=agent, kind="pestering", caller=MOBILE)["proposed"]
    assert third["level"] == 2 and third["days"] == 7   # a rejected proposal does not climb the ladder


def test_ladder_steps_come_from_settings(context, people):
    agent, boss = people
    context.settings.abuse_blacklist_days = [2, 5]
    context.settings.abuse_blacklist_threshold = 1
    for expected in (2, 5, 5):
        entry = flows.report_incident(context, actor=agent, kind="insult", caller=MOBILE)["proposed"]
        assert entry["days"] == expected
        flows.confirm(context, actor=boss, entry_id=entry["id"])
        flows.lift(context, actor=boss, entry_id=entry["id"], reason="提前解除")


def test_incidents_outside_the_window_do_not_count(context, people):
    agent, _ = people
    flows.report_incident(context, actor=agent, kind="insult", caller=MOBILE)
    with context.sessions() as s:
        for incident in service.list_incidents(s, caller=MOBILE):
            incident.created_at = utcnow() - timedelta(days=context.settings.abuse_window_days + 1)
        s.commit()
    assert flows.report_incident(context, actor=agent, kind="insult", caller=MOBILE)["proposed"] is None


def test_appeal_granted_lifts_and_does_not_count(context, people):
    agent, boss = people
    entry = flows.blacklist(context, actor=boss, caller=MOBILE, days=30, reason="多次辱骂")
    with pytest.raises(ValidationFailed):
        flows.appeal(context, actor=agent, entry_id=entry["id"], text=" ")
    pending = flows.appeal(context, actor=agent, entry_id=entry["id"], text="本人手机被他人借用，申请解除")
    assert pending["appeal_status"] == "pending" and pending["status"] == "active"
    with pytest.raises(InvalidTransition):
        flows.appeal(context, actor=agent, entry_id=entry["id"], text="再次申请")
    with pytest.raises(PermissionDenied):
        flows.decide_appeal(context, actor=agent, entry_id=entry["id"], grant=True, reason="x")
    done = flows.decide_appeal(context, actor=boss, entry_id=entry["id"], grant=True, reason="核实属实")
    assert done["status"] == "lifted" and done["appeal_status"] == "granted" and done["ended_at"] is not None
    assert not flows.screen_caller(context, caller=MOBILE).blocked
    with pytest.raises(InvalidTransition):
        flows.decide_appeal(context, actor=boss, entry_id=entry["id"], grant=False, reason="again")
    with pytest.raises(InvalidTransition):
        flows.lift(context, actor=boss, entry_id=entry["id"], reason="already ended")
    with context.sessions() as s:
        audit = service.audit_for(s, entry_id=entry["id"])
        assert [(a.action, a.actor_id) for a in audit] == [
            ("blacklisted", boss.id), ("appealed", agent.id), ("appeal_granted", boss.id)]
        assert audit[-1].reason == "核实属实"


def test_appeal_denied_keeps_the_block(context, people):
    agent, boss = people
    entry = flows.blacklist(context, actor=boss, caller=MOBILE, days=7, reason="威胁")
    flows.appeal(context, actor=agent, entry_id=entry["id"], text="申诉")
    done = flows.decide_appeal(context, actor=boss, entry_id=entry["id"], grant=False, reason="录音证据确凿")
    assert done["status"] == "active" and done["appeal_status"] == "denied"
    assert flows.screen_caller(context, caller=MOBILE).blocked


def test_manual_blacklist_rules(context, people):
    agent, boss = people
    with pytest.raises(PermissionDenied):
        flows.blacklist(context, actor=agent, caller=MOBILE, days=1, reason="x")
    with pytest.raises(ValidationFailed):
        flows.blacklist(context, actor=boss, caller=MOBILE, days=1, reason="  ")
    with pytest.raises(ValidationFailed):
        flows.blacklist(context, actor=boss, caller="abc", days=1, reason="x")
    flows.blacklist(context, actor=boss, caller=MOBILE, days=1, reason="x")
    with pytest.raises(InvalidTransition):
        flows.blacklist(context, actor=boss, caller="+8613800138000", days=1, reason="again")


def test_unknown_kind_is_refused(context, people):
    agent, _ = people
    with pytest.raises(ValidationFailed):
        flows.report_incident(context, actor=agent, kind="rude", caller=MOBILE)
