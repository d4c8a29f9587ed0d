"""Early warning: the Poisson spike detector on synthetic counts, the scan over stored cases (spike and
群体性), one alert per ongoing spike, and the recorded hand-off to a unit."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from hotline.errors import ValidationFailed
from reports import warnings
from reports.models import Alert, AlertHandoff
from tests.factories import build_org
from tests.reports_support import AGENT, SUPERVISOR, move
from ticketing import flows
from ticketing.schemas import TicketCreate


def test_poisson_tail_matches_the_textbook():
    assert warnings.poisson_tail(0, 3.0) == 1.0
    assert warnings.poisson_tail(1, 2.0) == pytest.approx(1 - math.exp(-2))
    assert warnings.poisson_tail(3, 1.0) == pytest.approx(1 - math.exp(-1) * (1 + 1 + 0.5))
    assert warnings.poisson_tail(400, 300.0) < 1e-6  # no overflow for large counts


def test_detector_on_synthetic_counts():
    rng = random.Random(15)

    def poisson(lam: float) -> int:  # Knuth
        limit, k, p = math.exp(-lam), 0, 1.0
        while p > limit:
            k += 1
            p *= rng.random()
        return k - 1

    keys = [(c, a) for c in range(1, 11) for a in ("chaoyang", "haidian", "")]
    rates = {k: 2.0 + (k[0] % 4) for k in keys}
    baselines = [{k: poisson(rates[k]) for k in keys} for _ in range(4)]
    current = {k: poisson(rates[k]) for k in keys}
    current[(3, "chaoyang")] = 30  # the spike: rate 5 → 30
    spikes = warnings.detect(current, baselines, p_value=0.001, min_cases=5)
    assert [s.key for s in spikes] == [(3, "chaoyang")]
    assert spikes[0].observed == 30 and 3 < spikes[0].expected < 8
    # below the minimum count nothing is a spike, however unusual
    assert warnings.detect({(1, "x"): 4}, [{}, {}], p_value=0.001, min_cases=5) == []
    # a matter never seen before with a burst of cases is a spike (prior rate, not zero)
    assert [s.key for s in warnings.detect({(9, "y"): 6}, [{}, {}, {}, {}], p_value=0.001, min_cases=5)] == [(9, "y")]


def _cases(context, *, category, district, when, phones):
    numbers = []
    for phone in phones:
        n = flows.create_ticket(context, data=TicketCreate(channel="phone", ticket_type="complaint",
                                                           content="小区噪音扰民", caller_phone=phone,
                                                           category_id=category, district=district), actor=AGENT)
        move(context, n, when)
        numbers.append(n)
    return numbers


def test_scan_raises_spike_and_group_alerts_and_hands_off(context):
    org = build_org(context)
    end = datetime(2026, 11, 20, 4, 0, tzinfo=context.settings.tz)
    inside = end - timedelta(hours=2)
    for weeks in (1, 2, 3, 4):  # the usual: one noise case a week at this time
        _cases(context, category=org.cat_noise, district="chaoyang", when=inside - timedelta(weeks=weeks),
               phones=["13800000000"])
    spike = _cases(context, category=org.cat_noise, district="chaoyang", when=inside,
                   phones=[f"1380000{i:04d}" for i in range(8)])
    _cases(context, category=org.cat_roads, district="haidian", when=inside, phones=["13911112222"] * 2)
    assert warnings.scan(context, end=end) == {"spike": 1, "group": 1}
    found = warnings.alerts(context, actor=SUPERVISOR)
    by_kind = {a["kind"]: a for a in found}
    assert set(by_kind) == {"spike", "group"}
    assert (by_kind["spike"]["matter"], by_kind["spike"]["district"], by_kind["spike"]["observed"]) == (
        "噪音扰民", "chaoyang", 8)
    assert sorted(by_kind["spike"]["cases"]) == sorted(spike)
    assert by_kind["group"]["callers"] == 8
    # the window moves on an hour: the same spike is brought up to date, not raised again
    warnings.scan(context, end=end + timedelta(hours=1))
    with context.reader() as s:
        assert s.scalar(select(Alert.id).where(Alert.kind == "spike").offset(1)) is None
    alert_id = by_kind["spike"]["id"]
    with pytest.raises(ValidationFailed):
        warnings.hand_off(context, alert_id=alert_id, unit="外星人", note=None, actor=SUPERVISOR)
    assert "望京街道" in warnings.units(context)
    warnings.hand_off(context, alert_id=alert_id, unit="公安局", note="夜间施工噪音，请关注", actor=SUPERVISOR)
    with context.reader() as s:
        handoff = s.scalars(select(AlertHandoff)).one()
        assert (handoff.unit, handoff.actor_name, handoff.note) == ("公安局", "boss", "夜间施工噪音，请关注")
        assert s.get(Alert, alert_id).status == "handed_off"
    assert warnings.open_count(context) == 1  # the group alert is still open


def test_quiet_window_raises_nothing(context):
    org = build_org(context)
    end = datetime(2026, 11, 20, 4, 0, tzinfo=context.settings.tz)
    for weeks in range(5):
        _cases(context, category=org.cat_noise, district="chaoyang", when=end - timedelta(weeks=weeks, hours=1),
               phones=[f"139{weeks:08d}", f"137{weeks:08d}"])
    assert warnings.scan(context, end=end) == {"spike": 0, "group": 0}
