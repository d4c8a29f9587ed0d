"""Agent console, server side: queue and filters, ticket page escaping and masking, CSRF on every action,
recording access control (path traversal, audit), the live queue's event stream."""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path

import pytest

from agent_console.session import COOKIE, csrf_for
from tests.factories import build_org
from ticketing import flows
from ticketing.enums import Channel, TicketType, Urgency
from ticketing.flows import queries
from ticketing.org.auth import Actor
from ticketing.org.models import User
from ticketing.schemas import DispatchIn, TicketCreate, TriageIn

XSS = '<img src=x onerror=alert(1)><script>alert(2)</script>'


@pytest.fixture
def org(context):
    return build_org(context)


class Person:
    def __init__(self, user: User, headers: dict) -> None:
        self.token = headers["Authorization"].removeprefix("Bearer ")
        self.actor = Actor.of(user)
        self.csrf = csrf_for(self.token)


@pytest.fixture
def people(users, org):
    return {name: Person(*users(role, dept)) for name, role, dept in [
        ("agent", "agent", None), ("supervisor", "supervisor", None),
        ("housing", "department", org.housing), ("transport", "department", org.other)]}


def as_(client, person: Person):
    client.cookies.set(COOKIE, person.token)
    return client


def make(context, actor, *, recording_url: str | None = None, transcript: str | None = None, **overrides) -> str:
    body = {"channel": Channel.PHONE, "ticket_type": TicketType.COMPLAINT, "content": "小区门口路灯坏了三天",
            "caller_phone": "13812345678", "address": "望京西路1号", "district": "chaoyang"} | overrides
    return flows.create_ticket(context, data=TicketCreate(**body), actor=actor, recording_url=recording_url,
                               transcript=transcript)


