"""The first transcript classifier: keyword rules with reasons, menu choice for consultations, category →
department through the dispatch catalogue, configurable tables."""

from __future__ import annotations

import json

import pytest

from hotline.errors import ConfigurationError
from ticketing import classify
from ticketing.org import service as org


@pytest.fixture
def rules():
    return classify.load_rules(None)


@pytest.mark.parametrize("text, words", [
    ("我家楼下着火了，有人被困在三楼", ("着火", "被困")),
    ("厨房里有很重的煤气味，怕是燃气泄漏", ("燃气泄漏", "煤气味")),
    ("小区外墙坍塌了", ("坍塌",)),
    ("河边有人溺水，救命", ("救命", "溺水")),
])
def test_danger_words_suggest_urgent_and_name_the_words(rules, text, words):
    result = classify.classify(text, rules=rules)
    assert result.urgency is not None and result.urgency.value == "urgent"
    assert set(result.urgency.words) == set(words)
    for word in words:
        assert word in result.urgency.reason


def test_ordinary_matter_is_not_urgent(rules):
    assert classify.classify("我想咨询一下社保卡怎么补办", rules=rules).urgency is None


@pytest.mark.parametrize("text, expected", [
    ("我要投诉隔壁工地夜间施工噪音扰民", "complaint"),
    ("我举报有工厂偷排污水", "report"),
    ("请问社保卡怎么办理，需要哪些材料", "consult"),
    ("我建议在路口增加一个红绿灯", "suggestion"),
    ("我想表扬一下社区的王书记，非常感谢", "praise"),
    ("家里停水三天了，想求助一下", "help"),
])
def test_type_rules(rules, text, expected):
    result = classify.classify(text, rules=rules)
    assert result.ticket_type is not None and result.ticket_type.value == expected
    assert all(word in text for word in result.ticket_type.words)
    assert all(word in result.ticket_type.reason for word in result.ticket_type.words)


def test_menu_consultation_wins_over_words(rules):
    result = classify.classify("我要投诉路灯不亮", rules=rules, menu_type="consult")
    assert result.ticket_type.value == "consult" and "菜单" in result.ticket_type.reason
    # other menu choices do not override what the caller said
    assert classify.classify("我要投诉路灯不亮", rules=rules, menu_type="help").ticket_type.value == "complaint"


def test_no_words_no_suggestions(rules):
    result = classify.classify("喂喂你好", rules=rules)
    assert result.urgency is None and result.ticket_type is None and result.category is None
    assert classify.classify(None, rules=rules).category is None


def test_category_with_most_matches_wins(rules):
    result = classify.classify("小区的电梯坏了，物业不管，晚上广场舞还很吵", rules=rules)
    assert result.category.value == "property"
    assert set(result.category.words) == {"小区", "电梯", "物业"}


def _catalogue(session):
    dept = org.create_department(session, code="cgj", name="城管局", level="city")
    parent = org.create_category(session, code="urban", name="城乡建设")
    light = org.create_category(session, code="streetlight", name="路灯照明", parent_id=parent.id)
    org.create_dispatch_rule(session, category_id=parent.id, district=None, department_id=dept.id)
    session.commit()
    return dept, light


def test_category_becomes_department_through_the_catalogue(session, rules):
    dept, light = _catalogue(session)
    result = classify.classify("我们这条街的路灯不亮已经一周了", rules=rules)
    hints = classify.suggestions(session, result)
    assert hints["category"]["id"] == light.id and hints["category"]["words"] == ["路灯", "灯不亮"]
    assert hints["department"]["id"] == dept.id and hints["department"]["name"] == "城管局"
    assert "路灯" in hints["department"]["reason"] and "城乡建设" in hints["department"]["catalogue"]
    assert hints["classifier"] == classify.ENGINE


def test_unknown_or_inactive_category_gives_no_department(session, rules):
    result = classify.classify("公交车到站不停", rules=rules)  # no "bus" category in this database
    hints = classify.suggestions(session, result)
    assert result.category.value == "bus" and "category" not in hints and "department" not in hints


def test_custom_rules_file(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"urgent": ["井盖丢失"], "types": {"complaint": ["太慢了"]},
                                "categories": {"roads": ["井盖"]}}, ensure_ascii=False), encoding="utf-8")
    rules = classify.load_rules(path)
    result = classify.classify("路口井盖丢失了，修得太慢了", rules=rules)
    assert result.urgency.words == ("井盖丢失",)
    assert result.ticket_type.value == "complaint" and result.category.value == "roads"
    # the file is re-read after it changes
    path.write_text(json.dumps({"urgent": []}), encoding="utf-8")
    import os
    os.utime(path, (1, 1))
    assert classify.classify("井盖丢失", rules=classify.load_rules(path)).urgency is None


@pytest.mark.parametrize("content", ["not json", json.dumps({"types": {"nonsense": ["x"]}}),
                                     json.dumps({"unknown_key": []})])
def test_broken_rules_file_is_a_configuration_error(tmp_path, content):
    path = tmp_path / "rules.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigurationError):
        classify.load_rules(path)


def test_missing_rules_file_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError):
        classify.load_rules(tmp_path / "absent.json")
