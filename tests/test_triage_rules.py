"""Emergency rules (issue 11): patterns heard through homophones, single characters kept literal, hypothetical
and finished dangers cancelled, everyday sound-alikes ignored — the rule layer alone, no model."""

from __future__ import annotations

import pytest

from ticketing.triage import emergency


@pytest.fixture(scope="module")
def rules():
    return emergency.load_rules(None)


@pytest.mark.parametrize("text, service", [
    ("我爷爷到在阳台上了，怎么叫都叫不行", "120"),  # 倒在 heard as 到在: a pattern word by sound
    ("一辆货车把骑车的人装倒了", "122"),  # 撞倒 heard as 装倒
    ("我家门口停的电动车在充电的时候烧起来了", "119"),
    ("电梯卡在五楼和六楼中间，我妈在里头出不来", "119"),
    ("我前男友说今晚要过来弄死我", "110"),
    ("他喝了酒又在打我，我跟孩子躲在厕所里", "110"),
    ("孩子把奶奶的药片当糖吃了好几颗", "120"),
    ("血一直往外冒止不住，是切菜切到的", "120"),
    ("水已经漫到胸口了，我们一家在屋顶上", "119"),
    ("有个男的把一个小孩往车里拽，孩子一直在哭", "110"),
])
def test_danger_described_in_other_words_fires(rules, text, service):
    verdict = emergency.judge(text, rules)
    assert verdict.urgent and verdict.service == service, verdict


@pytest.mark.parametrize("text", [
    "想问一下社保卡丢了怎么补",  # 下 sounds like 杀 (xia ~ sha) but stands alone in its pattern
    "有人在河边钓鱼还乱扔垃圾",  # 钓 = 掉 and 还 = 海 are single characters: literal only
    "出租车司机多收了我二十块钱",  # 收了我 ~ 杀了我 keeps only 了我
    "学校门口过马路太吓人了，建议装个红绿灯",  # 吓人 ~ 杀人 is an everyday word
    "小区电梯的按钮坏了",  # 区电 ~ 触电 across a word boundary
])
def test_everyday_sound_alikes_do_not_fire(rules, text):
    assert not emergency.judge(text, rules).urgent, emergency.judge(text, rules)


@pytest.mark.parametrize("text, why", [
    ("假如在路上碰到有人晕倒，附近哪里有AED", "假设"),
    ("井盖没了一个大洞，晚上很容易有人掉进坑里", "假设"),
    ("外卖电动车骑得飞快，差点撞倒我家孩子", "假设"),
    ("火已经灭了，消防也走了，想问问窗户被火烧坏了找谁赔", "已经过去"),
    ("前几天小区里有人打架，警察已经处理完了，但是监控一直是坏的", ""),
    ("昨天轻微追尾，车挪走了，想开个事故证明", "过去"),
])
def test_hypothetical_finished_or_past_dangers_are_cancelled(rules, text, why):
    verdict = emergency.judge(text, rules)
    assert not verdict.urgent, verdict
    assert verdict.cancelled and why in "".join(verdict.reasons), verdict


def test_a_danger_that_goes_on_in_the_next_clause_still_fires(rules):
    assert emergency.judge("前几天就闻到煤气味，到现在还有", rules).urgent
    assert not emergency.judge("前几天闻到过煤气味，后来修好了，物业说没事了", rules).urgent


def test_sound_pattern_keeps_positions_of_the_text(rules):
    text = "喂，我爸到在卫生间里了"
    hit = next(h for h in emergency.judge(text, rules).hits if h.how == "pinyin")
    assert text[hit.start:hit.end] == hit.found and "到在" in hit.found
    assert len(emergency.sound_text(text)) == 2 * len(text)


def test_a_homophone_keeping_only_zhe_of_zhaohuo_still_fires(rules):
    assert emergency.judge("喂喂，我们这着伙了，烟太大了", rules).service == "119"  # 着 is not a filler here


@pytest.mark.parametrize("text, why", [
    ("我家楼下那个“火锅大爆炸”饭店油烟太大了", "引号"),
    ("建议给独居老人家里装个烟雾报警器", "报警器"),
    ("车子被追尾了，对方全责，人没受伤，保险理赔流程是什么", "手续"),
    ("上次我爸晕倒，救护车十分钟就到了，谢谢你们", "过去"),  # the past cue holds for the whole sentence
    ("新闻里说外地有小区燃气爆炸了，建议排查一下老小区", "假设"),
    ("不用叫救护车了，我爸已经醒过来了", "否定"),
    ("小区的燃气管道锈得厉害，暂时没漏气，能不能来检查", "否定"),
    ("刚才差点被一辆渣土车撞了，还好躲开了", "假设"),  # 刚才 tells when, it does not make it happen
])
def test_names_aftermath_reports_and_near_misses_are_cancelled(rules, text, why):
    verdict = emergency.judge(text, rules)
    assert not verdict.urgent and why in "".join(verdict.reasons), verdict


def test_a_homophone_must_not_straddle_two_words(rules):
    assert not emergency.judge("那家保健品店天天拉老人去听课", rules).urgent  # 家保 ~ 家暴 inside 那家/保健品
    assert not emergency.judge("家里水管爆了，水流了一地", rules).urgent  # 里水 ~ 溺水 inside 家里/水管
    assert emergency.judge("我们这电梯快人了，里面有个老太太", rules).urgent  # 电梯快人 (电梯困人) stands as words


def test_an_urgent_call_after_a_preamble_about_fees_still_fires(rules):
    text = "本来想反映小区停车收费的事，唉不说了，楼下有人拿棍子在砸车，嚷嚷着要杀人"
    assert emergency.judge(text, rules).service == "110"
