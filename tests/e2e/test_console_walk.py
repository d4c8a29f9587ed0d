"""Every console page, as every role that logs in (agent, supervisor, department, admin; the fifth Role, system,
is the platform itself and has no login), in Chromium: no page may show an ASCII-only word outside the
allow-list (codes, numbers, units — text inside <code>, <kbd> or translate="no" is a code by markup), log a
console error, or get a 4xx/5xx response. The world holds cases in every stage, the deadline sweep's marks,
a reviewed return, a decided extension and an abuse proposal, so their audit entries are on the pages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from wiring import demo
from hotline.database import utcnow
from tests.e2e.conftest import login, shot
from ticketing import flows
from ticketing.flows import queries
from ticketing.kb.models import KnowledgeArticle
from ticketing.org.auth import Actor
from ticketing.org.models import Department, User
from ticketing.schemas import (
    DecisionIn,
    DispatchIn,
    ExtensionIn,
    ReturnIn,
    ReviewReturnIn,
    TicketCreate,
    TriageIn,
)

PASSWORD = "secret-pass-1"
# ASCII words a Chinese page may show: units and names that are written in Latin letters in Chinese too.
ALLOWED = {"ms", "kB", "MB", "GB", "IVR", "SIP", "API", "CSV", "XLSX", "PDF", "Excel", "App", "PC"}
WORDS_JS = r"""() => {
  const skip = el => el.closest('script, style, code, kbd, [translate="no"], [hidden], template, noscript');
  const found = [];
  const take = (text, where) => {
    for (const w of (text || '').match(/[A-Za-z][A-Za-z'_\-]*/g) || []) found.push([w, where, text.trim().slice(0, 80)]);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!skip(node.parentElement)) take(node.textContent, node.parentElement.tagName.toLowerCase());
  }
  for (const el of document.body.querySelectorAll('[placeholder], [title], [aria-label], input[type=submit]')) {
    if (skip(el)) continue;
    for (const a of ['placeholder', 'title', 'aria-label']) if (el.getAttribute(a)) take(el.getAttribute(a), '@' + a);
  }
  take(document.title, 'title');
  return found;
}"""


def build_world(context) -> dict:
    demo.seed(context, password=PASSWORD)
    with context.reader() as s:
        users = {role: s.scalars(select(User).where(User.role == role).order_by(User.id)).first()
                 for role in ("agent", "supervisor", "admin")}
        dept_user = s.scalars(select(User).where(User.role == "department").order_by(User.id)).first()
        other = s.scalars(select(Department).where(Department.id != dept_user.department_id,
                                                   Department.level == "unit").order_by(Department.id)).first()
        article = s.scalars(select(KnowledgeArticle).order_by(KnowledgeArticle.id)).first()
    agent, sup, staff = Actor.of(users["agent"]), Actor.of(users["supervisor"]), Actor.of(dept_user)

    def case(content, **kw):
        body = {"channel": "phone", "ticket_type": "complaint", "content": content, "caller_phone": "13912340000",
                "caller_name": "张先生", "district": "dongcheng"} | kw
        return flows.create_ticket(context, data=TicketCreate(**body), actor=agent)

    def sent(number, lead):
        flows.triage(context, number=number, data=TriageIn(note="核实诉求"), actor=agent)
        flows.dispatch(context, number=number, data=DispatchIn(lead_department_id=lead), actor=agent)

    late = case("井盖丢失，很危险", accepted_at=utcnow() - timedelta(days=40))
    sent(late, staff.department_id)
    flows.sweep_lights(context)  # light and overdue marks by the deadline sweep
    returned = case("不归我们管的事情")
    sent(returned, staff.department_id)
    flows.request_return(context, number=returned, data=ReturnIn(reason="不属于本单位职责"), actor=staff)
    flows.review_return(context, number=returned, actor=sup,
                        data=ReviewReturnIn(uphold=True, new_department_id=other.id, note="改派"))
    extended = case("小区道路破损需要维修")
    sent(extended, staff.department_id)
    flows.accept(context, number=extended, actor=staff)
    flows.contact(context, number=extended, actor=staff, note="已电话联系")
    ext_id = flows.request_extension(context, number=extended, data=ExtensionIn(working_days=3, reason="需要协调"),
                                     actor=staff)
    flows.decide_extension(context, number=extended, extension_id=ext_id, data=DecisionIn(approve=True), actor=sup)
    flows.reply(context, number=extended, actor=staff, text="已维修完毕")
    from abuse import flows as abuse

    for _ in range(context.settings.abuse_blacklist_threshold):
        abuse.report_incident(context, actor=agent, kind="insult", caller="13700001111", note="辱骂话务员")
    numbers = [t.number for t in queries.list_tickets(context, flt=queries.service.TicketFilter(), actor=sup,
                                                       order="newest", limit=50, offset=0).items]
    dept_numbers = [t.number for t in queries.list_tickets(context, flt=queries.service.TicketFilter(),
                                                            actor=staff, order="newest", limit=50, offset=0).items]
    return {"users": users | {"department": dept_user}, "numbers": numbers, "dept_numbers": dept_numbers,
            "article": article.id}


def pages_for(role: str, w: dict) -> list[str]:
    staff = [f"/console/tickets/{n}" for n in w["numbers"]]
    common = ["/console/glossary", "/console/messages"]
    hotline = ["/console/queue", "/console/queue?status=", "/console/queue?q=张先生", "/console/tickets/new",
               "/console/kb", f"/console/kb/{w['article']}", "/console/abuse"]
    if role == "agent":
        return hotline + staff + common
    if role == "supervisor":
        return hotline + ["/console/supervision", "/console/dashboard", "/console/visits", "/console/kb/new"] + staff + common
    if role == "department":
        tabs = [f"/console/workbench?tab={t}" for t in ("dispatched", "accepted", "returned", "replied", "closed")]
        return ["/console/workbench", *tabs, *(f"/console/workbench/{n}" for n in w["dept_numbers"]),
                "/console/workbench?q=张先生"] + common
    return hotline + ["/console/supervision", "/console/dashboard", "/console/visits", "/console/admin",
                      "/console/admin/users", "/console/admin/departments", "/console/admin/deadlines",
                      "/console/admin/holidays", "/console/admin/ivr", "/console/admin/catalogue"] + staff[:3] + common


def test_every_page_in_chinese_without_errors(live_server, page, context):
    w = build_world(context)
    problems: list[str] = []
    current = {"url": ""}
    page.on("console", lambda m: problems.append(f"console {m.type} on {current['url']}: {m.text}")
            if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url} (on {current['url']})")
            if r.status >= 400 else None)
    seen = 0
    for role in ("agent", "supervisor", "department", "admin"):
        user = w["users"][role]
        page.context.clear_cookies()
        login(page, live_server, user.username, PASSWORD)
        page.wait_for_load_state("networkidle")
        for path in pages_for(role, w):
            current["url"] = f"{role} {path}"
            page.goto(live_server + path)
            page.wait_for_load_state("networkidle")
            seen += 1
            for word, where, text in page.evaluate(WORDS_JS):
                if word not in ALLOWED:
                    problems.append(f"ASCII word {word!r} ({where}: {text!r}) on {role} {path}")
        shot(page, f"walk-{role}")
    page.goto(live_server + "/docs")
    page.locator(".swagger-ui .info").wait_for()  # renders offline from the local bundle
    unique = list(dict.fromkeys(problems))
    assert seen > 40 and not unique, f"{len(unique)} problems:\n" + "\n".join(unique[:200])
