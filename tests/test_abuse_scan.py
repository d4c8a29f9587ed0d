"""Abuse detection: the lexicon on the labelled transcripts, lexicon incidents from call transcripts with their
evidence, nuisance patterns from call records, and blocked attempts tied to their (emergency) calls."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from abuse import flows, service
from abuse.detector import detect
from abuse.lexicon import load, parse
from abuse.sweep import sweep
from hotline.database import utcnow
from hotline.errors import ConfigurationError
from telephony.models import Call
from ticketing.org.auth import Actor

DATA = json.loads((Path(__file__).parent / "data" / "abuse_labelled.json").read_text(encoding="utf-8"))["items"]
CALLER = "13700137000"


def test_labelled_set_is_large_and_balanced():
    assert len(DATA) >= 60
    assert sum(i["abusive"] for i in DATA) >= 25 and sum(not i["abusive"] for i in DATA) >= 25


@pytest.mark.parametrize("item", [i for i in DATA if not i["abusive"]], ids=lambda i: i["text"][:12])
def test_angry_but_legitimate_complaints_are_not_abuse(item):
    found = detect(item["text"], load())
    assert not found.abusive, found.words


def test_recall_and_kinds_on_abusive_transcripts():
    abusive = [i for i in DATA if i["abusive"]]
    found = [(i, detect(i["text"], load())) for i in abusive]
    hits = [(i, f) for i, f in found if f.abusive]
    assert len(hits) / len(abusive) >= 0.9
    assert all(f.kind == i["kind"] for i, f in hits)


def test_matched_words_and_excerpt_are_evidence():
    text = "我反映的是小区门口的路灯问题，" * 3 + "你们这帮废物，再不修我就弄死你。"
    found = detect(text, load())
    assert found.kind == "threat" and found.words == ["废物", "弄死你"]
    assert "废物" in found.excerpt and found.excerpt.startswith("…") and len(found.excerpt) < len(text)


def test_bare_rubbish_is_a_complaint_but_aimed_at_the_agent_is_an_insult():
    assert not detect("垃圾站的垃圾没人清理", load()).abusive
    assert detect("你这个垃圾", load()).kind == "insult"
    assert not detect("他骂我是垃圾", load()).abusive


def test_a_broken_lexicon_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError):
        parse({"insult": {"strong": ["x"]}})
    with pytest.raises(ConfigurationError):
        parse({k: {"strong": [""]} for k in ("insult", "threat", "harassment")} | {"targets": ["你"]})
    bad = tmp_path / "lex.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigurationError):
        load(str(bad))


def _call(session, n: int, *, caller=CALLER, answered=True, seconds=0.0, transcript=None, ended=None, **kw) -> Call:
    now = ended or utcnow()
    call = Call(sip_call_id=f"c{n}", direction="inbound", caller=caller, caller_raw=caller, callee="12345",
                started_at=now - timedelta(seconds=seconds + 2), answered_at=now - timedelta(seconds=seconds)
                if answered else None, ended_at=now, ivr_path=kw.pop("ivr_path", ["main"]), digits="",
                urgent=False, recording_seconds=seconds, status="logged", transcript=transcript,
                transcript_status="done" if transcript else "empty", attempts=0, **kw)
    session.add(call)
    session.flush()
    return call


def test_sweep_files_one_lexicon_incident_per_abusive_transcript(context):
    with context.sessions() as s:
        bad = _call(s, 1, seconds=20, transcript="你们这帮废物，拿着工资不干活。", recording_path="2026/a.wav")
        _call(s, 2, seconds=20, transcript="小区门口的垃圾堆了一个星期了，你们到底管不管！")
        s.commit()
        bad_id = bad.id
    first = sweep(context)
    assert first["lexicon"] == 1 and sweep(context)["lexicon"] == 0
    with context.sessions() as s:
        [incident] = service.list_incidents(s, caller=CALLER)
    assert incident.source == "lexicon" and incident.kind == "insult" and incident.call_id == bad_id
    assert incident.evidence == ["废物"] and incident.recording_path == "2026/a.wav"
    assert "废物" in incident.excerpt
    assert flows.screen_caller(context, caller=CALLER).reason == flows.WARNING


def test_sweep_finds_many_silent_calls_a_day(context):
    per_day = context.settings.abuse_nuisance_calls_per_day
    with context.sessions() as s:
        for n in range(per_day - 1):
            _call(s, n, answered=n % 2 == 0, seconds=1.0)
        _call(s, 100, seconds=40, transcript="我要反映噪音问题")   # a real call is not silent
        _call(s, 101, caller="13600136000", seconds=1.0)
        s.commit()
    assert sweep(context)["nuisance"] == 0
    with context.sessions() as s:
        _call(s, 99, seconds=0.5)
        s.commit()
    assert sweep(context)["nuisance"] == 1 and sweep(context)["nuisance"] == 0
    with context.sessions() as s:
        [incident] = service.list_incidents(s, caller=CALLER)
    assert incident.kind == "line_tying" and incident.source == "pattern"
    assert incident.evidence[0].startswith(f"{per_day} silent calls on ")


def test_blocked_attempt_is_tied_to_its_emergency_call_for_review(context, users):
    boss = Actor.of(users("supervisor")[0])
    flows.blacklist(context, actor=boss, caller=CALLER, days=1, reason="辱骂")
    assert flows.screen_caller(context, caller=CALLER).blocked
    with context.sessions() as s:
        call = _call(s, 1, seconds=12, ivr_path=["blocked", "blocked_emergency", "goodbye"],
                     menu_choice="blocked_emergenc")   # as telephony.flows clips it
        call.urgent = True
        s.commit()
        call_id = call.id
    assert sweep(context)["linked"] == 1
    with context.sessions() as s:
        s.get(Call, call_id).ticket_number = "T-1"
        s.commit()
    assert sweep(context)["linked"] == 0
    with context.sessions() as s:
        [attempt] = service.list_attempts(s, emergency=True, unreviewed=True)
    assert attempt.call_id == call_id and attempt.ticket_number == "T-1"
    reviewed = flows.review_attempt(context, actor=boss, attempt_id=attempt.id, reason="确为紧急求助")
    assert reviewed["reviewed_by"] == boss.id
    with context.sessions() as s:
        assert service.list_attempts(s, emergency=True, unreviewed=True) == []
        assert service.audit_for(s, caller=CALLER)[-1].action == "emergency_reviewed"
