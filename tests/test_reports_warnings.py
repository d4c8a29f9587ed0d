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


def _cases(context, *, category, district, when, phones, address="望京西路1号"):
    numbers = []
    for i, phone in enumerate(phones):
        place = address if address is not None else f"望京西路{i + 10}号"
        n = flows.create_ticket(context, data=TicketCreate(channel="phone", ticket_type="complaint",
                                                           content="小区噪音扰民", caller_phone=phone,
                                                           category_id=category, district=district,
                                                           address=place), actor=AGENT)
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
    # as many callers on the same matter in the same area, but each at another address: no 群体性
    _cases(context, category=org.cat_roads, district="chaoyang", when=inside,
           phones=[f"1370000{i:04d}" for i in range(8)], address=None)
    _cases(context, category=org.cat_roads, district="haidian", when=inside, phones=["13911112222"] * 2)
    assert warnings.scan(context, end=end) == {"spike": 2, "group": 1}  # roads in chaoyang spiked too
    found = warnings.alerts(context, actor=SUPERVISOR)
    spikes = {a["matter"]: a for a in found if a["kind"] == "spike"}
    groups = [a for a in found if a["kind"] == "group"]
    assert set(spikes) == {"噪音扰民", "道路设施"} and len(groups) == 1
    assert (spikes["噪音扰民"]["district"], spikes["噪音扰民"]["observed"]) == ("chaoyang", 8)
    assert sorted(spikes["噪音扰民"]["cases"]) == sorted(spike)
    by_kind = {"spike": spikes["噪音扰民"], "group": groups[0]}
    assert (by_kind["group"]["callers"], by_kind["group"]["place"], by_kind["group"]["matter"]) == (
        8, "望京西路1号", "噪音扰民")
    # the window moves on an hour: the same spike is brought up to date, not raised again
    warnings.scan(context, end=end + timedelta(hours=1))
    with context.reader() as s:
        assert len(list(s.scalars(select(Alert.id).where(Alert.kind == "spike")))) == 2
    alert_id = by_kind["spike"]["id"]
    with pytest.raises(ValidationFailed):
        warnings.hand_off(context, alert_id=alert_id, unit="外星人", note=None, actor=SUPERVISOR)
    assert "望京街道" in warnings.units(context)
    warnings.hand_off(context, alert_id=alert_id, unit="公安局", note="夜间施工噪音，请关注", actor=SUPERVISOR)
    with context.reader() as s:
        handoff = s.scalars(select(AlertHandoff)).one()
        assert (handoff.unit, handoff.actor_name, handoff.note) == ("公安局", "boss", "夜间施工噪音，请关注")
        assert s.get(Alert, alert_id).status == "handed_off"
    assert warnings.open_count(context) == 2  # the other spike and the group alert are still open


def test_quiet_window_raises_nothing(context):
    org = build_org(context)
    end = datetime(2026, 11, 20, 4, 0, tzinfo=context.settings.tz)
    for weeks in range(5):
        _cases(context, category=org.cat_noise, district="chaoyang", when=end - timedelta(weeks=weeks, hours=1),
               phones=[f"139{weeks:08d}", f"137{weeks:08d}"])
    assert warnings.scan(context, end=end) == {"spike": 0, "group": 0}


def test_hot_topics_rank_matter_and_area_with_their_baseline(context):
    org = build_org(context)
    end = datetime(2026, 11, 20, 4, 0, tzinfo=context.settings.tz)
    _cases(context, category=org.cat_noise, district="chaoyang", when=end - timedelta(hours=1),
           phones=["13900000001", "13900000002", "13900000003"])
    _cases(context, category=org.cat_roads, district=None, when=end - timedelta(hours=2), phones=["13900000004"])
    _cases(context, category=org.cat_noise, district="chaoyang", when=end - timedelta(weeks=1, hours=1),
           phones=["13900000005", "13900000006"])
    hot = warnings.hot_topics(context, actor=SUPERVISOR, end=end)
    assert [(h["matter"], h["area"], h["cases"], h["expected"]) for h in hot] == [
        ("噪音扰民", "朝阳区", 3, 0.5), ("道路设施", "未填区域", 1, 0.0)]
