"""One meaning for each time word of a case (登记, 受理, 派单, 签收, 首次联系, 答复, 办结), used for the labels of
every console page (templating registers `time_label` / `time_meaning`) and the glossary (/console/glossary)."""

from __future__ import annotations

# case field -> (word, label on pages, meaning)
TIME_WORDS: dict[str, tuple[str, str, str]] = {
    "created_at": ("登记", "登记时间", "工单录入系统的时间（话务员保存受理单、语音留言或网上诉求生成工单的时刻）。列表按它排序。"),
    "accepted_at": ("受理", "受理时间", ("热线受理群众诉求的时间：来电、来信、窗口接待的时刻。办理时限和首次联系时限都从"
                                     "受理时间起算；补录的工单，受理时间早于登记时间。")),
    "dispatched_at": ("派单", "派单时间", "热线把工单派给主办单位（和协办单位）的时间。"),
    "handled_at": ("签收", "签收时间", "主办单位确认接收工单的时间；签收之后才能记录首次联系、申请延期。"),
    "first_contact_at": ("首次联系", "首次联系时间", "承办单位第一次联系到来电人的时间，须在首次联系时限之前。"),
    "replied_at": ("答复", "答复时间", "承办单位（或话务员直接答复咨询时）给出办理结果的时间。"),
    "closed_at": ("办结", "办结时间", "热线确认工单办理完毕、关闭工单的时间；之后进入回访评价。"),
}
DEADLINE_WORDS: dict[str, tuple[str, str]] = {
    "due_at": ("办理时限", "从受理时间起，按紧急程度和类型计算的办结期限；批准延期后顺延。"),
    "first_contact_due_at": ("首次联系时限", "从受理时间起，承办单位必须首次联系来电人的期限。"),
}


def time_label(field: str) -> str:
    """The page label of a case's time field (登记时间, 受理时间, …)."""
    if field in TIME_WORDS:
        return TIME_WORDS[field][1]
    return DEADLINE_WORDS[field][0]


def time_meaning(field: str) -> str:
    if field in TIME_WORDS:
        return TIME_WORDS[field][2]
    return DEADLINE_WORDS[field][1]
