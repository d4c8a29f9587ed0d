"""Catalogue files in the database: the demo seed, import/export round trips (CSV, XLSX), bad files changing
nothing, versions and their rows, 属地 dispatch, the cached gazetteer, the console and the command line."""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import func, select

from hotline.cli import main
from hotline.demo import seed
from hotline.errors import PermissionDenied
from hotline.settings import get_settings
from tests.test_console_admin import console_login
from ticketing.enums import Role
from ticketing.org import catalogue, catalogue_files, catalogue_flows, catalogue_sync, versions
from ticketing.org import flows as org_flows
from ticketing.org.auth import Actor
from ticketing.org.models import CatalogueChange, CatalogueVersion, Category, Department, DispatchRule, Place
from ticketing.triage import places

SYSTEM = Actor.system("test")


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def loaded(context):
    with context.sessions() as s:
        result = catalogue_flows.import_defaults(s, actor=SYSTEM)
    return result


def test_demo_seed_builds_the_city_from_the_csvs(context):
    created = seed(context, password="demo-pass-123")
    assert created["departments"] >= 30 and created["places"] >= 60 and created["tickets"] == 5
    with context.sessions() as s:
        matters = _count(s, Category, Category.parent_id.is_not(None), Category.active.is_(True))
        assert matters >= 120 and _count(s, Category, Category.parent_id.is_(None)) >= 12
        (version,) = versions.list_versions(s)
        assert version.number == 1 and version.source == "seed"
        assert _count(s, CatalogueChange, CatalogueChange.version_id == version.id) == \
            version.added == created["departments"] + created["categories"] + created["places"]
        fire = s.scalars(select(Category).where(Category.name == "火灾")).one()
        assert fire.emergency == "119"
    assert seed(context, password="demo-pass-123")["tickets"] == 0


def test_import_twice_changes_nothing_the_second_time(context, loaded):
    assert loaded.version == 1 and loaded.removed == 0
    with context.sessions() as s:
        again = catalogue_flows.import_defaults(s, actor=SYSTEM)
        assert again.version is None and again.summary == "无变化"
        assert versions.latest_number(s) == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_round_trips(context, loaded, fmt):
    with context.sessions() as s:
        before = {k: catalogue_sync.current(s, k) for k in catalogue_files.COLUMNS}
        if fmt == "csv":
            uploads = [catalogue_flows.export(s, actor=SYSTEM, kinds=(k,), fmt="csv")[:2]
                       for k in catalogue_files.IMPORT_ORDER]
        else:
            uploads = [catalogue_flows.export(s, actor=SYSTEM, fmt="xlsx")[:2]]
        result = catalogue_flows.import_files(s, actor=SYSTEM, uploads=uploads)
        assert result.version is None
        assert {k: catalogue_sync.current(s, k) for k in catalogue_files.COLUMNS} == before
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(uploads[0][1]))
        assert book.sheetnames == list(catalogue_files.IMPORT_ORDER)
        assert book["catalogue"]["A2"].value == "01001"  # codes stay text: the leading zero survives


def _edited_catalogue(session) -> bytes:
    rows = catalogue_sync.current(session, "catalogue")
    for r in rows:
        if r["code"] == "17006":
            r["name"], r["responsible"] = "路灯与景观照明", "local:street"
    rows = [r for r in rows if r["code"] != "01001"]
    rows.append({"code": "17099", "name": "架空线缆整治", "class_code": "17", "class_name": "城市管理",
                 "responsible": "gd", "emergency": "", "keywords": "飞线 蜘蛛网 电缆"})
    return catalogue_files.to_csv("catalogue", rows)


def test_an_import_is_a_version_with_a_row_per_change(context, loaded):
    with context.sessions() as s:
        result = catalogue_flows.import_files(s, actor=Actor(id=None, role=SYSTEM.role, name="张管理"),
                                              uploads=[("catalogue.csv", _edited_catalogue(s))])
        assert (result.version, result.added, result.changed, result.removed) == (2, 1, 1, 1)
        version = versions.get_version(s, number=2)
        assert version.actor_name == "张管理" and "事项" in version.summary
        rows = {(c.code, c.action): c for c in versions.version_changes(s, version_id=version.id)}
        assert set(rows) == {("17099", "added"), ("17006", "changed"), ("01001", "removed")}
        changed = rows[("17006", "changed")]
        assert versions.decoded(changed.before)["responsible"] == "cgj"
        assert versions.decoded(changed.after)["responsible"] == "local:street"
        history = versions.row_history(s, entity="matter", code="17006")
        assert [v.number for v, _ in history] == [2, 1]
        gone = s.scalars(select(Category).where(Category.code == "01001")).one()
        assert gone.active is False  # deactivated, not deleted: tickets refer to it


