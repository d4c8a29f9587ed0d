"""Deadline rule sets (issue 15): the five locality presets say what their sources say, gaps and overlaps
are rejected with the rule named, cases keep the limits they got, `hotline sla due` takes the new keys."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from hotline.errors import ValidationFailed
from hotline.settings import Settings, get_settings
from ticketing import flows
from ticketing.deadlines import service
from ticketing.deadlines.cli import sla
from ticketing.deadlines.models import DeadlineRule, DeadlineRuleChange
from ticketing.deadlines.rulesets import RuleSet, RuleSpec, preset, preset_names
from ticketing.deadlines.sla import DeadlinePolicy
from ticketing.enums import Role
from ticketing.models import Ticket, TicketEvent
from ticketing.org.auth import Actor
from ticketing.schemas import TicketCreate, TriageIn

CST = timezone(timedelta(hours=8))
WED = datetime(2026, 11, 4, 10, 0, tzinfo=CST)  # a Wednesday in a month without holidays
AGENT = Actor(id=None, role=Role.AGENT, name="坐席")


def eod(d, m=11) -> datetime:
    return datetime(2026, m, d, 23, 59, 59, tzinfo=CST)


def due(locality, kind="handle", *, urgency="normal", complexity=None, channel=None, ticket_type=None):
    policy = DeadlinePolicy.from_settings(Settings(_env_file=None), locality=locality)
    return policy.due(WED, urgency=urgency, ticket_type=ticket_type, kind=kind, complexity=complexity,
                      channel=channel)


def test_every_preset_is_complete_and_unambiguous():
    assert preset_names() == ["chongming", "dongli", "laishan", "xiangtan", "zhoucun"]
    for name in preset_names():
        preset(name).check()


def test_dongli_complaint_list():
    """东丽: simple the same day, general within 5 days, complex within 15, explained within 7."""
    assert due("dongli", complexity="simple") == eod(4)
    assert due("dongli", complexity="general") == eod(9)
    assert due("dongli", complexity="complex") == eod(19)  # natural days: weekends count
    assert due("dongli", "reply", complexity="complex") == eod(11)
    assert due("dongli", "reply", complexity="simple") == eod(4)  # never after the close


def test_laishan_1634():
    """莱山: hotline cases answered in 3 working days; 接诉即办 answered in 2, closed in 13; new enterprises
    contacted within 24 hours."""
    assert due("laishan", "reply", channel="phone") == eod(9)
    assert due("laishan", "reply", channel="hall") == eod(6)
    assert due("laishan", channel="hall") == eod(23)
    assert due("laishan", "first_contact", channel="enterprise") == WED + timedelta(hours=24)
    assert due("laishan", "first_contact", channel="phone") == eod(5)


def test_chongming_1_3_5():
    """崇明: contact within 1 working day; simple the same day, general 3, complex 5 working days."""
    assert due("chongming", "first_contact", complexity="general") == eod(5)
    assert due("chongming", complexity="simple") == eod(4)
    assert due("chongming", "first_contact", complexity="simple") == eod(4)  # nested in the close
    assert due("chongming", complexity="general") == eod(9)
    assert due("chongming", complexity="complex") == eod(11)


def test_xiangtan_bad_reviews_and_zhoucun():
    assert due("xiangtan", channel="review") == eod(6)
    assert due("xiangtan", channel="review", complexity="complex") == eod(18)  # 10 working days
    assert due("xiangtan", channel="phone") == eod(9)
    assert due("zhoucun") == eod(9)
    assert due("zhoucun", urgency="urgent") == WED + timedelta(hours=24)


def test_urgent_first_contact_never_after_the_urgent_close():
    for name in ["default", *preset_names()]:
        for kind in ("first_contact", "reply"):
            assert due(name, kind, urgency="urgent") <= due(name, urgency="urgent"), (name, kind)


def test_overlap_and_gap_are_rejected_with_the_rule_named():
    rules = {("handle", "complaint", "normal", None, None): RuleSpec("working_days", 3),
             ("handle", None, "normal", None, "web"): RuleSpec("working_days", 5)}
    overlapping = preset("zhoucun").overlaid(rules)
    with pytest.raises(ValidationFailed) as caught:
        overlapping.check()
    assert "handle/complaint/normal/*/*" in caught.value.message and "handle/*/normal/*/web" in caught.value.message
    gap = RuleSet("gappy", {k: v for k, v in preset("zhoucun").rules.items() if k[0] != "reply"})
    with pytest.raises(ValidationFailed) as caught:
        gap.check()
    assert "reply/" in caught.value.message and "gap" in caught.value.message


def test_rule_edits_are_checked_audited_and_apply_to_new_cases(session, context):
    settings = replace(context, settings=context.settings.model_copy(update={"locality": "chongming"})).settings
    with pytest.raises(ValidationFailed):
        service.upsert_rule(session, locality="chongming", kind="handle", ticket_type="complaint", urgency="normal",
                            unit="working_days", amount=2, settings=settings)
        service.upsert_rule(session, locality="chongming", kind="handle", ticket_type=None, urgency="normal",
                            channel="web", unit="working_days", amount=4, settings=settings)
    session.rollback()
    assert session.scalars(select(DeadlineRule)).all() == []
    service.upsert_rule(session, locality="chongming", kind="handle", ticket_type=None, urgency="normal",
                        complexity="complex", unit="working_days", amount=7, settings=settings, actor_name="管理员",
                        reason="区政府通知")
    session.commit()
    change = session.scalars(select(DeadlineRuleChange)).one()
    assert (change.rule, change.before, change.after, change.reason) == (
        "handle/*/normal/complex/*", None, {"unit": "working_days", "amount": 7}, "区政府通知")
    policy = service.load_policy(session, settings=settings)
    assert policy.due(WED, urgency="normal", ticket_type="help", complexity="complex") == eod(13)
    service.delete_rule(session, locality="chongming", kind="handle", ticket_type=None, urgency="normal",
                        complexity="complex", settings=settings, reason="恢复")
    session.commit()
    assert service.load_policy(session, settings=settings).due(WED, urgency="normal", ticket_type=None,
                                                               complexity="complex") == eod(11)
    assert len(session.scalars(select(DeadlineRuleChange)).all()) == 2


def test_a_case_keeps_the_limits_of_its_rule_set(context, session):
    local = replace(context, settings=context.settings.model_copy(
        update={"locality": "chongming", "channel_localities": {"review": "xiangtan"}}))
    data = TicketCreate(channel="phone", ticket_type="help", content="办证窗口说材料不全", accepted_at=WED,
                        complexity="complex")
    number = flows.create_ticket(local, data=data, actor=AGENT)
    ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
    assert (ticket.rule_set, ticket.complexity) == ("chongming", "complex")
    assert (ticket.first_contact_due_at, ticket.reply_due_at, ticket.due_at) == (eod(5), eod(11), eod(11))
    assert ticket.limits["handle"] == {"unit": "working_days", "amount": 5}
    session.rollback()  # end the read: SQLite writers wait for readers
    review = flows.create_ticket(local, data=TicketCreate(**(data.model_dump() | {"channel": "review"})), actor=AGENT)
    assert session.scalars(select(Ticket.rule_set).where(Ticket.number == review)).one() == "xiangtan"
    session.rollback()

    flows.triage(local, number=number, data=TriageIn(complexity="simple"), actor=AGENT)  # at triage: no reason
    session.expire_all()
    ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
    assert ticket.due_at == eod(4) and ticket.first_contact_due_at == eod(4)
    session.rollback()
    with pytest.raises(ValidationFailed):  # later: only with a reason
        flows.triage(local, number=number, data=TriageIn(complexity="general"), actor=AGENT)
    flows.triage(local, number=number, data=TriageIn(complexity="general", note="涉及两个部门"), actor=AGENT)
    events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "triage")
                             .order_by(TicketEvent.seq)).all()
    assert events[-1].changes["complexity"] == ["simple", "general"] and events[-1].note == "涉及两个部门"


# --- CLI -------------------------------------------------------------------------------------------------
@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "fresh"))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def run_due(*args: str):
    return CliRunner().invoke(sla, ["due", "--accepted-at", "2026-11-04T10:00", *args])


def test_cli_takes_locality_complexity_channel_and_kind(cli_env):
    assert run_due().stdout.strip() == "2026-11-09T23:59:59+08:00"  # today's flags and output
    assert run_due("--locality", "chongming", "--complexity", "complex").stdout.strip() == "2026-11-11T23:59:59+08:00"
    assert run_due("--locality", "chongming", "--complexity", "simple").stdout.strip() == "2026-11-04T23:59:59+08:00"
    assert run_due("--locality", "laishan", "--channel", "enterprise",
                   "--kind", "first_contact").stdout.strip() == "2026-11-05T10:00:00+08:00"
    assert run_due("--locality", "laishan", "--channel", "web", "--kind", "reply").stdout.strip() \
        == "2026-11-09T23:59:59+08:00"
    bad = run_due("--locality", "atlantis")
    assert bad.exit_code == 2 and "atlantis" in bad.output
    assert run_due("--complexity", "hard").exit_code == 2


def test_cli_warns_when_a_holiday_year_is_not_published(cli_env):
    result = CliRunner().invoke(sla, ["due", "--accepted-at", "2031-05-06T10:00"])
    assert result.exit_code == 0 and result.stdout.strip() == "2031-05-09T23:59:59+08:00"  # weekends only
    assert "2031" in result.stderr and "not published" in result.stderr


# --- REST ------------------------------------------------------------------------------------------------
def test_rest_rules_take_complexity_channel_and_reason(client, users):
    _, admin = users("admin")
    _, agent = users("agent")
    rule = {"locality": "laishan", "kind": "first_contact", "urgency": "normal", "channel": "hall",
            "unit": "hours", "amount": 12, "reason": "窗口诉求当天联系"}
    saved = client.put("/api/v1/deadline-rules", json=rule, headers=admin)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["channel"], saved.json()["complexity"]) == ("hall", None)
    assert client.put("/api/v1/deadline-rules", json=rule, headers=agent).status_code == 403
    listed = client.get("/api/v1/deadline-rules", params={"locality": "laishan"}, headers=agent).json()
    assert [(r["kind"], r["channel"], r["amount"]) for r in listed] == [("first_contact", "hall", 12)]
    overlap = client.put("/api/v1/deadline-rules", headers=admin, json={
        "locality": "laishan", "kind": "first_contact", "urgency": "normal", "ticket_type": "help",
        "unit": "hours", "amount": 6})
    assert overlap.status_code == 422 and "first_contact/help/normal/*/*" in overlap.text
    preview = client.post("/api/v1/deadlines/preview", headers=agent, json={
        "accepted_at": "2026-11-04T10:00:00+08:00", "locality": "laishan", "channel": "hall"}).json()
    assert preview["first_contact_due_at"] == "2026-11-04T22:00:00+08:00"
    assert preview["reply_due_at"] == "2026-11-06T23:59:59+08:00" and preview["locality"] == "laishan"
    assert preview["calendar_warnings"] == []
    gone = client.delete("/api/v1/deadline-rules", headers=admin, params={
        "locality": "laishan", "kind": "first_contact", "urgency": "normal", "channel": "hall", "reason": "撤销"})
    assert gone.status_code == 204
