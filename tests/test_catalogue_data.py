"""The shipped catalogue, departments and gazetteer (ticketing/org/data) are complete and consistent."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from ticketing.org import catalogue_files as files

DATA = Path(__file__).resolve().parents[1] / "ticketing" / "org" / "data"


def rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == files.COLUMNS[name.removesuffix(".csv")]
        return list(reader)


@pytest.fixture(scope="module")
def catalogue():
    return rows("catalogue.csv")


@pytest.fixture(scope="module")
def departments():
    return rows("departments.csv")


@pytest.fixture(scope="module")
def gazetteer():
    return rows("gazetteer.csv")


def test_catalogue_has_the_shape_of_gb_t_39666(catalogue):
    classes = Counter(r["class_code"] for r in catalogue)
    assert len(classes) >= 12 and len(catalogue) >= 120
    assert len({r["code"] for r in catalogue}) == len(catalogue), "matter codes are unique"
    assert all(n >= 3 for n in classes.values()), "every class has matters"
    for r in catalogue:
        assert r["code"].startswith(r["class_code"]) and len(r["code"]) == len(r["class_code"]) + 3
    names = {}
    for r in catalogue:
        assert names.setdefault(r["class_code"], r["class_name"]) == r["class_name"], "one name per class"
    assert not set(classes) & {r["code"] for r in catalogue}


def test_every_responsible_unit_exists(catalogue, departments):
    codes = {d["code"] for d in departments}
    for r in catalogue:
        assert r["responsible"] in codes or r["responsible"] in files.LOCAL, r
    local = [r for r in catalogue if r["responsible"] in files.LOCAL]
    assert len(local) >= 10, "属地 matters exist"


def test_inherent_emergencies_name_their_service(catalogue):
    by_name = {r["name"]: r["emergency"] for r in catalogue}
    assert {e for e in by_name.values() if e} == set(files.EMERGENCY)
    assert by_name["火灾"] == "119" and by_name["燃气泄漏"] == "119" and by_name["电梯困人"] == "119"
    assert by_name["道路交通事故"] == "122" and by_name["突发疾病急救"] == "120"
    assert by_name["人员走失"] == "110" and by_name["电力设施安全"] == "110"
    assert by_name["路灯照明"] == "" and by_name["社保卡办理"] == ""


def test_departments_are_a_prefecture_city(departments):
    assert len(departments) >= 30
    codes = [d["code"] for d in departments]
    assert len(set(codes)) == len(codes)
    names = {d["name"] for d in departments}
    for required in ("市公安局", "市公安局交通警察支队", "市消防救援支队", "市应急管理局", "市卫生健康委员会",
                     "市医疗保障局", "市人力资源和社会保障局", "市住房和城乡建设局", "市房产管理局", "市城市管理局",
                     "市园林绿化局", "市自然资源和规划局", "市生态环境局", "市市场监督管理局", "市教育局",
                     "市文化和旅游局", "市交通运输局", "市民政局", "市残疾人联合会", "市水务局", "市住房公积金管理中心",
                     "市行政审批服务局", "市不动产登记中心", "市农业农村局"):
        assert required in names, required
    assert any("税务局" in n for n in names)
    for utility in ("供水", "供电", "燃气", "热力"):
        assert any(utility in n for n in names), utility
    by_code = {d["code"]: d for d in departments}
    for d in departments:
        assert d["level"] in files.LEVELS
        assert not d["parent"] or d["parent"] in by_code
    assert sum(d["level"] == "district" for d in departments) >= 4
    # the demo users' departments keep their codes
    for code in ("cgj", "zjj", "rsj", "jtj", "dq-hp"):
        assert code in by_code


def test_gazetteer_is_districts_streets_communities_and_roads(gazetteer, departments):
    by_code = {p["code"]: p for p in gazetteer}
    assert len(by_code) == len(gazetteer)
    kinds = Counter(p["kind"] for p in gazetteer)
    assert kinds["district"] >= 4 and kinds["street"] >= 8 and kinds["community"] >= 16 and kinds["road"] >= 12
    for p in gazetteer:
        allowed = files.PLACE_PARENT[p["kind"]]
        assert (not p["parent_code"]) if not allowed else by_code[p["parent_code"]]["kind"] in allowed, p
    assert sum(bool(p["aliases"]) for p in gazetteer if p["kind"] == "road") >= 12
    # 属地 dispatch: every street is a street office, every district is served by a district government
    depts = {d["code"]: d for d in departments}
    for p in gazetteer:
        if p["kind"] == "street":
            assert depts[p["code"]]["level"] == "street" and depts[p["code"]]["district"] == p["parent_code"]
        if p["kind"] == "district":
            assert any(d["level"] == "district" and d["district"] == p["code"] for d in departments)


def test_the_shipped_files_pass_the_importers_checks():
    tables = {}
    for name in ("departments.csv", "gazetteer.csv", "catalogue.csv"):
        (table,) = files.read((DATA / name).read_bytes(), name)
        tables[table.kind] = table
    for table in tables.values():
        files.check(table, files.Known(), alongside=tables)


def test_provenance_is_written():
    text = (DATA / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "GB/T 39666" in text and "written by hand" in text