def test_local_matters_go_to_the_street_or_district_where_they_happen(context, loaded):
    with context.sessions() as s:
        ids = dict(s.execute(select(Category.code, Category.id)).all())
        depts = dict(s.execute(select(Department.code, Department.id)).all())
        property_ = ids["16001"]  # 物业服务: local:street
        dept, why = catalogue.suggest_department(s, category_id=property_, district="xicheng", street="xq-jf")
        assert dept.code == "xq-jf" and "属地" in why
        dept, _ = catalogue.suggest_department(s, category_id=property_, district="xicheng")
        assert dept.code == "xq"  # street unknown: the district government
        assert catalogue.suggest_department(s, category_id=property_, district=None) is None
        cached = catalogue.suggest(s, category_id=property_, district="beishan", street="bq-ly", max_age=60)
        assert cached[0] == depts["bq-ly"]
        assert catalogue.suggest(s, category_id=property_, district="beishan", max_age=60)[0] == depts["bq"]
        resettle = ids["01006"]  # 拆迁安置: local:district, even when the street is known
        assert catalogue.suggest(s, category_id=resettle, district="nanhu", street="nq-hb", max_age=60)[0] == \
            depts["nq"]
        light = ids["17006"]
        assert catalogue.suggest(s, category_id=light, district="nanhu", street="nq-hb", max_age=60)[0] == \
            depts["cgj"]


@pytest.mark.parametrize("name, body, expected", [
    ("catalogue.csv", ("code,name,class_code,class_name,responsible,emergency,keywords\n"
                       "01001,建筑施工安全,01,城乡建设,zjj,,\n"
                       "01002,重复,01,城乡建设,nobody,,\n"
                       "01001,建筑工程质量,01,城乡建设,zjj,911,\n"),
     ["第 3 行：责任单位 nobody 不存在", "第 4 行：编码 01001 与第 2 行重复", "第 4 行：emergency「911」"]),
    ("catalogue.csv", "code,name\n01001,缺列\n", ["第 1 行：认不出这是哪种表"]),
    ("gazetteer.csv", "kind,code,name,parent_code,aliases\nstreet,s9,新街道,nowhere,\nlane,x,巷,,\n",
     ["第 2 行：上级地名 nowhere 不存在", "第 3 行：kind「lane」"]),
    ("departments.csv", "code,name,level,parent,district\nzz,某区,district,city,\nyy,某局,bureau,city,\n",
     ["第 2 行：区级单位须填 district", "第 3 行：level「bureau」"]),
    ("catalogue.xlsx", "not a workbook", ["不是有效的 XLSX 文件"]),
    ("catalogue.pdf", "%PDF", ["只接受 .csv 或 .xlsx 文件"]),
])
def test_a_bad_file_is_refused_with_row_numbers_and_changes_nothing(context, loaded, name, body, expected):
    with context.sessions() as s:
        before = {k: catalogue_sync.current(s, k) for k in catalogue_files.COLUMNS}
        with pytest.raises(catalogue_files.FileProblems) as refused:
            catalogue_flows.import_files(s, actor=SYSTEM, uploads=[(name, body.encode("utf-8"))])
        for text in expected:
            assert any(p.startswith(text) for p in refused.value.problems), (text, refused.value.problems)
    with context.sessions() as s:
        assert {k: catalogue_sync.current(s, k) for k in catalogue_files.COLUMNS} == before
        assert versions.latest_number(s) == 1


def test_xlsx_numbers_in_code_columns_are_refused(context, loaded):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(catalogue_files.COLUMNS["catalogue"]))
    sheet.append([1001, "建筑施工安全", 1, "城乡建设", "zjj", "", ""])
    data = io.BytesIO()
    book.save(data)
    with context.sessions() as s, pytest.raises(catalogue_files.FileProblems) as refused:
        catalogue_flows.import_files(s, actor=SYSTEM, uploads=[("c.xlsx", data.getvalue())])
    assert "第 2 行：code 是数字 1001" in refused.value.problems[0]


def test_gbk_csv_from_excel_is_read(context, loaded):
    with context.sessions() as s:
        rows = catalogue_sync.current(s, "gazetteer")
        rows[0]["aliases"] = "东城 老东城"
        data = catalogue_files.to_csv("gazetteer", rows).decode("utf-8-sig").encode("gb18030")
        result = catalogue_flows.import_files(s, actor=SYSTEM, uploads=[("places.csv", data)])
        assert result.changed == 1 and result.kinds == ("gazetteer",)


def test_only_admins_import_and_console_edits_are_versioned(context, loaded):
    with context.sessions() as s:
        with pytest.raises(PermissionDenied):
            catalogue_flows.import_defaults(s, actor=Actor(id=None, role=Role.AGENT, name="x"))
        admin = Actor(id=None, role=Role.ADMIN, name="管理员甲")
        light = s.scalars(select(Category).where(Category.code == "17006")).one()
        org_flows.update_category(s, actor=admin, category_id=light.id, changes={"name": "路灯"})
        version = versions.list_versions(s, limit=1)[0]
        assert version.number == 2 and version.source == "edit" and version.actor_name == "管理员甲"
        (row,) = versions.version_changes(s, version_id=version.id)
        assert (row.entity, row.code, row.action) == ("matter", "17006", "changed")
        assert versions.decoded(row.before)["name"] == "路灯照明" and versions.decoded(row.after)["name"] == "路灯"


