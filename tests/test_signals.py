"""Deadline signals right by construction (issue 17) and defined once (issue 12): property tests over every
rule set, and the SQL light equal to the Python light on both backends."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import select

from hotline.settings import Settings
from ticketing.deadlines.rulesets import preset_names
from ticketing.deadlines.signals import (
    Clock,
    case_light,
    case_light_expr,
    light_condition,
    limit_lights,
    next_due,
)
from ticketing.deadlines.sla import DeadlinePolicy
from ticketing.enums import Channel, Complexity, Light, Status, TicketType, Urgency
from ticketing.models import Ticket

SETTINGS = Settings(_env_file=None)
POLICIES = {name: DeadlinePolicy.from_settings(SETTINGS, locality=name) for name in ["default", *preset_names()]}
RANK = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}
OPEN = [s.value for s in Status if s not in (Status.CLOSED, Status.MERGED)]


@dataclass
class Case:
    """The ticket columns the signals read."""

    status: str
    accepted_at: datetime
    due_at: datetime
    reply_due_at: datetime | None
    first_contact_due_at: datetime | None
    first_contact_at: datetime | None = None
    replied_at: datetime | None = None
    closed_at: datetime | None = None


moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20),
                       timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0))
keys = st.tuples(st.sampled_from(sorted(POLICIES)), st.sampled_from(list(TicketType)), st.sampled_from(list(Urgency)),
                 st.sampled_from(list(Complexity)), st.sampled_from(list(Channel)))


def _limits(key, accepted):
    name, ticket_type, urgency, complexity, channel = key
    return POLICIES[name].limits(accepted, urgency=urgency.value, ticket_type=ticket_type.value,
                                 complexity=complexity.value, channel=channel.value)


def _case(limits, accepted, status="accepted", **met) -> Case:
    return Case(status=status, accepted_at=accepted, due_at=limits.handle, reply_due_at=limits.reply,
                first_contact_due_at=limits.first_contact, **met)


def _clock(now) -> Clock:
    return Clock(now=now, yellow_hours=SETTINGS.yellow_hours, yellow_share=SETTINGS.yellow_share)


@hyp_settings(max_examples=300, deadline=None)
@given(key=keys, accepted=moments)
def test_limits_nest_and_no_case_is_born_yellow_or_red(key, accepted):
    limits = _limits(key, accepted)
    assert accepted <= limits.first_contact <= limits.reply <= limits.handle
    name, ticket_type, urgency, complexity, channel = key
    for kind in ("first_contact", "reply", "handle"):  # due() takes a shorter path to the same answer
        assert POLICIES[name].due(accepted, kind=kind, urgency=urgency.value, ticket_type=ticket_type.value,
                                  complexity=complexity.value, channel=channel.value) == getattr(limits, kind)
    case = _case(limits, accepted)
    assert case_light(case, _clock(accepted)) == Light.GREEN
    assert set(limit_lights(case, _clock(accepted)).values()) == {"green"}


@hyp_settings(max_examples=300, deadline=None)
@given(key=keys, accepted=moments, offsets=st.lists(st.integers(0, 40 * 24 * 3600), min_size=2, max_size=6),
       contacted=st.one_of(st.none(), st.integers(0, 20 * 24 * 3600)))
def test_lights_only_move_forward_while_the_limits_stay(key, accepted, offsets, contacted):
    limits = _limits(key, accepted)
    met = {"first_contact_at": accepted + timedelta(seconds=contacted)} if contacted is not None else {}
    case = _case(limits, accepted, **met)
    seen = [case_light(case, _clock(accepted + timedelta(seconds=s))) for s in sorted(offsets)]
    assert [RANK[light] for light in seen] == sorted(RANK[light] for light in seen)
    per_limit = [limit_lights(case, _clock(accepted + timedelta(seconds=s))) for s in sorted(offsets)]
    for name in ("first_contact", "reply", "handle"):
        ranks = [RANK[Light(lights[name])] for lights in per_limit]
        assert ranks == sorted(ranks), name


@hyp_settings(max_examples=200, deadline=None)
@given(key=keys, accepted=moments)
def test_a_missed_first_contact_shows(key, accepted):
    limits = _limits(key, accepted)
    if limits.first_contact == limits.handle:
        return  # nothing between the two limits to see
    after = limits.first_contact + timedelta(seconds=1)
    case = _case(limits, accepted)
    assert case_light(case, _clock(after)) == Light.RED  # the limit next due is overdue
    late = _case(limits, accepted, first_contact_at=after)
    assert limit_lights(late, _clock(after + timedelta(seconds=1)))["first_contact"] == "red"


def test_a_24_hour_urgent_case_turns_yellow_halfway():
    accepted = datetime(2026, 11, 4, 2, 0, tzinfo=UTC)
    case = _case(POLICIES["default"].limits(accepted, urgency="urgent", ticket_type="help"), accepted)
    assert case_light(case, _clock(accepted + timedelta(hours=11, minutes=59))) == Light.GREEN
    assert case_light(case, _clock(accepted + timedelta(hours=12, seconds=1))) == Light.YELLOW
    assert case_light(case, _clock(accepted + timedelta(hours=24, seconds=1))) == Light.RED


# --- the SQL twin ---------------------------------------------------------------------------------------------


def _random_cases(rng: random.Random, now: datetime, n: int) -> list[dict]:
    rows = []
    for i in range(n):
        accepted = now - timedelta(seconds=rng.randint(0, 20 * 86400))
        handle = accepted + timedelta(seconds=rng.randint(0, 25 * 86400))
        reply = rng.choice([None, accepted + timedelta(seconds=rng.randint(0, int((handle - accepted).total_seconds())))])
        first = rng.choice([None, accepted + timedelta(seconds=rng.randint(0, int(((reply or handle) - accepted).total_seconds())))])
        status = rng.choice([*OPEN, "closed", "merged"])
        row = {"number": f"SIG{i:05d}", "status": status, "accepted_at": accepted, "due_at": handle,
               "reply_due_at": reply, "first_contact_due_at": first,
               "first_contact_at": rng.choice([None, accepted + timedelta(seconds=rng.randint(0, 30 * 86400))]),
               "replied_at": rng.choice([None, accepted + timedelta(seconds=rng.randint(0, 30 * 86400))]),
               "closed_at": accepted + timedelta(seconds=rng.randint(0, 30 * 86400)) if status == "closed" else None}
        rows.append(row)
    # the exact boundaries: due now, yellow window starting now
    rows[0].update(status="accepted", due_at=now, reply_due_at=None, first_contact_due_at=None, closed_at=None)
    rows[1].update(status="accepted", accepted_at=now - timedelta(hours=10), due_at=now + timedelta(hours=10),
                   reply_due_at=None, first_contact_due_at=None, closed_at=None)
    return rows


def test_sql_light_equals_python_light(session):
    now = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    rows = _random_cases(random.Random(15), now, 400)
    for row in rows:
        session.add(Ticket(channel="phone", ticket_type="help", title="t", content="c", urgency="normal",
                           created_at=row["accepted_at"], **row))
    session.commit()
    dialect = session.get_bind().dialect.name
    for share, hours in ((0.5, 24), (0.25, 24), (0.9, 6)):
        clock = Clock(now=now, yellow_hours=hours, yellow_share=share)
        expected = {r["number"]: case_light(Case(**{k: v for k, v in r.items() if k != "number"}), clock).value
                    for r in rows}
        got = dict(session.execute(select(Ticket.number, case_light_expr(clock, dialect=dialect))).all())
        assert got == expected, (share, hours)
        for light in Light:
            numbers = set(session.scalars(select(Ticket.number).where(light_condition(light, clock, dialect=dialect))))
            assert numbers == {n for n, v in expected.items() if v == light.value
                               and next(r for r in rows if r["number"] == n)["status"] in OPEN}, light
            everywhere = set(session.scalars(select(Ticket.number).where(
                light_condition(light, clock, dialect=dialect, open_only=False))))
            assert everywhere == {n for n, v in expected.items() if v == light.value}, light
        assert set(expected.values()) == {"green", "yellow", "red"}
    ticket = session.scalars(select(Ticket).where(Ticket.number == "SIG00001")).one()
    assert next_due(ticket) == now + timedelta(hours=10)
