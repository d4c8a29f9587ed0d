"""Extraction from a caller's words: place against the gazetteer, address, phones, names, times, title."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ticketing.triage.extract import (
    Gazetteer,
    extract,
    find_names,
    find_phones,
    find_times,
    load_gazetteer,
    make_title,
)

DATA = Path(__file__).resolve().parents[1] / "ticketing" / "org" / "data"


@pytest.fixture(scope="module")
def places() -> Gazetteer:
    with open(DATA / "gazetteer.csv", encoding="utf-8", newline="") as f:
        return Gazetteer.from_rows(csv.DictReader(f))


def test_packaged_gazetteer_loads_once(places):
    first = load_gazetteer()
    assert load_gazetteer() is first and len(first) == len(places)


@pytest.fixture(scope="module")
def tiny() -> Gazetteer:
    """A gazetteer independent of the demo data: the matching rules, not the CSV, are under test."""
    return Gazetteer.from_rows([
        {"kind": "district", "code": "d1", "name": "江北区", "parent_code": "", "aliases": ""},
        {"kind": "district", "code": "d2", "name": "江南区", "parent_code": "", "aliases": "江南"},
        {"kind": "street", "code": "s1", "name": "长春街道", "parent_code": "d1", "aliases": ""},
        {"kind": "street", "code": "s2", "name": "长春街道", "parent_code": "d2", "aliases": ""},
        {"kind": "street", "code": "s3", "name": "桂花镇", "parent_code": "d2", "aliases": ""},
        {"kind": "community", "code": "c1", "name": "向阳社区", "parent_code": "s1", "aliases": "向阳小区"},
        {"kind": "road", "code": "r1", "name": "胜利大道", "parent_code": "s3", "aliases": "胜利路"},
    ])


@pytest.mark.parametrize("text, district, street, community", [
    ("我住在东城区和平里社区", "dongcheng", "dq-hp", "dq-hp-1"),
    ("和平街道这边路灯不亮", "dongcheng", "dq-hp", None),
    ("和平街那边有人摆摊", "dongcheng", "dq-hp", None),          # partial name 和平街
    ("和平街到那个菜场门口", "dongcheng", "dq-hp", None),         # recognizer homophone 道 → 到
    ("就在解放录上，井盖没了", "xicheng", "xq-jf", None),          # 路 → 录
    ("北山区龙源街道翠竹园小区", "beishan", "bq-ly", "bq-ly-2"),   # alias 翠竹园
    ("金口镇桃源村的路坏了", "nanhu", "nq-jk", "nq-jk-2"),
    ("西城那边人民大街", "xicheng", "xq-rm", None),                # alias of 人民路
    ("南湖区这边", "nanhu", None, None),
    ("我家在外地，没有地址", None, None, None),
])
def test_place_from_demo_gazetteer(places, text, district, street, community):
    e = extract(text, places)
    assert (e.district, e.street, e.community) == (district, street, community)


def test_named_district_decides_between_same_named_streets(tiny):
    assert extract("江南区长春街道有个坑", tiny).street == "s2"
    assert extract("江北区的长春街道有个坑", tiny).street == "s1"
    assert extract("江南那边长春街道", tiny).district == "d2"


def test_flat_and_retroflex_sounds_and_aliases(tiny):
    assert extract("长村接到那边", tiny).street in ("s1", "s2")  # chun → cun, dao heard as 到
    e = extract("桂花真胜利路口红绿灯坏了", tiny)                # 镇 → 真, alias 胜利路
    assert (e.district, e.street) == ("d2", "s3") and e.road == "胜利大道"
    assert extract("向阳小区3栋", tiny).community == "c1"


def test_two_syllable_names_do_not_match_by_sound(tiny):
    assert extract("将难那边", tiny).district is None  # 江南 by sound only: too short to trust
    assert extract("江南那边", tiny).district == "d2"
    assert extract("将难区", tiny).district == "d2"  # three syllables: 江南区 by sound


@pytest.mark.parametrize("text, address", [
    ("西城区解放路88号3单元501楼下饭店油烟大", "西城区解放路88号3单元501"),
    ("和平里北街12号的住户", "和平里北街12号"),
    ("文山路和学府路交叉口红绿灯不亮", "文山路和学府路交叉口"),
    ("我住在阳光花园7栋2单元，楼道里", "阳光花园7栋2单元"),      # not in the gazetteer: generic estate name
    ("和平街到菜市场门口", "和平街道菜市场门口"),                  # said by sound, written by name
    ("我们小区物业不管事", None),
])
def test_address(places, text, address):
    assert extract(text, places).address == address


@pytest.mark.parametrize("text, phones", [
    ("电话13800138001", ["13800138001"]),
    ("号码139 1234 5678，谢谢", ["13912345678"]),
    ("打我手机138-0013-8002", ["13800138002"]),
    ("我电话是幺三八零零幺三八零零三", ["13800138003"]),
    ("手机一三九 一二三四 五六七八", ["13912345678"]),
    ("座机0571-87654321或者010 12345678", ["0571-87654321", "010-12345678"]),
    ("单位电话87654321", ["87654321"]),
    ("身份证号330102199001011234", []),
    ("我打了三次12345都没人管，等了两个小时", []),
    ("１３８００１３８００４", ["13800138004"]),
    ("拨打(0571)87654321", ["0571-87654321"]),
    ("手机+86 138 0013 8000", ["13800138000"]),
])
def test_phones(text, phones):
    assert find_phones(text) == phones


@pytest.mark.parametrize("text, names", [
    ("我是李女士，想反映个事", ["李女士"]),
    ("你好，我叫王建国，住在和平路", ["王建国"]),
    ("我叫李明今年六十岁", ["李明"]),
    ("我姓赵，电话一会儿给你", ["赵"]),
    ("麻烦转告欧阳先生", ["欧阳先生"]),
    ("找一下负责的张主任，刘阿姨也知道", ["张主任", "刘阿姨"]),
    ("我是马路对面开店的", []),
    ("我是王小明的妈妈", ["王小明"]),
    ("联系人：陈志强", ["陈志强"]),
    ("我是老王，就住这儿", ["老王"]),
    ("麻烦回个电话，我姓两，电话155 3137 8813", ["两"]),   # 梁 misheard: still the surname said
    ("我姓长电话1517413895", ["长"]),
    ("我是业主", []),
])
def test_names(text, names):
    assert find_names(text) == names


def test_place_words_are_not_names(places):
    assert extract("我是和平里北街的住户，我姓张", places).names == ["张"]


@pytest.mark.parametrize("text, times", [
    ("昨天晚上十点多有人打架", ["昨天晚上十点多"]),
    ("上周三开始停水", ["上周三"]),
    ("三点多的时候", ["三点多"]),
    ("5月3日下午两点在门口", ["5月3日下午两点"]),
    ("礼拜天早上7:30", ["礼拜天早上7:30"]),
    ("上个月就坏了，三天前又坏了", ["上个月", "三天前"]),
    ("今早凌晨两点半", ["今早凌晨两点半"]),
    ("没有时间信息", []),
    ("前两天晚上大概十点钟的时候", ["前两天晚上大概十点钟"]),
    ("昨儿个夜里又吵", ["昨儿个夜里"]),
    ("每天早上六点就开始，周末也不停", ["每天早上六点", "周末"]),
    ("19:30左右", ["19:30左右"]),
])
def test_times(text, times):
    assert find_times(text) == times


def test_title_says_the_matter_not_the_first_words(places):
    text = "喂你好，我是和平里北街12号的住户，路灯坏了一个星期了，晚上特别黑"
    title = make_title(text, "路灯照明", places=places)
    assert title == "和平里北街路灯照明"
    assert make_title(text, "路灯照明") == "和平里北街路灯照明"  # the packaged gazetteer by default
    assert make_title("我们阳光花园的电梯又坏了", "电梯故障", places=Gazetteer(())) == "阳光花园电梯故障"
    assert make_title("门口那条小路的灯不亮", "路灯照明", places=Gazetteer(())) == "路灯照明"
    assert make_title("嗯那个我想反映一下，楼下饭店油烟太大", None) == "楼下饭店油烟太大"
    assert make_title("我叫王建国，家住学府路，小区停水两天了", None) == "小区停水两天了"


def test_title_length_is_bounded():
    long_matter = "这是一个名称特别特别长的事项用来检查长度限制是否生效"
    assert len(make_title("和平里北街的事", long_matter)) <= 20
    assert len(make_title("啊" * 100 + "，" + "路" * 100, None)) <= 20
    assert len(make_title("解放路井盖没了", "井盖设施", limit=6)) <= 6


@pytest.mark.parametrize("text", ["", "   ", "hello, my street light is broken", "😀😀🔥🔥", "啊" * 20000,
                                  "和平里" * 7000, "\x00\n\t", "1" * 500])
def test_bad_input_gives_values_not_exceptions(places, text):
    e = extract(text, places)
    assert isinstance(e.phones, list) and isinstance(e.names, list) and isinstance(e.times, list)
    title = make_title(text, None, places=places)
    assert isinstance(title, str) and len(title) <= 20
