"""Data generators behind bench/seed_tickets.py: the organisation, ticket texts and the ticket rows."""

from __future__ import annotations

import functools
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate

import psycopg

from ticketing.org.auth import hash_password

TITLE_CHARS = 30
DAYS = 730
DISTRICTS = [("330102", "上城区"), ("330105", "拱墅区"), ("330106", "西湖区"), ("330108", "滨江区"),
             ("330109", "萧山区"), ("330110", "余杭区"), ("330113", "临平区"), ("330114", "钱塘区"),
             ("330111", "富阳区"), ("330112", "临安区"), ("330122", "桐庐县"), ("330127", "淳安县")]
CITY_BUREAUS = ["住房和城乡建设局", "城市管理局", "生态环境局", "市场监督管理局", "交通运输局", "公安局",
                "人力资源和社会保障局", "卫生健康委员会", "教育局", "水务集团", "供电公司", "燃气集团",
                "规划和自然资源局", "民政局", "医疗保障局", "文化广电旅游局", "商务局", "农业农村局",
                "退役军人事务局", "税务局", "数据资源局", "应急管理局", "林业水利局", "体育局", "园林文物局",
                "残疾人联合会", "总工会", "妇女联合会", "公积金中心", "信访局"]
DISTRICT_BUREAUS = ["城管局", "住建局", "市场监管局", "生态环境分局", "教育局"]
STREETS_PER_DISTRICT = 8
CATEGORIES = {  # 10 top-level categories with 9 subcategories each: 100 in all
    "城市管理": ["占道经营", "流动摊贩", "违章建筑", "乱停乱放", "渣土车", "垃圾清运", "共享单车", "广场舞", "户外广告"],
    "市政设施": ["路灯", "井盖", "下水道", "道路破损", "积水", "绿化带", "公共厕所", "人行道", "桥梁"],
    "环境保护": ["噪音扰民", "施工噪音", "油烟扰民", "光污染", "水污染", "空气污染", "异味", "河道保洁", "垃圾焚烧"],
    "住房物业": ["物业服务", "电梯故障", "房屋漏水", "群租房", "物业费", "二次供水", "业主委员会", "公租房", "不动产登记"],
    "公用事业": ["停水", "停电", "燃气", "供暖", "水压不足", "电费", "燃气费", "有线电视", "宽带"],
    "交通出行": ["公交线路", "出租车", "违章停车", "交通信号灯", "网约车", "停车收费", "地铁", "道路拥堵", "电动车"],
    "劳动保障": ["拖欠工资", "社保缴纳", "劳动合同", "失业保险", "工伤认定", "退休待遇", "职业培训", "人才政策", "灵活就业"],
    "市场监管": ["食品安全", "消费维权", "价格欺诈", "无证经营", "预付卡", "虚假宣传", "产品质量", "药品安全", "特种设备"],
    "教育卫生": ["入学政策", "校外培训", "医保报销", "医院服务", "疫苗接种", "校园安全", "学费", "托育", "医疗纠纷"],
    "社会服务": ["养老服务", "低保救助", "残疾人补贴", "户籍办理", "流浪狗", "犬只扰民", "殡葬服务", "婚姻登记", "证件办理"],
}
ISSUES = ["{c}问题", "{c}方面的问题", "有关{c}的情况", "{c}的相关情况"]
PLACES = ["小区门口", "小区内", "楼下", "附近", "路口", "菜市场旁", "学校周边", "公交站旁", "商场后面", "地铁站出口"]
DETAILS = ["已持续一周", "多次反映未解决", "情况比较严重", "影响周边居民生活", "晚上尤其明显", "已经好几天了",
           "给老人孩子带来不便", "存在安全隐患", "之前打过电话", "周末更加严重"]
REQUESTS = ["希望有关部门尽快处理", "请相关部门核实处理", "要求给予答复", "希望尽快解决", "请尽快派人查看",
            "希望加强管理", "咨询如何办理", "请告知办理流程"]
