"""`hotline demo seed`: a prefecture city to try the platform with — departments, the matter catalogue and
gazetteer from ticketing/org/data (the city 示范市), users, knowledge-base articles and tickets in several
states. Safe to run twice (it seeds once)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hotline.context import AppContext
from hotline.database import utcnow
from ticketing import flows
from ticketing.enums import Role
from ticketing.flows.queries import ticket_view
from ticketing.kb import service as kb
from ticketing.org import catalogue_flows
from ticketing.org import service as org
from ticketing.org.auth import Actor
from ticketing.org.models import Category, Department, Place
from ticketing.schemas import DispatchIn, TicketCreate, TriageIn

CITY = "city"  # the city government's department code; its presence means the demo city exists
USERS = [  # username, display name, role, department code
    ("admin", "系统管理员", "admin", None),
    ("agent", "话务员小王", "agent", None),
    ("supervisor", "值班长李娜", "supervisor", None),
    ("cgj", "城管局承办人", "department", "cgj"),
    ("zjj", "住建局承办人", "department", "zjj"),
    ("rsj", "人社局承办人", "department", "rsj"),
    ("jtj", "交通局承办人", "department", "jtj"),
    ("dq-hp", "和平街道承办人", "department", "dq-hp"),
    ("xq-jf", "解放街道承办人", "department", "xq-jf"),
    ("sthj", "生态环境局承办人", "department", "sthj"),
    ("gaj", "公安局承办人", "department", "gaj"),
]
ARTICLES = [
    ("社保卡丢失后如何补办？", "携带本人身份证到任一社保卡服务网点或通过市人社局政务服务平台申请补办，"
     "挂失后一般 7 个工作日内可领取新卡。", "社保卡,补办,挂失"),
    ("公积金提取需要哪些材料？", "本人身份证、银行卡及提取原因证明材料，可在公积金中心网上业务大厅办理。",
     "公积金,提取"),
    ("夜间施工噪音如何投诉？", "夜间 22 时至次日 6 时禁止产生噪声的建筑施工作业，可拨打 12345 反映，"
     "由生态环境部门依法查处。", "噪音,施工,夜间"),
]
# Matter codes of ticketing/org/data/catalogue.csv used by the demo tickets.
STREETLIGHT, NIGHT_WORKS, WAGES, SOCIAL_CARD, TAXI = "17006", "02004", "06001", "06006", "03003"
TICKETS = [  # type, matter code, district, address, content, phone, stage
    ("complaint", STREETLIGHT, "dongcheng", "和平里北街 12 号", "和平里北街路灯坏了一个星期，晚上特别黑。",
     "13800138001", "dispatched"),
    ("complaint", NIGHT_WORKS, "dongcheng", "和平里小区 3 号楼", "楼下工地每天夜里十二点还在施工，噪音扰民。",
     "13800138002", "triaged"),
    ("help", WAGES, None, "示范市开发区", "在工地干了三个月活，老板一直拖欠工资不给。", "13800138003",
     "registered"),
    ("consult", SOCIAL_CARD, None, None, "社保卡丢了怎么补办？", "13800138004", "registered"),
    ("suggestion", TAXI, "xicheng", "解放路公交站", "建议在解放路公交站旁边设一个出租车候客点，晚上很难打到车。",
     "13800138005",
     "accepted"),
]


def seed(ctx: AppContext, *, password: str) -> dict[str, int]:
    """Seed once; returns what was created (all zeros when the demo city already exists)."""
    with ctx.sessions() as session:
        if org.find_department_by_code(session, code=CITY) is not None:
            return {"departments": 0, "categories": 0, "places": 0, "users": 0, "articles": 0, "tickets": 0}
        catalogue_flows.import_defaults(session, actor=Actor.system("演示数据"), source="seed")
        departments = dict(session.execute(select(Department.code, Department.id)).all())
        categories = dict(session.execute(select(Category.code, Category.id)).all())
        places = session.scalar(select(func.count()).select_from(Place))
        for username, name, role, dept in USERS:
            org.create_user(session, username=username, password=password, role=role,
                            department_id=departments[dept] if dept else None, display_name=name,
                            min_password_length=ctx.settings.password_min_length)
        for question, answer, tags in ARTICLES:
            kb.add_article(session, question=question, answer=answer, tags=tags)
        session.commit()
        agent_id = org.find_user_by_username(session, username="agent").id
        dept_users = {d: org.find_user_by_username(session, username=u).id for u, _, r, d in USERS if d}
    agent = Actor(id=agent_id, role=Role.AGENT, name="话务员小王")
    now = utcnow()
    for i, (kind, cat, district, address, content, phone, stage) in enumerate(TICKETS):
        number = flows.create_ticket(ctx, actor=agent, data=TicketCreate(
            channel="phone" if i % 2 == 0 else "web", ticket_type=kind, category_id=categories[cat],
            district=district, address=address, content=content, caller_phone=phone,
            accepted_at=now - timedelta(hours=30 * i)))
        if stage == "registered":
            continue
        flows.triage(ctx, number=number, actor=agent, data=TriageIn(note="核实诉求"))
        if stage == "triaged":
            continue
        flows.dispatch(ctx, number=number, actor=agent, data=DispatchIn())
        if stage == "accepted":
            lead = ticket_view(ctx, number=number, actor=agent, audit=False).department_id
            code = next(c for c, dept_id in departments.items() if dept_id == lead)
            flows.accept(ctx, number=number, actor=Actor(id=dept_users[code], role=Role.DEPARTMENT,
                                                         name="承办人", department_id=lead))
    return {"departments": len(departments), "categories": len(categories), "places": places,
            "users": len(USERS), "articles": len(ARTICLES), "tickets": len(TICKETS)}

