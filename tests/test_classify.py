"""The transcript classifier behind processing/intake is now triage (ticketing.triage): emergency rules over
text and pinyin with reasons, the trained model for type and matter, the menu choice for consultations,
matter → department through the catalogue, and rule files that can be replaced or break safely."""

from __future__ import annotations

import json

import pytest

from ticketing.org import service as org
from ticketing.triage import emergency
from ticketing.triage.flows import suggest


@pytest.fixture
def rules():
    return emergency.load_rules(None)


@pytest.mark.parametrize("text, service", [
    ("我家楼下着火了，有人被困在三楼", "119"),
    ("厨房里有很重的煤气味，怕是燃气泄漏", "119"),
    ("河边有人溺水，救命", "119"),
    ("路口两辆车追尾了，有人受伤", "122"),
    ("有人拿刀在小区里砍人", "110"),
])
def test_danger_words_are_urgent_name_the_service_and_the_words(rules, text, service):
    verdict = emergency.judge(text, rules)
    assert verdict.urgent and verdict.service == service
    assert any(h.found in text for h in verdict.hits)
    assert all(h.found in " ".join(verdict.reasons) for h in verdict.hits)


def test_ordinary_matter_is_not_urgent(rules):
    assert not emergency.judge("我想咨询一下社保卡怎么补办", rules).urgent


@pytest.mark.parametrize("text, expected", [
    ("我要投诉隔壁工地夜间施工噪音扰民，吵得睡不着", "complaint"),
    ("我要举报，有工厂偷排污水，你们查一下", "report"),
    ("请问一下社保卡补办需要哪些材料", "consult"),
])
def test_model_types(context, text, expected):
    assert suggest(context, text)["type"] == expected


def test_menu_consultation_wins_over_the_model_but_not_over_the_callers_own_words(context):
    hint = suggest(context, "路灯不亮好几天了，晚上很黑", menu_type="consult")
    assert hint["type"] == "consult" and any("菜单" in r for r in hint["reasons"])
    hint = suggest(context, "我要投诉路灯不亮", menu_type="consult")  # said after pressing the consult key
    assert hint["type"] == "complaint" and not any("菜单" in r for r in hint["reasons"])


def test_no_words_gives_a_low_confidence_suggestion(context):
    for text in ("", None, "喂喂", "hello there", "😀😀😀"):
        hint = suggest(context, text)
        assert hint["urgency"] == "normal" and hint["confidence"] < 0.3 and hint["type"]


def test_matter_becomes_department_through_the_database_catalogue(context, session):
    dept = org.create_department(session, code="cg-test", name="城管局", level="city")
    parent = org.create_category(session, code="17", name="城市管理")
    org.create_category(session, code="17006", name="路灯照明", parent_id=parent.id)
    org.create_dispatch_rule(session, category_id=parent.id, district=None, department_id=dept.id)
    session.commit()
    hint = suggest(context, "我们这条街的路灯不亮已经一周了，晚上黑乎乎的", session=session)
    assert hint["matter"]["code"] == "17006"
    assert hint["department"]["id"] == dept.id and "城管局" in hint["why"]


def test_custom_rules_file_is_read_and_reread(tmp_path):
    path = tmp_path / "rules.json"
    data = json.loads(emergency.DEFAULT_RULES.read_text(encoding="utf-8"))
    data["rules"].append({"service": "119", "reason": "井盖缺失", "words": ["井盖丢失"]})
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert emergency.judge("路口井盖丢失了", emergency.load_rules(path)).urgent
    data["rules"].pop()
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    import os
    os.utime(path, (1, 1))
    assert not emergency.judge("路口井盖丢失了", emergency.load_rules(path)).urgent


def test_broken_rules_file_falls_back_to_the_packaged_rules(tmp_path, settings):
    from ticketing.triage.suggest import engine_for

    path = tmp_path / "rules.json"
    path.write_text("not json", encoding="utf-8")
    engine = engine_for(settings.model_copy(update={"triage_rules_path": path}))
    assert engine.suggest("楼下着火了快来人")["urgency"] == "urgent"