def test_gazetteer_service_reloads_after_an_import(context, loaded):
    with context.sessions() as s:
        first = places.gazetteer(s, max_age=3600)
        assert places.gazetteer(s, max_age=3600) is first and len(first) == _count(s, Place)
        rows = catalogue_sync.current(s, "gazetteer") + [
            {"kind": "road", "code": "r-new", "name": "新开大道", "parent_code": "dq-hp", "aliases": "新开路"}]
        catalogue_flows.import_files(s, actor=SYSTEM, uploads=[("g.csv", catalogue_files.to_csv("gazetteer", rows))])
        fresh = places.gazetteer(s, max_age=3600)
        assert fresh is not first and "r-new" in fresh.by_code
        assert [h.place.code for h in fresh.find("新开路口")] == ["r-new"]


def test_console_import_export_and_versions(client, users, context, loaded):
    admin, _ = users("admin")
    csrf = console_login(client, admin.username)
    page = client.get("/console/admin/catalogue")
    assert page.status_code == 200 and "第 1 版" in page.text and "属地·街道" in page.text
    assert "按大类查看" in page.text and "4 个区县 · 12 个街道/乡镇" in page.text  # 160 rules: one class at a time
    with context.sessions() as s:
        city_class = s.scalars(select(Category).where(Category.code == "17")).one().id
        light_rule = s.execute(select(DispatchRule.id).join(Category, Category.id == DispatchRule.category_id)
                               .where(Category.code == "17006")).scalar_one()
    assert f'id="rule-{light_rule}"' not in page.text
    assert f'id="rule-{light_rule}"' in client.get(f"/console/admin/catalogue?cls={city_class}").text
    exported = client.get("/console/admin/catalogue/export?kind=catalogue&format=csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.content.decode("utf-8-sig").splitlines()[0] == ",".join(catalogue_files.COLUMNS["catalogue"])
    xlsx = client.get("/console/admin/catalogue/export?kind=all&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    bad = client.post("/console/admin/catalogue/import", data={"csrf_token": csrf},
                      files={"file": ("c.csv", "code,name,class_code,class_name,responsible\n9,x,9,y,nobody\n")})
    assert bad.status_code == 422 and "第 2 行：责任单位 nobody 不存在" in bad.text and "未做任何修改" in bad.text
    with context.sessions() as s:
        edited = _edited_catalogue(s)
    done = client.post("/console/admin/catalogue/import", data={"csrf_token": csrf},
                       files={"file": ("catalogue.csv", edited)})
    assert done.status_code == 200 and "第 2 版" in done.headers.get("HX-Trigger", "") + done.text
    version = client.get("/console/admin/catalogue/versions/2")
    assert version.status_code == 200 and "架空线缆整治" in version.text and "路灯与景观照明" in version.text
    unchanged = client.post("/console/admin/catalogue/import", data={"csrf_token": csrf},
                            files={"file": ("catalogue.csv", edited)})
    assert unchanged.status_code == 200
    no_csrf = client.post("/console/admin/catalogue/import", files={"file": ("catalogue.csv", edited)})
    assert no_csrf.status_code == 403
    with context.sessions() as s:
        assert versions.latest_number(s) == 2
        assert _count(s, CatalogueVersion) == 2


def test_command_line_import_export(settings, context, tmp_path):
    env = {"HOTLINE_DATABASE_URL": settings.database_url, "HOTLINE_DATA_DIR": str(settings.data_dir)}

    def run(*args):
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        finally:
            get_settings.cache_clear()

    first = run("catalogue", "import", "--defaults")
    assert first.exit_code == 0 and "catalogue version 1" in first.output
    out = tmp_path / "all.xlsx"
    assert run("catalogue", "export", "-o", str(out)).exit_code == 0 and out.stat().st_size > 1000
    again = run("catalogue", "import", str(out))
    assert again.exit_code == 0 and "unchanged" in again.output
    csv_text = run("catalogue", "export", "--kind", "departments").output
    assert csv_text.splitlines()[0] == "code,name,level,parent,district" and "市公安局" in csv_text
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,code,name,parent_code,aliases\nroad,r1,某路,nowhere,\n", encoding="utf-8")
    refused = run("catalogue", "import", str(bad))
    assert refused.exit_code != 0 and "第 2 行：上级地名 nowhere 不存在" in refused.output
    listed = run("catalogue", "versions").output
    assert re.match(r"^1\t", listed) and len(listed.splitlines()) == 1
