"""Vocabulary of the ticket domain. Values are stable English codes; labels are the console's Chinese."""

from __future__ import annotations

from enum import StrEnum


class TicketType(StrEnum):
    CONSULT = "consult"  # 咨询
    HELP = "help"  # 求助
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"  # 举报
    SUGGESTION = "suggestion"  # 建议
    PRAISE = "praise"  # 表扬


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    SMS = "sms"
    WECHAT = "wechat"  # WeChat / QR code
    HALL = "hall"  # 办不成事 window in a service hall
    REVIEW = "review"  # 好差评 bad review
    ENTERPRISE = "enterprise"  # enterprise visit
    OTHER = "other"
    WALK_IN = "walk_in"  # a citizen at a service hall window (大厅窗口)
    LETTER = "letter"  # a letter (信件)


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class Complexity(StrEnum):
    SIMPLE = "simple"  # 简单
    GENERAL = "general"  # 一般
    COMPLEX = "complex"  # 复杂


class Status(StrEnum):
    REGISTERED = "registered"  # 已登记
    TRIAGED = "triaged"  # 已分类
    DISPATCHED = "dispatched"  # 已派单
    RETURNED = "returned"  # 退单 awaiting 异议审核
    ACCEPTED = "accepted"  # 已签收 (department handling)
    REPLIED = "replied"  # 已答复
    CLOSED = "closed"  # 已办结
    MERGED = "merged"  # 已并单 into another case


OPEN_STATUSES = frozenset(s for s in Status if s not in (Status.CLOSED, Status.MERGED))


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class Role(StrEnum):
    AGENT = "agent"  # 话务员
    SUPERVISOR = "supervisor"  # 督办/班长
    DEPARTMENT = "department"  # 承办单位
    ADMIN = "admin"
    SYSTEM = "system"  # IVR, Celery, Open311 intake


class AssignmentRole(StrEnum):
    LEAD = "lead"  # 主办
    CO = "co"  # 协办


class AssignmentStatus(StrEnum):
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    REPLIED = "replied"
    WITHDRAWN = "withdrawn"


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Satisfaction(StrEnum):
    VERY_SATISFIED = "very_satisfied"  # 非常满意 (5)
    SATISFIED = "satisfied"  # 满意 (4)
    BASIC = "basically_satisfied"  # 基本满意 (3)
    DISSATISFIED = "dissatisfied"  # 不满意 (2)
    VERY_DISSATISFIED = "very_dissatisfied"  # 非常不满意 (1)


LABELS_ZH: dict[str, str] = {
    "consult": "咨询", "help": "求助", "complaint": "投诉", "report": "举报", "suggestion": "建议",
    "praise": "表扬", "phone": "电话", "web": "网站", "sms": "短信", "wechat": "微信/扫码",
    "hall": "办不成事窗口", "review": "好差评", "enterprise": "走访企业", "other": "其他",
    "walk_in": "大厅窗口", "letter": "信件",
    "normal": "非紧急", "urgent": "紧急", "registered": "已登记", "triaged": "已分类",
    "dispatched": "已派单", "returned": "退单审核中", "accepted": "办理中", "replied": "已答复",
    "closed": "已办结", "merged": "已并单", "green": "绿灯", "yellow": "黄灯", "red": "红灯",
    "very_satisfied": "非常满意", "satisfied": "满意", "basically_satisfied": "基本满意",
    "dissatisfied": "不满意", "very_dissatisfied": "非常不满意",
    "pending": "待审核", "approved": "已同意", "rejected": "已驳回", "upheld": "退单成立（改派）",
    "withdrawn": "已撤回", "lead": "主办", "co": "协办",
    "simple": "简单", "general": "一般", "complex": "复杂",
    "first_contact": "首次联系", "reply": "答复", "handle": "办结", "dongli": "东丽", "laishan": "莱山", "chongming": "崇明",
    "xiangtan": "湘潭", "zhoucun": "周村",
}