def write_wav(path: Path, seconds: float = 1.0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x01" * int(8000 * seconds))


def actions(context, number, actor) -> list[str]:
    return [e.action for e in queries.history(context, number=number, actor=actor)]


def test_queue_lists_new_cases_urgent_first_and_filters(client, context, people, org):
    agent = people["agent"].actor
    normal = make(context, agent, title="路灯不亮")
    urgent = make(context, agent, title="燃气泄漏味道", urgency=Urgency.URGENT, caller_phone="13900001111")
    done = make(context, agent, title="已派出的案件", category_id=org.cat_roads)
    flows.triage(context, number=done, data=TriageIn(), actor=agent)
    flows.dispatch(context, number=done, data=DispatchIn(), actor=agent)
    page = as_(client, people["agent"]).get("/console/queue")
    assert page.status_code == 200
    html = page.text
    assert html.index(urgent) < html.index(normal)  # urgent on top
    assert done not in html  # default: cases waiting for the hotline (registered, triaged)
    assert "139****1111" in html and "13900001111" not in html  # the queue masks numbers
    assert 'data-stream="/console/queue/stream?after=' in html and "data-search" in html
    rows = client.get("/console/queue", params={"status": "", "urgency": "normal"}, headers={"HX-Request": "true"})
    assert rows.status_code == 200 and "<html" not in rows.text  # htmx: only the rows
    assert done in rows.text and normal in rows.text and urgent not in rows.text
    found = client.get("/console/queue", params={"status": "", "q": "燃气"}, headers={"HX-Request": "true"}).text
    assert urgent in found and normal not in found
    bad = client.get("/console/queue", params={"light": "purple"})
    assert bad.status_code == 422 and "输入有误" in bad.text


def test_queue_pages(client, context, people):
    context.settings.console_queue_page_size = 2
    numbers = [make(context, people["agent"].actor, title=f"第{i}件") for i in range(3)]
    first = as_(client, people["agent"]).get("/console/queue").text
    assert numbers[2] in first and numbers[1] in first and numbers[0] not in first and "下一页</a>" in first
    second = client.get("/console/queue", params={"page": 2}, headers={"HX-Request": "true"}).text
    assert numbers[0] in second and numbers[2] not in second and "上一页</a>" in second


def test_department_sees_only_its_cases_and_masked_numbers(client, context, people, org):
    agent = people["agent"].actor
    mine = make(context, agent, category_id=org.cat_roads)
    theirs = make(context, agent, content="公交站台破损", caller_phone="13700002222")
    for number, lead in ((mine, org.housing), (theirs, org.other)):
        flows.triage(context, number=number, data=TriageIn(), actor=agent)
        flows.dispatch(context, number=number, data=DispatchIn(lead_department_id=lead), actor=agent)
    as_(client, people["housing"])
    html = client.get("/console/queue").text
    assert mine in html and theirs not in html
    assert client.get("/console/queue/stream").status_code == 403  # no live feed of every new case
    page = client.get(f"/console/tickets/{mine}")
    assert page.status_code == 200 and "138****5678" in page.text and "13812345678" not in page.text
    other = client.get(f"/console/tickets/{theirs}")
    assert other.status_code == 404 and "未找到，或无权查看" in other.text and "公交站台" not in other.text
    assert client.get(f"/console/tickets/{theirs}/recording").status_code == 404
    agent_page = as_(client, people["agent"]).get(f"/console/tickets/{mine}").text
    assert "13812345678" in agent_page  # roles_seeing_caller includes agents


def test_caller_text_is_escaped(client, context, people):
    number = make(context, people["agent"].actor, title=XSS, content=XSS, transcript=XSS)
    flows.add_note(context, number=number, actor=people["agent"].actor, note=XSS)
    for url in ("/console/queue", f"/console/tickets/{number}"):
        html = as_(client, people["agent"]).get(url).text
        assert "<script>alert(2)</script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_actions_need_the_csrf_token(client, context, people):
    person = people["agent"]
    number = make(context, person.actor)
    as_(client, person)
    url = f"/console/tickets/{number}/triage"
    missing = client.post(url, data={"urgency": "urgent"}, headers={"HX-Request": "true"})
    wrong = client.post(url, data={"urgency": "urgent", "csrf_token": "0" * 64})
    assert missing.status_code == 403 and wrong.status_code == 403
    assert "无权进行此操作" in missing.text and "无权进行此操作" in wrong.text
    assert queries.ticket_view(context, number=number, actor=person.actor).status == "registered"
    ok = client.post(url, data={"urgency": "urgent"}, headers={"HX-Request": "true", "X-CSRF-Token": person.csrf})
    assert ok.status_code == 200 and "已保存分类" in ok.headers["HX-Trigger"].encode().decode("unicode_escape")
    t = queries.ticket_view(context, number=number, actor=person.actor)
    assert t.status == "triaged" and t.urgency == "urgent"
    # an urgent case becomes normal only with a reason (issue 11: downgrade audited)
    form = client.post(url, data={"urgency": "normal", "note": "回电核实，非紧急", "csrf_token": person.csrf},
                       follow_redirects=False)
    assert form.status_code == 303 and form.headers["location"] == f"/console/tickets/{number}"


def test_dispatch_and_errors_from_the_ticket_page(client, context, people, org):
    person = people["agent"]
    number = make(context, person.actor, category_id=org.cat_roads)
    as_(client, person)
    hx = {"HX-Request": "true", "X-CSRF-Token": person.csrf}
    page = client.get(f"/console/tickets/{number}").text
    assert "建议主办单位" in page and "派单目录：分类“道路设施”的默认承办单位" in page
    early = client.post(f"/console/tickets/{number}/dispatch", data={"lead_department_id": org.housing}, headers=hx)
    assert early.status_code == 409 and "当前状态不允许此操作" in early.text  # toast fragment, in words
    triaged = client.post(f"/console/tickets/{number}/triage", data={"ticket_type": "complaint"}, headers=hx)
    assert f'<option value="{org.housing}" selected>' in triaged.text  # dispatch form: catalogue suggestion
    done = client.post(f"/console/tickets/{number}/dispatch", headers=hx,
                       data={"lead_department_id": str(org.housing), "co_department_ids": [str(org.street)]})
    assert done.status_code == 200 and "主办：市住建局；协办：望京街道" in done.text
    t = queries.ticket_view(context, number=number, actor=person.actor)
    assert t.status == "dispatched" and {(a.department_id, a.role) for a in t.assignments} == {
        (org.housing, "lead"), (org.street, "co")}
    bad = client.post(f"/console/tickets/{number}/merge", data={"into": ""}, headers=hx)
    assert bad.status_code == 422 and "目标工单" in bad.text


def test_recording_is_served_with_ranges_and_audited(client, context, people):
    root = context.settings.data_dir / "recordings"
    write_wav(root / "2026" / "call-1.wav")
    agent = people["agent"]
    number = make(context, agent.actor, recording_url="2026/call-1.wav", transcript="喂，你好")
    as_(client, agent)
    full = client.get(f"/console/tickets/{number}/recording")
    assert full.status_code == 200 and full.headers["content-type"] == "audio/wav"
    assert full.content[:4] == b"RIFF"
    assert actions(context, number, agent.actor).count("listen") == 1
    part = client.get(f"/console/tickets/{number}/recording", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and len(part.content) == 100
    assert actions(context, number, agent.actor).count("listen") == 1  # continuation of one playback
    again = client.get(f"/console/tickets/{number}/recording", headers={"Range": "bytes=0-"})
    assert again.status_code == 206
    assert actions(context, number, agent.actor).count("listen") == 1  # same user, same playback window
    context.settings.recording_listen_window_seconds = 0
    assert client.get(f"/console/tickets/{number}/recording", headers={"Range": "bytes=0-"}).status_code == 206
    assert actions(context, number, agent.actor).count("listen") == 2
    supervisor = people["supervisor"]
    assert as_(client, supervisor).get(f"/console/tickets/{number}/recording").status_code == 200
    listens = [e for e in queries.history(context, number=number, actor=agent.actor) if e.action == "listen"]
    assert [e.actor_name for e in listens] == [agent.actor.name] * 2 + [supervisor.actor.name]
    as_(client, agent)
    page = client.get(f"/console/tickets/{number}").text
    assert f'src="/console/tickets/{number}/recording"' in page and "收听录音" in page


@pytest.mark.parametrize("location", ["../secret.wav", "{outside}", "2026/../../secret.wav", "file:///etc/passwd"])
def test_recording_outside_the_recordings_directory_is_refused(client, context, people, location):
    secret = context.settings.data_dir / "secret.wav"
    write_wav(secret)
    agent = people["agent"]
    number = make(context, agent.actor, recording_url=location.format(outside=secret.resolve()))
    response = as_(client, agent).get(f"/console/tickets/{number}/recording")
    assert response.status_code == 403 and b"RIFF" not in response.content
    assert "listen" not in actions(context, number, agent.actor)


def test_missing_recording_is_not_found(client, context, people):
    agent = people["agent"]
    number = make(context, agent.actor, recording_url="nowhere.wav")
    plain = make(context, agent.actor)
    as_(client, agent)
    assert client.get(f"/console/tickets/{number}/recording").status_code == 404
    assert client.get(f"/console/tickets/{plain}/recording").status_code == 404


def test_stream_announces_a_new_ticket(client, context, people):
    context.settings.console_poll_seconds = 0.05
    context.settings.console_stream_max_seconds = 5  # the stream ends by itself: the read cannot hang
    agent = people["agent"]
    before = make(context, agent.actor, title="旧工单")
    after_id = int(as_(client, agent).get("/console/queue").text
                   .split('data-stream="/console/queue/stream?after=')[1].split('"')[0])
    created: list[str] = []
    timer = threading.Timer(0.3, lambda: created.append(make(context, agent.actor, title="新来电：井盖丢失")))
    lines: list[str] = []
    started = time.monotonic()
    with as_(client, agent).stream("GET", f"/console/queue/stream?after={after_id}") as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        timer.start()
        for line in response.iter_lines():
            lines.append(line)
            if line.startswith("data:"):
                break
    timer.join()
    assert time.monotonic() - started < 5, "the stream ended without an event"
    assert lines[0].startswith("retry:")
    data = next(line for line in lines if line.startswith("data:"))
    assert created and f'"number": "{created[0]}"' in data and "井盖丢失" in data and before not in data
    assert "event: ticket" in lines


def test_repeat_case_merged_with_one_click(client, context, people):
    agent = people["agent"]
    first = make(context, agent.actor, title="楼下餐馆夜间噪音")
    repeat = make(context, agent.actor, title="又是楼下餐馆噪音")  # same caller: suggested repeat
    as_(client, agent)
    page = client.get(f"/console/tickets/{repeat}").text
    assert "疑似重复件" in page and f'hx-vals=\'{{"into": "{first}"}}\'' in page and "同一来电人" in page
    merged = client.post(f"/console/tickets/{repeat}/merge", data={"into": first},
                         headers={"HX-Request": "true", "X-CSRF-Token": agent.csrf})
    assert merged.status_code == 200 and f'href="/console/tickets/{first}"' in merged.text
    assert queries.ticket_view(context, number=repeat, actor=agent.actor).status == "merged"
    assert "absorb" in actions(context, first, agent.actor)


def test_consultation_answered_from_the_knowledge_base(client, context, people):
    from ticketing.kb import service as kb

    with context.sessions() as s:
        article = kb.add_article(s, question="社保卡丢了怎么补办？", answer="携带身份证到社保服务大厅补办，当场领取。",
                                 tags="社保")
        s.commit()
        article_id = article.id
    agent = people["agent"]
    number = make(context, agent.actor, ticket_type=TicketType.CONSULT, content="社保卡丢了，怎么补办社保卡？")
    as_(client, agent)
    page = client.get(f"/console/tickets/{number}").text
    assert "用此答案答复" in page and f'data-article="{article_id}"' in page and 'id="answer-text"' in page
    done = client.post(f"/console/tickets/{number}/answer", headers={"HX-Request": "true", "X-CSRF-Token": agent.csrf},
                       data={"reply": "携带身份证到社保服务大厅补办，当场领取。", "article_id": str(article_id)})
    assert done.status_code == 200 and "已办结" in done.text
    t = queries.ticket_view(context, number=number, actor=agent.actor)
    assert t.status == "closed" and t.reply.startswith("携带身份证")
    history = queries.history(context, number=number, actor=agent.actor)
    assert history[-1].action == "answer" and history[-1].changes["kb_article"] == [None, article_id]


def test_ticket_page_plays_the_recording_from_a_clicked_sentence_and_shows_the_transcript_state(
        client, context, people):
    """A phone ticket shows its transcript state, one button per timed sentence (data-seek = its start in
    seconds, for the <audio> player) and the recognizer's raw text before correction."""
    from telephony.models import Call

    agent = people["agent"]
    write_wav(context.settings.data_dir / "recordings" / "2026" / "call-9.wav", 3.0)
    number = make(context, agent.actor, recording_url="2026/call-9.wav", transcript="家里着火了。在3号楼。")
    with context.sessions() as session:
        session.add(Call(sip_call_id="c9@x", recording_path="2026/call-9.wav", status="ticketed",
                         transcript="家里着火了。在3号楼。", transcript_status="done", transcript_engine="whisper",
                         transcript_raw="家里找火了。在三号楼。", ticket_number=number,
                         transcript_segments=[{"start": 0.0, "end": 1.4, "text": "家里着火了。", "confidence": 0.8},
                                              {"start": 75.5, "end": 77.0, "text": "在3号楼。", "confidence": 0.7}]))
        session.commit()
    page = as_(client, agent).get(f"/console/tickets/{number}").text
    assert 'id="call-audio"' in page
    assert 'data-seek="0.0"' in page and 'data-seek="75.5"' in page and "01:15" in page
    assert "转写状态：已转写（whisper）" in page
    assert "家里找火了。在三号楼。" in page  # the raw text, behind a disclosure
    failed = make(context, agent.actor, recording_url="2026/call-9.wav")
    with context.sessions() as session:
        session.add(Call(sip_call_id="c10@x", recording_path="2026/call-9.wav", status="failed",
                         transcript_status="failed", ticket_number=failed, error="asr_failed: not a WAV file"))
        session.commit()
    page = client.get(f"/console/tickets/{failed}").text
    assert "转写失败，稍后重试" in page and "not a WAV file" in page and "data-seek" not in page
