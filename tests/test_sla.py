"""Deadline policy: rule lookup, urgent wall-clock deadlines, extensions, lights and the cached loader."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from hotline.errors import NotFound, ValidationFailed
from hotline.settings import Settings
from ticketing.deadlines import service
from ticketing.deadlines.sla import DeadlinePolicy, RuleSpec, light_for
from ticketing.enums import Light

CST = timezone(timedelta(hours=8))


def local(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CST)


def eod(y, m, d) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=CST)


@pytest.fixture(scope="module")
def policy() -> DeadlinePolicy:
    return DeadlinePolicy.from_settings(Settings(_env_file=None))


# --- defaults -------------------------------------------------------------------------------------------
def test_normal_default_is_three_working_days(policy):
    assert policy.due(local(2026, 9, 25), urgency="normal", ticket_type=None) == eod(2026, 9, 30)
    assert policy.due(local(2026, 9, 30), urgency="normal", ticket_type="complaint") == eod(2026, 10, 10)


def test_urgent_is_24_wall_clock_hours_across_a_holiday(policy):
    accepted = local(2026, 9, 30, 20, 0)
    due = policy.due(accepted, urgency="urgent", ticket_type=None)
    assert due == local(2026, 10, 1, 20, 0)  # 10-01 is 国庆, no pause
    assert due.utcoffset() == timedelta(0)
    # Accepted on a holiday too: still 24 h.
    assert policy.due(local(2026, 10, 3, 9, 15), urgency="urgent", ticket_type="help") == local(2026, 10, 4, 9, 15)


def test_first_contact_is_one_working_day(policy):
    assert policy.due(local(2026, 9, 25), urgency="normal", ticket_type=None,
                      kind="first_contact") == eod(2026, 9, 28)
    # The urgent first contact nests inside the urgent 24-hour close (issue 17): one working day after
    # 30 Sep would be 8 Oct, long after the case itself is due.
    assert policy.due(local(2026, 9, 30), urgency="urgent", ticket_type=None,
                      kind="first_contact") == local(2026, 10, 1)


def test_settings_numbers_are_used():
    custom = DeadlinePolicy.from_settings(Settings(_env_file=None, normal_working_days=5, urgent_hours=2,
                                                   first_contact_working_days=2))
    # 09-25 -> 28, 29, 30, 10-08, 10-09.
    assert custom.due(local(2026, 9, 25), urgency="normal", ticket_type=None) == eod(2026, 10, 9)
    assert custom.due(local(2026, 9, 25), urgency="urgent", ticket_type=None) == local(2026, 9, 25, 12)
    assert custom.due(local(2026, 9, 25), urgency="normal", ticket_type=None,
                      kind="first_contact") == eod(2026, 9, 29)


def test_unknown_vocabulary_and_naive_times_are_rejected(policy):
    with pytest.raises(ValidationFailed):
        policy.due(local(2026, 9, 25), urgency="whenever", ticket_type=None)
    with pytest.raises(ValidationFailed):
        policy.due(local(2026, 9, 25), urgency="normal", ticket_type=None, kind="respond")  # reply is a kind since issue 15
    with pytest.raises(ValidationFailed):
        policy.due(datetime(2026, 9, 25, 10), urgency="normal", ticket_type=None)


# --- rules ------------------------------------------------------------------------------------------------
def test_exact_type_rule_beats_any_type_rule_beats_default():
    rules = {
        ("handle", None, "normal"): RuleSpec("working_days", 5),
        ("handle", "complaint", "normal"): RuleSpec("working_days", 1),
        ("handle", "report", "normal"): RuleSpec("hours", 48),
    }
    policy = DeadlinePolicy.from_settings(Settings(_env_file=None), rules=rules)
    accepted = local(2026, 9, 25)
    assert policy.due(accepted, urgency="normal", ticket_type="complaint") == eod(2026, 9, 28)
    assert policy.due(accepted, urgency="normal", ticket_type="consult") == eod(2026, 10, 9)
    assert policy.due(accepted, urgency="normal", ticket_type=None) == eod(2026, 10, 9)
    assert policy.due(accepted, urgency="normal", ticket_type="report") == local(2026, 9, 27, 10)
    assert policy.due(accepted, urgency="urgent", ticket_type="complaint") == local(2026, 9, 26, 10)


# --- extension --------------------------------------------------------------------------------------------
def test_extension_counts_working_days_after_the_old_due_day(policy):
    # Old due Wed 09-30 23:59:59; 3 more working days: 10-08, 10-09, 10-10 (调休 Saturday).
    assert policy.extend(eod(2026, 9, 30), 3) == eod(2026, 10, 10)
    # An urgent due at 20:00 on a holiday moves to the end of the first working day after it.
    assert policy.extend(local(2026, 10, 1, 20), 1) == eod(2026, 10, 8)


def test_extension_bounds(policy):
    with pytest.raises(ValidationFailed):
        policy.extend(eod(2026, 9, 30), 0)
    with pytest.raises(ValidationFailed):
        policy.extend(eod(2026, 9, 30), policy.max_extension_working_days + 1)
    assert policy.extend(eod(2026, 9, 30), policy.max_extension_working_days) > eod(2026, 10, 10)


# --- lights -----------------------------------------------------------------------------------------------
def test_light_boundaries():
    due = datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC)
    hours = 24
    assert light_for(due, due - timedelta(hours=hours), yellow_hours=hours) is Light.GREEN
    assert light_for(due, due - timedelta(hours=hours) + timedelta(microseconds=1),
                     yellow_hours=hours) is Light.YELLOW
    assert light_for(due, due - timedelta(seconds=1), yellow_hours=hours) is Light.YELLOW
    assert light_for(due, due, yellow_hours=hours) is Light.YELLOW  # the due second itself is on time
    assert light_for(due, due + timedelta(microseconds=1), yellow_hours=hours) is Light.RED
    assert light_for(due, due - timedelta(days=3), yellow_hours=hours) is Light.GREEN
    assert light_for(due, due - timedelta(hours=5), yellow_hours=4) is Light.GREEN


def test_light_of_closed_cases():
    due = datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC)
    later = due + timedelta(days=10)
    assert light_for(due, later, yellow_hours=24, closed_at=due) is Light.GREEN
    assert light_for(due, later, yellow_hours=24, closed_at=due - timedelta(hours=1)) is Light.GREEN
    assert light_for(due, later, yellow_hours=24, closed_at=due + timedelta(seconds=1)) is Light.RED
    assert light_for(due, due - timedelta(days=5), yellow_hours=24,
                     closed_at=due + timedelta(seconds=1)) is Light.RED


def test_policy_light_uses_its_yellow_hours():
    policy = DeadlinePolicy.from_settings(Settings(_env_file=None, yellow_hours=48))
    due = eod(2026, 9, 30)
    assert policy.light(due, due - timedelta(hours=30)) is Light.YELLOW
    assert policy.light(due, due - timedelta(hours=49)) is Light.GREEN


# --- loading from the database ----------------------------------------------------------------------------
def test_load_policy_without_rows_uses_settings(session, settings):
    policy = service.load_policy(session, settings=settings)
    assert policy.due(local(2026, 9, 25), urgency="normal", ticket_type=None) == eod(2026, 9, 30)


def test_load_policy_reads_rules_and_overrides_and_sees_edits(session, settings):
    first = service.load_policy(session, settings=settings)
    assert service.load_policy(session, settings=settings) is first  # cached
    service.upsert_rule(session, locality=settings.locality, kind="handle", ticket_type="complaint",
                        urgency="normal", unit="working_days", amount=1)
    service.upsert_rule(session, locality="elsewhere", kind="handle", ticket_type=None,
                        urgency="normal", unit="working_days", amount=9)
    service.upsert_override(session, day=date(2026, 9, 28), is_workday=False, note="local holiday")
    session.commit()
    policy = service.load_policy(session, settings=settings)
    assert policy is not first
    accepted = local(2026, 9, 25)
    assert policy.due(accepted, urgency="normal", ticket_type="complaint") == eod(2026, 9, 29)
    assert policy.due(accepted, urgency="normal", ticket_type="help") == eod(2026, 10, 8)
    # Upsert changes the same row instead of adding one.
    service.upsert_rule(session, locality=settings.locality, kind="handle", ticket_type="complaint",
                        urgency="normal", unit="hours", amount=6)
    session.commit()
    assert len(service.list_rules(session, locality=settings.locality)) == 1
    policy = service.load_policy(session, settings=settings)
    assert policy.due(accepted, urgency="normal", ticket_type="complaint") == local(2026, 9, 25, 16)


def test_load_policy_notices_rows_removed_behind_its_back(session, settings):
    service.upsert_override(session, day=date(2026, 9, 28), is_workday=False)
    session.commit()
    assert not service.load_policy(session, settings=settings).calendar.is_workday(date(2026, 9, 28))
    # Another process (or a test wipe) deletes with plain SQL: no invalidation in this process.
    session.execute(text("DELETE FROM holiday_overrides"))
    session.commit()
    assert service.load_policy(session, settings=settings).calendar.is_workday(date(2026, 9, 28))


def test_any_type_rule_with_null_type_is_upserted_once(session, settings):
    for amount in (4, 6):
        service.upsert_rule(session, locality=settings.locality, kind="first_contact", ticket_type=None,
                            urgency="normal", unit="working_days", amount=amount)
        session.commit()
    rows = service.list_rules(session, locality=settings.locality)
    assert [(r.ticket_type, r.amount) for r in rows] == [(None, 6)]
    service.delete_rule(session, locality=settings.locality, kind="first_contact", ticket_type=None,
                        urgency="normal")
    session.commit()
    assert service.list_rules(session) == []
    with pytest.raises(NotFound):
        service.delete_rule(session, locality=settings.locality, kind="first_contact", ticket_type=None,
                            urgency="normal")


def test_service_validates_rules(session, settings):
    for bad in ({"unit": "minutes"}, {"amount": -1}, {"kind": "respond"}, {"urgency": "soon"}):
        fields = {"locality": settings.locality, "kind": "handle", "ticket_type": None, "urgency": "normal",
                  "unit": "working_days", "amount": 3} | bad
        with pytest.raises(ValidationFailed):
            service.upsert_rule(session, **fields)
