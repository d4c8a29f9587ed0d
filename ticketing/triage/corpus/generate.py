"""Seeded generator of the triage training corpus: spoken-style 12345 calls over the matter catalogue
(ticketing/org/data/catalogue.csv) with addresses from the gazetteer, phone numbers, rambling, emergencies
told the way callers tell them, negated and past dangers, and recognizer-style homophone noise.

The training split and the held-out test split are written from DIFFERENT phrase banks (openers, framings
per ticket type, emergency phrasings, closers) and the test split also uses each matter's last cue word,
which training never sees, so the evaluation measures phrasing the model was not fitted on.

    python -m ticketing.triage.corpus.generate            # writes train.jsonl and test.jsonl beside this file
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

from pypinyin import lazy_pinyin

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "org" / "data"
SEED = 12345
TYPES = ("complaint", "help", "consult", "report", "suggestion", "praise")

# --- phrase banks: index 0 = training, index 1 = held-out test ------------------------------------------
OPENERS = (
    ["喂，你好，", "你好，", "喂喂，", "您好，我想反映个事，", "那个，你好啊，", "喂，是12345吗？", "", "我跟你说个事，",
     "你好你好，", "嗯，喂，", "打扰一下，"],
    ["哎，同志你好，", "喂？听得到吗？", "师傅你好，", "我这边有个情况，", "早上好，", "哎呀总算打通了，", "",
     "嗯……那个，"],
)
WHO = (
    ["我是住在{place}的，", "我家在{place}，", "我在{place}这边，", "地址是{place}，", "我们是{place}的居民，"],
    ["我人在{place}，", "这是{place}这块儿，", "我们{place}这里，", "位置就在{place}，"],
)
FRAMES = {
    "complaint": (
        ["{cue}，{ramble}", "{ramble}{cue}，", "就是{cue}这个事，{ramble}", "{cue}，都没人来看一下", "{cue}，这算怎么回事", "我们这{cue}，{ramble}很影响生活", "{cue}，{ramble}一直拖着", "又是{cue}，{ramble}烦死了", "{cue}，我对这个处理结果很不满", "{cue}这事你们到底管不管啊，{ramble}", "我很生气，{cue}，{ramble}一点都不负责", "{cue}，打了好多次电话都没用，我要投诉他们", "{cue}，影响我们正常生活了，", "你们给个说法，{cue}，{ramble}", "我要投诉，{cue}，{ramble}", "{cue}的问题一直没人管，{ramble}太不像话了", "我反映过好几次了，{cue}，到现在都没解决",
         "{cue}，{ramble}找了好多次都推来推去", "实在受不了了，{cue}，你们管不管"],
        ["这个{cue}真的气死人了，{ramble}", "投诉一下啊，{cue}，拖了好久了", "我很不满意，{cue}，{ramble}根本没人理",
         "说了多少遍了{cue}，还是老样子"],
    ),
    "help": (
        ["{cue}，我们没办法，能不能派人帮忙", "{cue}，你们能不能帮忙协调", "{cue}，能不能请相关部门来处理一下", "{cue}，{ramble}我们自己解决不了", "想请你们协调一下，{cue}", "{cue}，请帮我们联系一下", "家里{cue}，麻烦安排一下", "能不能帮帮忙，{cue}，{ramble}", "麻烦你们派人来看一下，{cue}", "{cue}，我们不知道找谁，想求助一下",
         "{cue}，{ramble}家里老人孩子都着急"],
        ["拜托你们了，{cue}，{ramble}", "{cue}，请尽快安排人过来处理", "我们实在没办法了，{cue}，需要帮助"],
    ),
    "consult": (
        ["{cue}是不是可以办", "我想知道{cue}怎么弄", "{cue}有没有什么规定", "{cue}能办吗", "我问一下啊，{cue}办理需要什么手续", "{cue}是什么政策啊", "{cue}能不能在网上办", "{cue}需要多长时间，要交钱吗", "想知道{cue}找哪个部门", "{cue}的条件是什么", "{cue}可以代办吗", "请问一下，{cue}这个事要怎么办", "我想咨询下{cue}，需要哪些材料", "{cue}的话去哪里办啊", "问一下{cue}有什么政策"],
        ["想了解一下{cue}的流程", "{cue}这个是怎么规定的呀", "{cue}要带什么证件，到哪个窗口", "打听一下{cue}的事情"],
    ),
    "report": (
        ["我发现有人{cue}，请你们来查一查", "{cue}，这是违规的，我要举报", "反映一个违法的情况，{cue}", "{cue}，希望有关部门查处", "我要举报，{cue}，{ramble}", "我举报一下，{cue}", "实名举报，{cue}，你们查一下"],
        ["有个情况要揭发，{cue}", "我发现{cue}，这个是违法的吧，请查处", "匿名反映一下，{cue}，希望严查"],
    ),
    "suggestion": (
        ["{cue}这方面我觉得可以改进", "能不能考虑一下{cue}，这是我的建议", "希望以后{cue}能做得更好一点", "{cue}，建议增加一些", "我有个建议，{cue}这块希望能改进一下", "建议你们把{cue}的事管一管", "提个意见啊，{cue}能不能优化"],
        ["我觉得{cue}应该改一改", "希望政府考虑一下{cue}的问题", "给你们出个主意，{cue}可以做得更好"],
    ),
    "praise": (
        ["{cue}的事办得好，我要谢谢你们", "上次反映的{cue}，解决得很满意，表扬一下", "非常满意，{cue}服务态度很好", "{cue}工作人员很负责，感谢", "我想表扬一下，{cue}的事工作人员处理得很好，非常感谢", "感谢你们，{cue}很快就解决了", "点个赞，{cue}办得很及时"],
        ["特地打电话来谢谢，{cue}那件事帮了大忙", "{cue}处理得太好了，要表扬", "真心感谢，{cue}服务很周到"],
    ),
}
RAMBLES = (
    ["都好几天了，", "从上周开始就这样，", "已经一个多月了，", "每天都这样，", "我们整栋楼都有意见，", "老人家晚上出门不方便，",
     "我打过物业电话也没用，", "昨天晚上又是这样，", ""],
    ["这都快半个月了，", "搞得大家很烦，", "孩子都没法写作业，", "问了好几个地方都说不归他们管，", "前天我还拍了照片，", ""],
)
CLOSERS = (
    ["麻烦尽快处理，谢谢。", "我电话是{phone}。", "你们赶紧派人来看看吧。", "谢谢啊。", "我姓{surname}，电话{phone}。", "",
     "希望尽快给个答复。"],
    ["有消息打我手机{phone}。", "就这样，辛苦了。", "回个电话给我，{phone}，我姓{surname}。", "", "等你们消息。"],
)
URGENT = (
    ["快来人啊，{cue}了，", "出事了，{cue}，", "{cue}了，现在很危险，", "赶紧的，{cue}，", "救命啊，{cue}，"],
    ["不得了了，{cue}，", "我这边{cue}，情况很急，", "你们快点，{cue}，", "刚刚{cue}，"],
)
URGENT_TAIL = (
    ["快派人来！", "在{place}，快点！", "人还在里面，", "求求你们快点。", "我们都慌了。"],
    ["地址{place}，马上过来！", "已经有人受伤了，", "我们不知道怎么办，", "越来越严重了。"],
)
SAFE = (  # a danger word that is not an emergency now: negated, past or over
    ["上个月{cue}过一次，想问问后面怎么处理", "不是{cue}，就是有点担心，想咨询一下", "前几天{cue}，已经处理好了，想问问赔偿",
     "{cue}的事已经没事了，我想反映一下后续"],
    ["去年{cue}过，现在想问保险理赔", "没有{cue}，是我们想问问怎么预防", "那次{cue}已经解决了，想投诉一下当时处理太慢"],
)
EXTRA_EMERGENCY = {  # matter code -> danger described without the catalogue's cue words (train, test)
    "07003": (["我妈倒在厨房叫不醒", "我爸突然说不出话，半边身子动不了", "老人摔在地上起不来，头上流血"],
              ["我老伴躺在地上一动不动", "邻居家老太太倒在楼道里，喊也不应", "我爷爷嘴唇发紫，喘不上气"]),
    "10007": (["有人掉河里了", "一个小孩掉进池塘里了"], ["有个人在水里扑腾", "有人从桥上掉到江里了"]),
    "10001": (["厨房冒出好多烟，一股焦味", "楼下的车烧起来了"], ["隔壁窗户里往外冒火", "仓库那边一片火光"]),
    "09001": (["有人拿着刀在街上追人", "有个男的在砸我家门"], ["楼下有一帮人打起来了", "我家里进贼了，人还在里面"]),
    "09002": (["我女儿放学到现在联系不上", "我爸出去散步到现在没回来"], ["我儿子被人拉上车带走了", "奶奶早上出门到晚上还找不到"]),
    "09009": (["有人站在天台上要往下跳"], ["我朋友说不想活了，要从窗户跳下去"]),
    "03009": (["门口两辆车撞了，有人躺在地上", "一辆货车把骑电动车的撞倒了"], ["路口出车祸了，车都翻了", "一辆小车把行人撞飞了"]),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢"
TYPE_WEIGHTS = {"complaint": 38, "help": 22, "consult": 24, "report": 7, "suggestion": 5, "praise": 4}


def load_catalogue() -> list[dict]:
    with (DATA / "catalogue.csv").open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f)]


def load_places() -> list[dict]:
    with (DATA / "gazetteer.csv").open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f)]


def _place(rng: random.Random, places: list[dict]) -> tuple[str, str | None]:
    """A spoken address and the district code it lies in (None when the caller gives none)."""
    by_code = {p["code"]: p for p in places}

    def district_of(p: dict) -> str:
        while p["kind"] != "district":
            p = by_code[p["parent_code"]]
        return p["code"]

    pick = rng.choice([p for p in places if p["kind"] in ("road", "community", "street")])
    names = [pick["name"], *pick["aliases"].split()]
    name = rng.choice(names)
    if pick["kind"] == "road":
        name += rng.choice(["", f"{rng.randint(1, 300)}号", "和平里那个路口", "边上", f"{rng.randint(1, 30)}号楼"])
    elif pick["kind"] == "community":
        name += rng.choice(["", f"{rng.randint(1, 20)}栋", f"{rng.randint(1, 12)}号楼{rng.randint(1, 6)}单元"])
    if rng.random() < 0.3:
        name = by_code[district_of(pick)]["name"] + name
    return name, district_of(pick)


def _phone(rng: random.Random) -> str:
    number = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
    return number if rng.random() < 0.6 else " ".join([number[:3], number[3:7], number[7:]])


def _cues(matter: dict, split: int) -> list[str]:
    words = matter["keywords"].split() or [matter["name"]]
    if split == 0 and len(words) >= 3:
        words = words[:-1]
    elif split == 1 and len(words) >= 3:
        words = words + [words[-1]] * 2  # the unseen cue weighs more in the test split
    return words + [matter["name"]]


def _type_for(rng: random.Random, matter: dict) -> str:
    if "咨询" in matter["name"] or matter["class_code"] == "14" and rng.random() < 0.5:
        return "consult"
    return rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0]


def make_call(rng: random.Random, matter: dict, places: list[dict], split: int, *, urgent: bool,
              safe: bool = False) -> dict:
    cue = rng.choice(_cues(matter, split))
    place, district = _place(rng, places) if rng.random() < 0.8 else ("", None)
    fill = {"place": place or "我们小区", "phone": _phone(rng), "surname": rng.choice(SURNAMES)}
    parts = [rng.choice(OPENERS[split])]
    if urgent:
        ticket_type = "help"
        service = matter["emergency"]
        extra = EXTRA_EMERGENCY.get(matter["code"], ([], []))[split]
        if extra and rng.random() < 0.4:
            body = rng.choice(extra) + "，"
        else:
            body = rng.choice(URGENT[split]).format(cue=cue)
        parts += [body, rng.choice(URGENT_TAIL[split]).format(**fill)]
        if rng.random() < 0.5:
            parts.append(rng.choice(CLOSERS[split]).format(**fill))
    else:
        ticket_type = "consult" if safe else _type_for(rng, matter)
        service = ""
        if place and rng.random() < 0.7:
            parts.append(rng.choice(WHO[split]).format(**fill))
        if safe:
            body = rng.choice(SAFE[split]).format(cue=cue)
        else:
            ramble = rng.choice(RAMBLES[split])
            body = rng.choice(FRAMES[ticket_type][split]).format(cue=cue, ramble=ramble)
        parts += [body, "，", rng.choice(CLOSERS[split]).format(**fill)]
    text = "".join(parts).replace("，，", "，").strip("，")
    return {"text": text, "type": ticket_type, "urgency": "urgent" if urgent else "normal",
            "handoff": service or None, "matter": matter["code"], "district": district}


# --- recognizer-style noise ----------------------------------------------------------------------------
def homophones(texts: list[str]) -> dict[str, list[str]]:
    """Characters grouped by toneless pinyin, from the characters the corpus uses."""
    groups: dict[str, set[str]] = {}
    for ch in set("".join(texts)):
        if "\u4e00" <= ch <= "\u9fff":
            groups.setdefault(lazy_pinyin(ch)[0], set()).add(ch)
    table: dict[str, list[str]] = {}
    for chars in groups.values():
        for ch in chars:
            others = sorted(chars - {ch})
            if others:
                table[ch] = others
    return table


def noise(text: str, rng: random.Random, table: dict[str, list[str]], rate: float = 0.12) -> str:
    """What a recognizer makes of the call: homophone swaps, dropped punctuation, a lost character."""
    out = []
    for ch in text:
        r = rng.random()
        if ch in "，。？！" and r < 0.6:
            out.append(" " if r < 0.2 else "")
        elif ch in table and r < rate:
            out.append(rng.choice(table[ch]))
        elif r > 0.995:
            continue
        else:
            out.append(ch)
    return "".join(out)


def generate(split: int, count: int, seed: int, *, noisy_share: float = 0.35) -> list[dict]:
    rng = random.Random(seed)
    matters = load_catalogue()
    places = load_places()
    emergency = [m for m in matters if m["emergency"]]
    ordinary = [m for m in matters if not m["emergency"]]
    calls = []
    while len(calls) < count:
        r = rng.random()
        if r < 0.14:
            calls.append(make_call(rng, rng.choice(emergency), places, split, urgent=True))
        elif r < 0.19:
            calls.append(make_call(rng, rng.choice(emergency), places, split, urgent=False, safe=True))
        else:
            calls.append(make_call(rng, rng.choice(ordinary), places, split, urgent=False))
    table = homophones([c["text"] for c in calls])
    for call in calls:
        call["noised"] = False
        if rng.random() < noisy_share:
            call["text"] = noise(call["text"], rng, table)
            call["noised"] = True
    return calls


def write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else HERE
    write(out / "train.jsonl", generate(0, 4000, SEED))
    write(out / "test.jsonl", generate(1, 1000, SEED + 1, noisy_share=0.0))


if __name__ == "__main__":
    main(sys.argv[1:])