ROADS = ["文三路", "天目山路", "延安路", "解放路", "庆春路", "凤起路", "环城北路", "莫干山路", "学院路", "古墩路",
         "江南大道", "滨盛路", "市心路", "人民路", "建设路", "体育场路", "湖墅南路", "秋涛路", "钱江路", "之江路"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
TYPES = [("consult", 40), ("complaint", 25), ("help", 20), ("report", 7), ("suggestion", 6), ("praise", 2)]
CHANNELS = [("phone", 70), ("web", 10), ("wechat", 10), ("sms", 3), ("hall", 2), ("review", 2),
            ("enterprise", 1), ("other", 2)]
OPEN_MIX = [("registered", 5), ("triaged", 5), ("dispatched", 20), ("accepted", 50), ("returned", 3),
            ("replied", 17)]
SATISFACTION = [("very_satisfied", 30), ("satisfied", 45), ("basically_satisfied", 15), ("dissatisfied", 7),
                ("very_dissatisfied", 3)]
REPLIES = ["已安排人员现场核实处理", "经核查情况属实，已责令整改", "已电话联系市民说明政策", "已协调相关单位解决",
           "该问题已列入整改计划"]


@dataclass
class CategorySpec:
    id: int
    name: str
    city_department: int  # lead of the any-district catalogue rule


@dataclass
class Org:
    categories: list[CategorySpec]
    category_weights: list[float]
    district_departments: dict[str, list[int]]  # district code -> its bureaus and streets
    agents: list[tuple[int, str]]
    supervisors: list[tuple[int, str]]
    department_users: dict[int, tuple[int, str]] = field(default_factory=dict)


def weighted(pairs: list[tuple[str, int]]) -> tuple[list[str], list[int]]:
    return [p[0] for p in pairs], list(accumulate(p[1] for p in pairs))


def contents(rng: random.Random, cat: CategorySpec, n: int) -> list[str]:
    """n distinct complaint texts about category `cat`."""
    texts: set[str] = set()
    while len(texts) < n:
        issue = rng.choice(ISSUES).format(c=cat.name)
        texts.add(f"市民来电反映{rng.choice(PLACES)}{issue}，{rng.choice(DETAILS)}，{rng.choice(REQUESTS)}。")
    return sorted(texts)


def addresses(rng: random.Random, n: int) -> list[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    while len(found) < n:
        code, name = rng.choice(DISTRICTS)
        found.add((code, f"{name}{rng.choice(ROADS)}{rng.randint(1, 999)}号"))
    return sorted(found)


def insert_org(conn: psycopg.Connection, rng: random.Random) -> Org:
    """Departments (~200), categories (100), dispatch catalogue and users; returns what tickets need."""
    now = datetime.now(UTC)

    def department(code: str, name: str, level: str, parent: int | None, district: str | None) -> int:
        return conn.execute(
            "INSERT INTO departments (code, name, parent_id, level, district, active, created_at) "
            "VALUES (%s, %s, %s, %s, %s, true, %s) RETURNING id", (code, name, parent, level, district, now),
        ).fetchone()[0]

    city = department("city", "12345市民服务热线中心", "city", None, None)
    bureaus = [department(f"city-{i:02d}", f"市{name}", "unit", city, None) for i, name in enumerate(CITY_BUREAUS)]
    district_departments: dict[str, list[int]] = {}
    for code, name in DISTRICTS:
        gov = department(f"d{code}", f"{name}人民政府", "district", city, code)
        units = [department(f"d{code}-{j}", f"{name}{b}", "unit", gov, code) for j, b in enumerate(DISTRICT_BUREAUS)]
        units += [department(f"d{code}-s{j}", f"{name}第{j + 1}街道办事处", "street", gov, code)
                  for j in range(STREETS_PER_DISTRICT)]
        district_departments[code] = units
    categories: list[CategorySpec] = []
    for i, (top, children) in enumerate(CATEGORIES.items()):
        parent = conn.execute("INSERT INTO categories (code, name, parent_id, active) VALUES (%s, %s, NULL, true) "
                              "RETURNING id", (f"c{i:02d}", top)).fetchone()[0]
        lead = bureaus[i % len(bureaus)]
        conn.execute("INSERT INTO dispatch_rules (category_id, district, department_id) VALUES (%s, NULL, %s)",
                     (parent, lead))
        for j, child in enumerate(children):
            cid = conn.execute("INSERT INTO categories (code, name, parent_id, active) VALUES (%s, %s, %s, true) "
                               "RETURNING id", (f"c{i:02d}{j:02d}", child, parent)).fetchone()[0]
            if j % 3 == 0:  # a third of the subcategories have their own any-district rule
                own = bureaus[(i + j + 10) % len(bureaus)]
                conn.execute("INSERT INTO dispatch_rules (category_id, district, department_id) "
                             "VALUES (%s, NULL, %s)", (cid, own))
                lead_of_child = own
            else:
                lead_of_child = lead
            categories.append(CategorySpec(cid, child, lead_of_child))
    # Zipf-like popularity: a few categories (noise, property, wages ...) take most cases.
    order = list(range(len(categories)))
    rng.shuffle(order)
    weights = [0.0] * len(categories)
    for rank, index in enumerate(order, start=1):
        weights[index] = 1.0 / rank ** 0.8
    for k, cat in enumerate(categories):
        if cat.name in ("噪音扰民", "施工噪音"):
            weights[k] = max(weights) / 2  # noise is among the commonest complaints
    org = Org(categories, list(accumulate(weights)), district_departments, [], [])
    password = hash_password("bench-pass-1")  # hashed once; argon2 per user would take seconds

    def user(username: str, role: str, dept: int | None) -> tuple[int, str]:
        display = f"{role} {username}"
        uid = conn.execute(
            "INSERT INTO users (username, display_name, password_hash, role, department_id, active, "
            "failed_logins, created_at) VALUES (%s, %s, %s, %s, %s, true, 0, %s) RETURNING id",
            (username, display, password, role, dept, now)).fetchone()[0]
        return uid, display

    org.agents = [user(f"agent{i}", "agent", None) for i in range(40)]
    org.supervisors = [user(f"supervisor{i}", "supervisor", None) for i in range(5)]
    user("admin", "admin", None)
    for dept in [*bureaus, *(d for units in district_departments.values() for d in units)]:
        org.department_users[dept] = user(f"dept{dept}", "department", dept)
    return org


def pick(rng: random.Random, choices: tuple[list[str], list[int]]) -> str:
    values, cum = choices
    return rng.choices(values, cum_weights=cum)[0]


class TicketGenerator:
    """Ticket rows in id order (ids follow acceptance time) with their callers, assignments and events."""

    def __init__(self, rng: random.Random, *, org: Org, pool, policy, now: datetime, count: int) -> None:
        self.rng, self.org, self.pool, self.policy, self.now = rng, org, pool, policy, now
        self.count = count
        self.tz = policy.tz
        self.types, self.channels = weighted(TYPES), weighted(CHANNELS)
        self.open_mix, self.satisfaction = weighted(OPEN_MIX), weighted(SATISFACTION)
        self.frequent = [self.mobile() for _ in range(2000)]  # repeat callers
        self.regular = [self.mobile() for _ in range(100_000)]
        self.day_counts: Counter = Counter()
        self.yellow = timedelta(hours=policy.yellow_hours)

    def mobile(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"

    def phone(self) -> str | None:
        r = self.rng.random()
        if r < 0.15:
            return self.rng.choice(self.frequent)
        if r < 0.50:
            return self.rng.choice(self.regular)
        if r < 0.57:
            return f"0571{self.rng.randrange(10**7, 10**8)}"
        if r < 0.60:
            return None  # anonymous web or review cases
        return self.mobile()

    def moments(self) -> list[float]:
        """Acceptance times (epoch seconds) over the last DAYS days, busier in daytime, ascending."""
        end = self.now.timestamp() - 60
        start = end - DAYS * 86400
        out = []
        for _ in range(self.count):
            t = self.rng.uniform(start, end)
            hour = (t / 3600 + 8) % 24  # local hour (UTC+8)
            if hour < 7 and self.rng.random() < 0.8:  # night: fewer calls
                t += 8 * 3600
            out.append(min(t, end))
        out.sort()
        return out

    def chunks(self, size: int):
        moments = self.moments()
        for first in range(0, self.count, size):
            tickets, callers, assignments, events = [], [], [], []
            for i in range(first, min(first + size, self.count)):
                self.ticket(i + 1, datetime.fromtimestamp(moments[i], UTC), tickets, callers, assignments, events)
            yield tickets, callers, assignments, events

    def step(self, at: datetime, low: float, high: float, limit: datetime) -> datetime:
        """`at` plus a random delay in hours, but never later than `limit` (now, for open cases)."""
        later = at + timedelta(hours=self.rng.uniform(low, high))
        return later if later < limit else at + (limit - at) * self.rng.uniform(0.2, 0.9)

    def ticket(self, tid: int, accepted: datetime, tickets, callers, assignments, events) -> None:
        rng, org, now = self.rng, self.org, self.now
        local_day = accepted.astimezone(self.tz).date()
        self.day_counts[local_day] += 1
        number = f"{local_day:%Y%m%d}{self.day_counts[local_day]:05d}"
        cat = org.categories[rng.choices(range(len(org.categories)), cum_weights=org.category_weights)[0]]
        title, content, text_tokens = rng.choice(self.pool.by_category[cat.id])
        district, address, address_tokens = rng.choice(self.pool.addresses)
        ticket_type, channel = pick(rng, self.types), pick(rng, self.channels)
        urgency = "urgent" if rng.random() < 0.03 else "normal"
        phone = self.phone()
        name = f"{rng.choice(SURNAMES)}{rng.choice('先生女士')}" if phone and rng.random() < 0.7 else None
        age_days = (now - accepted).total_seconds() / 86400
        p_open = 0.9 if age_days < 3 else 0.5 if age_days < 15 else 0.2 if age_days < 60 else 0.01
        status = pick(rng, self.open_mix) if rng.random() < p_open else "closed"
        if status == "closed" and rng.random() < 0.01 and tid > 1:
            status = "merged"
        direct = status == "closed" and ticket_type == "consult" and rng.random() < 0.6
        due = self.policy.due(accepted, urgency=urgency, ticket_type=ticket_type)
        first_due = self.policy.due(accepted, urgency=urgency, ticket_type=ticket_type, kind="first_contact")
        agent_id, agent_name = rng.choice(org.agents)
        limit = now if status not in ("closed", "merged") else now + timedelta(days=3650)
        created = accepted
        dispatched = handled = replied = closed = first_contact = None
        lead = reply = satisfaction = merged_into = None
        dispatched_statuses = ("dispatched", "accepted", "returned", "replied", "closed")
        if status in dispatched_statuses and not direct:
            dispatched = self.step(created, 0.05, 4, limit)
            lead = cat.city_department if rng.random() < 0.5 else rng.choice(org.district_departments[district])
        if status in ("accepted", "replied", "closed") and lead:
            handled = self.step(dispatched, 0.5, 24, limit)
            first_contact = self.step(handled, 0.1, 20, limit)
        if status in ("replied", "closed") and lead:
            replied = self.step(first_contact, 2, 96, limit)
            reply = rng.choice(REPLIES)
        if status == "closed":
            closed = self.step(replied or created, 0.1, 48, limit)
            satisfaction = pick(rng, self.satisfaction)
            if direct:
                reply, replied = rng.choice(REPLIES), closed
        if status == "merged":
            merged_into = rng.randint(max(1, tid - 500), tid - 1)
            closed_time = self.step(created, 0.1, 24, limit)
        light = "green"
        if status not in ("closed", "merged"):
            light = "red" if due < now else "yellow" if due - now < self.yellow else "green"
        last = closed or replied or first_contact or handled or dispatched or created
        if status == "merged":
            last = closed_time

        actions = self.events(status, direct, bool(lead))
        seq_times = [created, *([dispatched or handled or last] if len(actions) > 2 else []), last][: len(actions)]
        previous = None
        for seq, (action, to_status) in enumerate(actions, start=1):
            department_actor = action in ("accept", "reply", "return")
            actor_id, actor_name = org.department_users[lead] if department_actor and lead else (agent_id, agent_name)
            key = ("channel", channel) if action == "create" else ("lead_department_id", lead) \
                if action == "dispatch" else None
            events.append((tid, seq, action, actor_id, "department" if department_actor else "agent", actor_name,
                           previous, to_status, seq_times[min(seq - 1, len(seq_times) - 1)], None,
                           self.changes(key)))
            previous = to_status
        if lead:
            a_status = {"dispatched": "dispatched", "returned": "dispatched", "accepted": "accepted"}.get(
                status, "replied")
            is_open = status not in ("closed", "merged")  # the assignment's copy (migration 0011)
            assignments.append((tid, lead, "lead", a_status, dispatched, handled, replied, reply, created, urgency,
                                is_open))
            if rng.random() < 0.1:
                co = rng.choice(org.district_departments[district])
                if co != lead:
                    assignments.append((tid, co, "co", a_status, dispatched, handled, None, None, created, urgency,
                                        is_open))
        callers.append((tid, phone, name, tid, created))
        tickets.append((
            tid, number, channel, phone, name, ticket_type, cat.id, title, content, address, district, urgency,
            status, lead, accepted, due, first_due, first_contact, light, light == "red", dispatched, handled,
            replied, closed, reply, satisfaction, 0, 0, merged_into, agent_id, created, last, len(actions),
            len(actions), self.pool.search_tokens(text_tokens, address_tokens),
        ))

    @functools.cache  # noqa: B019 - a handful of distinct values, generator lives for one load
    def changes(self, key: tuple[str, object] | None) -> str:
        return json.dumps({key[0]: [None, key[1]]} if key else {})

    @staticmethod
    def events(status: str, direct: bool, dispatched: bool) -> list[tuple[str, str]]:
        """1-3 events: creation, the step that led here, the latest step."""
        if status == "registered":
            return [("create", "registered")]
        if status == "merged":
            return [("create", "registered"), ("merge", "merged")]
        if direct:
            return [("create", "registered"), ("answer", "closed")]
        if status == "triaged":
            return [("create", "registered"), ("triage", "triaged")]
        last = {"dispatched": "triage", "accepted": "accept", "returned": "return", "replied": "reply",
                "closed": "close"}[status]
        if last == "triage":
            return [("create", "registered"), ("triage", "triaged"), ("dispatch", "dispatched")]
        return [("create", "registered"), ("dispatch", "dispatched"), (last, status)]
