"""Triage (issue 11): emergency rules that survive recognizer homophones, negation and time cues, danger
without a keyword; the trained model (train/eval/corrupt file); the suggest contract on the CLI and the
API; urgency applied at registration; downgrade only with a reason; the hand-off record (转警/转急救)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from wiring.cli import main
from hotline.settings import get_settings
from tests.factories import new_ticket
from ticketing.triage import emergency, model, training
from ticketing.triage.suggest import engine_for

CONTRACT = ("type", "type_zh", "urgency", "handoff", "matter", "department", "confidence", "alternatives",
            "district", "title", "reasons")


@pytest.fixture(scope="module")
def rules():
    return emergency.load_rules(None)


@pytest.mark.parametrize("text, service", [
    ("喂，我们楼下搅火了，快点来", "119"),  # 着火 heard as 搅火
    ("隔壁那家找火了，烟好大", "119"),
    ("厨房燃气些漏了，味道特别冲", "119"),
    ("电梯快人了，里面有个老太太", "119"),  # 电梯困人
    ("我爸倒在卫生间里，怎么叫都叫不醒", "120"),
    ("有个小孩掉进池塘里了", "119"),
    ("我家老人早上出去到现在联系不上", "110"),
    ("一辆面包车把骑三轮的大爷撞了", "122"),
])
def test_rules_fire_on_homophones_and_danger_without_a_keyword(rules, text, service):
    verdict = emergency.judge(text, rules)
    assert verdict.urgent and verdict.service == service, verdict


@pytest.mark.parametrize("text", [
    "不是着火，是楼下在烧烤，烟飘上来了",
    "上个月我们楼着火过一次，想问问保险怎么赔",
    "刚才厨房起火了，不过已经灭了，没事了，想问问物业管不管",
    "没有燃气泄漏，我就是想问一下燃气表怎么换",
    "路灯不亮好几天了",
])
def test_negated_past_or_over_dangers_do_not_fire(rules, text):
    assert not emergency.judge(text, rules).urgent


def test_danger_that_goes_on_still_fires_despite_a_past_cue(rules):
    assert emergency.judge("前几天就有煤气味，到现在还有，越来越重", rules).urgent
    assert emergency.judge("是不是着火了，好大的烟", rules).urgent  # a question is not a negation


@pytest.mark.parametrize("text", ["", "   ", "啊啊啊嗯嗯呃", "x" * 20000, "着火" * 10000,
                                  "My house is on fire!!", "hello 我家 hello", "😀🔥😀", "\x00\x01", "12345678901"])
def test_bad_input_gives_a_valid_suggestion(context, text):
    from ticketing.triage.flows import suggest

    hint = suggest(context, text)
    assert set(CONTRACT) <= set(hint) and hint["urgency"] in ("urgent", "normal")
    assert 0 <= hint["confidence"] <= 1 and len(hint["title"]) <= 20
    json.dumps(hint, ensure_ascii=False)


def test_small_corpus_trains_evaluates_and_reloads_without_restart(tmp_path):
    rows = training.read_jsonl(training.CORPUS / "train.jsonl")[:900]
    fitted = model.train([training.to_row(r) for r in rows], max_features=5000)
    first = model.save(fitted, tmp_path, meta={})
    loaded = model.load(tmp_path)
    assert loaded.model is not None and loaded.version == first.name
    report = training.evaluate(loaded.model, training.read_jsonl(training.CORPUS / "test.jsonl")[:200])
    assert 0 <= report["type"]["accuracy"] <= 1 and report["type"]["calibration"]
    assert report["handoff"]["per_class"]["none"]["recall"] > 0.5
    second = model.save(fitted, tmp_path, meta={})
    assert model.load(tmp_path).version == second.name  # the newer version is picked up by the next call


def test_corrupt_or_missing_model_keeps_the_rules_running(tmp_path, settings, caplog):
    engine = engine_for(settings.model_copy(update={"triage_models_dir": tmp_path / "none"}))
    hint = engine.suggest("楼下着火了，有人被困")
    assert hint["urgency"] == "urgent" and hint["handoff"] == "119" and hint["model"] is None
    broken = tmp_path / "m" / "20990101-000000-000"
    broken.mkdir(parents=True)
    (broken / model.MODEL_FILE).write_bytes(b"not a model")
    (broken / model.META_FILE).write_text("{}", encoding="utf-8")
    engine = engine_for(settings.model_copy(update={"triage_models_dir": tmp_path / "m"}))
    assert engine.suggest("我妈倒在厨房叫不醒")["urgency"] == "urgent"
    assert "cannot be used" in caplog.text


@pytest.fixture
def run(settings, context, triage_models):
    env = {"HOTLINE_DATABASE_URL": settings.database_url, "HOTLINE_DATA_DIR": str(settings.data_dir),
           "HOTLINE_TRIAGE_MODELS_DIR": str(triage_models)}

    def invoke(*args: str, stdin: str | None = None):
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(main, list(args), env=env, input=stdin, catch_exceptions=False)
        finally:
            get_settings.cache_clear()

    return invoke


def test_cli_suggest_prints_one_object_per_text(run):
    result = run("triage", "suggest", "--json", "小区门口的路灯坏了，晚上很黑", "楼下找火了快来人")
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert set(CONTRACT) <= set(first) and first["urgency"] == "normal" and first["handoff"] is None
    assert first["matter"]["code"] == "17006" and first["department"]["code"] == "cgj"
    assert len(first["alternatives"]) <= 3 and all({"code", "name", "confidence"} <= set(a)
                                                  for a in first["alternatives"])
    assert second["urgency"] == "urgent" and second["handoff"] == "119" and second["type"] == "help"
    piped = run("triage", "suggest", stdin="停水两天了\n\n我要表扬社区的王书记\n")
    assert len(piped.stdout.splitlines()) == 3


def test_cli_eval_reports_and_says_when_no_model(run, settings):
    result = run("triage", "eval")
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.stdout and "calibration" in result.stdout and "confusion" in result.stdout
    get_settings.cache_clear()
    missing = CliRunner().invoke(main, ["triage", "eval"], env={
        "HOTLINE_DATABASE_URL": settings.database_url, "HOTLINE_TRIAGE_MODELS_DIR": str(settings.data_dir / "x")})
    get_settings.cache_clear()
    assert missing.exit_code == 2 and "no triage model" in missing.output


def test_api_suggest_contract(client, people):
    response = client.post("/api/v1/triage/suggest", json={"text": "我妈倒在厨房叫不醒了"}, headers=people["agent"])
    assert response.status_code == 200, response.text
    hint = response.json()
    assert set(CONTRACT) <= set(hint) and hint["urgency"] == "urgent" and hint["handoff"] == "120"
    assert client.post("/api/v1/triage/suggest", json={"text": ""}, headers=people["agent"]).status_code == 200


def test_rest_registration_applies_an_urgent_suggestion(client, people, settings):
    normal = new_ticket(client, people["agent"])
    urgent = new_ticket(client, people["agent"], content="快来人，三楼冒烟起火了，有人困在里面")
    assert normal["urgency"] == "normal" and urgent["urgency"] == "urgent"
    span = (datetime.fromisoformat(urgent["due_at"]) - datetime.fromisoformat(urgent["accepted_at"]))
    assert span < datetime.fromisoformat(normal["due_at"]) - datetime.fromisoformat(normal["accepted_at"])
    assert span <= timedelta(days=1, hours=1)
    events = client.get(f"/api/v1/tickets/{urgent['number']}/events", headers=people["agent"]).json()
    assert events[0]["changes"]["triage"][1]["handoff"] == "119"


def test_downgrade_needs_a_reason_and_is_audited(client, people):
    number = new_ticket(client, people["agent"], content="楼道里有很重的煤气味")["number"]
    body = {"urgency": "normal"}
    response = client.post(f"/api/v1/tickets/{number}/triage", json=body, headers=people["agent"])
    assert response.status_code == 422 and "reason" in response.text
    body["note"] = "回电确认是邻居家炖菜，无燃气泄漏"
    response = client.post(f"/api/v1/tickets/{number}/triage", json=body, headers=people["agent"])
    assert response.status_code == 200 and response.json()["urgency"] == "normal"
    last = client.get(f"/api/v1/tickets/{number}/events", headers=people["agent"]).json()[-1]
    assert last["note"] == body["note"] and last["changes"]["urgency"] == ["urgent", "normal"]


def test_handoff_record_and_ticket_list_json(client, people, run):
    number = new_ticket(client, people["agent"], content="路口车祸了，有人躺在地上")["number"]
    bad = client.post(f"/api/v1/tickets/{number}/handoff", json={"service": "999"}, headers=people["agent"])
    assert bad.status_code == 422
    response = client.post(f"/api/v1/tickets/{number}/handoff", json={"service": "122", "outcome": "three_way",
                           "note": "三方通话转122"}, headers=people["agent"])
    assert response.status_code == 200, response.text
    last = client.get(f"/api/v1/tickets/{number}/events", headers=people["agent"]).json()[-1]
    assert last["action"] == "handoff" and last["changes"]["handoff"][1] == {"service": "122",
                                                                             "outcome": "three_way"}
    [row] = [r for r in json.loads(run("ticket", "list", "--json").stdout) if r["number"] == number]
    assert row["urgency"] == "urgent" and row["handoff"] == "122" and "department" in row
    assert row["handoffs"][0]["agent"] and row["suggestions"]["triage"]["handoff"] == "122"


def test_agent_decisions_become_training_labels(client, people, context):
    number = new_ticket(client, people["agent"], content="小区门口天天有人烧垃圾，呛得人喘不过来")["number"]
    untouched = new_ticket(client, people["agent"], content="路灯不亮")["number"]
    response = client.post(f"/api/v1/tickets/{number}/triage", json={"ticket_type": "report", "urgency": "normal",
                           "note": "核实为焚烧垃圾污染，非急救"}, headers=people["agent"])
    assert response.status_code == 200, response.text
    with context.reader() as session:
        rows = training.decision_rows(session)
    assert rows and all(r.text.startswith("小区门口") for r in rows) and len(rows) == training.DB_WEIGHT
    assert {(r.type, r.handoff) for r in rows} == {("report", model.NO_HANDOFF)}
    del untouched


def test_a_late_transcript_that_tells_of_danger_escalates_the_case(context, people, client):
    from ticketing.triage.flows import escalate, suggest

    number = new_ticket(client, people["agent"], content="【转写失败】来电，语音转写暂不可用")["number"]
    before = client.get(f"/api/v1/tickets/{number}", headers=people["agent"]).json()
    assert before["urgency"] == "normal"
    assert escalate(context, number=number, hint=suggest(context, "我爸倒在地上叫不醒了"))
    after = client.get(f"/api/v1/tickets/{number}", headers=people["agent"]).json()
    assert after["urgency"] == "urgent" and after["due_at"] < before["due_at"]
    last = client.get(f"/api/v1/tickets/{number}/events", headers=people["agent"]).json()[-1]
    assert last["action"] == "escalate" and last["changes"]["urgency"] == ["normal", "urgent"]
    assert not escalate(context, number=number, hint=suggest(context, "我爸倒在地上叫不醒了"))  # once
