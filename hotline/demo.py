"""`hotline demo seed`: a small city to try the platform with — departments, a dispatch catalogue, users,
knowledge-base articles and tickets in several states. Safe to run twice (it seeds once)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from hotline.context import AppContext
from hotline.database import utcnow
from ticketing import flows
from ticketing.enums import Role
from ticketing.flows.queries import ticket_view
from ticketing.kb import service as kb
from ticketing.org import service as org
from ticketing.org.auth import Actor
from ticketing.schemas import DispatchIn, TicketCreate, TriageIn

CITY = "city"
# code, name, level, parent code, district served
DEPARTMENTS = [
    ("city", "示范市人民政府", "city", None, None),
    ("zjj", "市住房和城乡建设局", "unit", "city", None),
    ("jtj", "市交通运输局", "unit", "city", None),
    ("cgj", "市城市管理局", "unit", "city", None),
    ("sthj", "市生态环境局", "unit", "city", None),
    ("rsj", "市人力资源和社会保障局", "unit", "city", None),
    ("scjg", "市市场监督管理局", "unit", "city", None),
    ("dq", "东城区人民政府", "district", "city", "dongcheng"),
    ("xq", "西城区人民政府", "district", "city", "xicheng"),
    ("dq-hp", "和平街道办事处", "street", "dq", "dongcheng"),
    ("xq-jf", "解放街道办事处", "street", "xq", "xicheng"),
    ("dq-hp-1", "和平里社区居委会", "community", "dq-hp", "dongcheng"),
]
# code, name, parent code, lead department code (any district), district-specific leads
CATEGORIES = [
    ("urban", "城乡建设", None, None, {}),
    ("streetlight", "路灯照明", "urban", "cgj", {}),
    ("property", "物业管理", "urban", "zjj", {"dongcheng": "dq-hp", "xicheng": "xq-jf"}),
    ("traffic", "交通出行", None, None, {}),
    ("bus", "公交线路", "traffic", "jtj", {}),
    ("env", "生态环境", None, None, {}),
    ("noise", "噪音扰民", "env", "sthj", {"dongcheng": "dq-hp"}),
    ("labour", "劳动保障", None, None, {}),
    ("wages", "拖欠工资", "labour", "rsj", {}),
    ("socialcard", "社保卡", "labour", "rsj", {}),
    ("market", "市场监管", None, None, {}),
    ("food", "食品安全", "market", "scjg", {}),
]
USERS = [  # username, display name, role, department code
    ("admin", "系统管理员", "admin", None),
    ("agent", "话务员小王", "agent", None),
    ("supervisor", "值班长李娜", "supervisor", None),
    ("cgj", "城管局承办人", "department", "cgj"),
    ("zjj", "住建局承办人", "department", "zjj"),
    ("rsj", "人社局承办人", "department", "rsj"),
    ("jtj", "交通局承办人", "department", "jtj"),
    ("dq-hp", "和平街道承办人", "department", "dq-hp"),
]
ARTICLES = [
    ("社保卡丢失后如何补办？", "携带本人身份证到任一社保卡服务网点或通过市人社局政务服务平台申请补办，"
     "挂失后一般 7 个工作日内可领取新卡。", "社保卡,补办,挂失"),
    ("公积金提取需要哪些材料？", "本人身份证、银行卡及提取原因证明材料，可在公积金中心网上业务大厅办理。",
     "公积金,提取"),
    ("夜间施工噪音如何投诉？", "夜间 22 时至次日 6 时禁止产生噪声的建筑施工作业，可拨打 12345 反映，"
     "由生态环境部门依法查处。", "噪音,施工,夜间"),
]
TICKETS = [  # type, category, district, address, content, phone, stage
    ("complaint", "streetlight", "dongcheng", "和平里北街 12 号", "和平里北街路灯坏了一个星期，晚上特别黑。",
     "13800138001", "dispatched"),
    ("complaint", "noise", "dongcheng", "和平里小区 3 号楼", "楼下工地每天夜里十二点还在施工，噪音扰民。",
     "13800138002", "triaged"),
    ("help", "wages", None, "示范市开发区", "在工地干了三个月活，老板一直拖欠工资不给。", "13800138003",
     "registered"),
    ("consult", "socialcard", None, None, "社保卡丢了怎么补办？", "13800138004", "registered"),
    ("suggestion", "bus", "xicheng", "解放路公交站", "建议增加 18 路公交车早高峰班次。", "13800138005",
     "accepted"),
]


def seed(ctx: AppContext, *, password: str) -> dict[str, int]:
    """Seed once; returns what was created (all zeros when the demo city already exists)."""
    with ctx.sessions() as session:
        if org.find_department_by_code(session, code=CITY) is not None:
            return {"departments": 0, "categories": 0, "users": 0, "articles": 0, "tickets": 0}
        departments = _departments(session)
        categories = _categories(session, departments)
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
    return {"departments": len(departments), "categories": len(categories), "users": len(USERS),
            "articles": len(ARTICLES), "tickets": len(TICKETS)}


def _departments(session: Session) -> dict[str, int]:
    ids: dict[str, int] = {}
    for code, name, level, parent, district in DEPARTMENTS:
        dept = org.create_department(session, code=code, name=name, level=level,
                                     parent_id=ids[parent] if parent else None, district=district)
        ids[code] = dept.id
    return ids


def _categories(session: Session, departments: dict[str, int]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for code, name, parent, lead, by_district in CATEGORIES:
        ids[code] = org.create_category(session, code=code, name=name, parent_id=ids[parent] if parent else None).id
        if lead:
            org.create_dispatch_rule(session, category_id=ids[code], district=None, department_id=departments[lead])
        for district, dept in by_district.items():
            org.create_dispatch_rule(session, category_id=ids[code], district=district,
                                     department_id=departments[dept])
    return ids
