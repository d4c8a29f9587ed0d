"""What a caller's text says besides the matter: place (against the gazetteer), address, phone numbers,
person names, times — and a short title that names the matter.

Pure: stdlib + pypinyin (through `ticketing.triage.gazetteer`), no database. Every function takes any
string (empty, 20,000 characters, English, emoji) and returns a value, never raises."""

from __future__ import annotations

import csv
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ticketing.triage.gazetteer import Gazetteer, Hit, Place

__all__ = ["Extraction", "Gazetteer", "Place", "extract", "find_names", "find_phones", "find_times",
           "load_gazetteer", "make_title"]

MAX_TEXT = 20000  # longer texts are read up to here (a call transcript is far shorter)
PACKAGED_GAZETTEER = Path(__file__).resolve().parents[1] / "org" / "data" / "gazetteer.csv"
_loaded: dict[Path, tuple[int, Gazetteer]] = {}
_load_lock = threading.Lock()


def load_gazetteer(path: Path | str | None = None) -> Gazetteer:
    """The gazetteer of a gazetteer.csv file (default: the packaged one), re-read when the file changes.
    The database's gazetteer (after admins' imports) is `ticketing.triage.places.gazetteer(session, …)`."""
    path = Path(path) if path is not None else PACKAGED_GAZETTEER
    stamp = path.stat().st_mtime_ns
    hit = _loaded.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    with open(path, encoding="utf-8-sig", newline="") as f:
        value = Gazetteer.from_rows(csv.DictReader(f))
    with _load_lock:
        _loaded[path] = (stamp, value)
    return value


@dataclass(frozen=True)
class Extraction:
    district: str | None = None  # gazetteer codes (district code = the area code tickets carry)
    street: str | None = None
    community: str | None = None
    address: str | None = None
    phones: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    times: list[str] = field(default_factory=list)
    district_name: str | None = None
    street_name: str | None = None
    community_name: str | None = None
    road: str | None = None  # road name, when one was said


# --- phone numbers ---------------------------------------------------------------------------------
_SPOKEN = {"零": "0", "〇": "0", "洞": "0", "幺": "1", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4",
           "五": "5", "六": "6", "七": "7", "拐": "7", "八": "8", "九": "9"}
_DIGIT = "0-9０-９" + "".join(_SPOKEN)
_RUN = re.compile(f"[{_DIGIT}](?:[{_DIGIT}]|[ \u3000\\-—－()（）](?=[{_DIGIT}]))+")
_MOBILE = re.compile(r"1[3-9]\d{9}")
ID_LENGTHS = (15, 18)  # a run of this length is an ID card number, not a phone


def _digits(run: str) -> str:
    out = []
    for c in run:
        if c in _SPOKEN:
            out.append(_SPOKEN[c])
        elif c.isdigit():
            out.append(str(int(c)))  # full-width digits too
    return "".join(out)


def find_phones(text: str) -> list[str]:
    """Mobile (11 digits), landline with area code (0xxx-xxxxxxx) or local 7/8-digit numbers, also spoken
    in characters (幺三八…) or split by spaces and dashes; in text order, without duplicates."""
    found: list[str] = []
    for m in _RUN.finditer(text[:MAX_TEXT]):
        digits = _digits(m.group())
        if len(digits) < 7:
            continue
        numbers: list[str] = []
        for prefix in ("0086", "86"):  # +86 138 …: the country code
            if digits.startswith(prefix) and _MOBILE.fullmatch(digits[len(prefix):]):
                digits = digits[len(prefix):]
        if len(digits) in ID_LENGTHS and not _MOBILE.fullmatch(digits):
            continue
        if _MOBILE.fullmatch(digits):
            numbers = [digits]
        elif digits.startswith("0") and 10 <= len(digits) <= 12:
            area = 3 if digits[1] in "12" else 4  # 010, 02x are three-digit area codes
            numbers = [f"{digits[:area]}-{digits[area:]}"]
        elif len(digits) in (7, 8) and digits[0] not in "01" or digits[:3] in ("400", "800") and len(digits) == 10:
            numbers = [digits]
        else:
            numbers = _MOBILE.findall(digits) if len(digits) % 11 == 0 else []
        for number in numbers:
            if number not in found:
                found.append(number)
    return found


# --- person names ----------------------------------------------------------------------------------
_SURNAMES_2 = ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "长孙", "夏侯", "公孙", "司徒", "端木"]
_SURNAMES_1 = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏"
               "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
               "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
               "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒲鲍华喻祁房滕屈"
               "饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵"
               "苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南"
               "班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿"
               "国狄平计索宣晋相初云容敬扈晁芮普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况宿鲜印逯"
               "隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣展阴昝智幸奉植衡富尧闭")
_TITLES = "先生|女士|小姐|太太|阿姨|大爷|大妈|大姐|大哥|师傅|老师|同志|奶奶|爷爷|老太太|经理|书记|主任"
_SURNAME = "(?:" + "|".join(_SURNAMES_2) + f"|[{_SURNAMES_1}])"
# Ambiguous one-character surnames that are common function words (位, 和, 来 …) are left out above.
_TITLED = re.compile(f"({_SURNAME}(?:{_TITLES}))")
_SELF = re.compile(f"(?:我叫|我的名字叫|我名字叫|名字是|我的名字是|联系人是?|联系人叫)[\\s:：]*({_SURNAME}[\u4e00-\u9fff]{{1,2}})")
# 我是 / 本人 introduce a name only when the name ends the phrase (我是马路对面的 is no name).
_SELF_IS = re.compile(f"(?:我是|本人|我就是)\\s*({_SURNAME}[\u4e00-\u9fff]{{1,2}})(?=$|[，。,.！？!?、\\s啊呀呢吧的])")
# 小李 / 老王: how callers often give themselves.
_FAMILIAR = re.compile(f"(?:我叫|我是|叫我|我就是)((?:小|老){_SURNAME})(?=$|[，。,.！？!?、\\s啊呀呢吧就])")
_SURNAME_ONLY = re.compile(f"(?:我姓|免贵姓|本人姓|姓)({_SURNAME})(?![\u4e00-\u9fff]*(?:{_TITLES}))")
# After 我姓 any one character ending the phrase is the surname, even one the recognizer misheard (梁 → 两).
_SAID_SURNAME = re.compile("(?:我姓|免贵姓|本人姓)([\u4e00-\u9fff])(?=$|[，。,.！？!?、\\s]|电话|手机|号码|联系)")
# Characters that end a given name said after 我叫… (they start the next words instead).
_NAME_STOP = set("住今家电手在的是啊呀吧呢了和跟想要就这那打反我你他她们从给现刚，。,.！？ 有说来去到找也都还")


def find_names(text: str) -> list[str]:
    """Person names: 张先生 / 李女士 (surname + form of address), 我叫王建国 (self-introduction),
    我姓赵 → 赵 (surname only). In text order, without duplicates."""
    return [name for _, name in name_spans(text)]


def name_spans(text: str) -> list[tuple[int, str]]:
    """`find_names` with where each name starts."""
    text = text[:MAX_TEXT]
    spans: list[tuple[int, str]] = []
    for m in _SELF_IS.finditer(text):
        spans.append((m.start(1), m.group(1)))
    for m in _FAMILIAR.finditer(text):
        spans.append((m.start(1), m.group(1)))
    for m in _TITLED.finditer(text):
        spans.append((m.start(1), m.group(1)))
    for m in _SELF.finditer(text):
        raw = m.group(1)
        surname_len = 2 if raw[:2] in _SURNAMES_2 else 1
        name = raw[:surname_len]
        for c in raw[surname_len:]:
            if c in _NAME_STOP:
                break
            name += c
        if len(name) > surname_len and not re.match(f"{_SURNAME}(?:{_TITLES})", raw):
            spans.append((m.start(1), name))
    for m in _SURNAME_ONLY.finditer(text):
        spans.append((m.start(1), m.group(1)))
    for m in _SAID_SURNAME.finditer(text):
        if m.group(1) not in "什是的啥":
            spans.append((m.start(1), m.group(1)))
    out: list[tuple[int, str]] = []
    for start, name in sorted(set(spans)):
        if all(name != o and not (o.startswith(name) and name != o) for _, o in out):
            out.append((start, name))
    return out


# --- times -----------------------------------------------------------------------------------------
_NUM = "[0-9零〇一二两三四五六七八九十百半几]"
_TIME_PARTS = [
    (r"(?:大前天|前天|昨天|今天|明天|后天|大后天|昨儿个|今儿个|明儿个|昨儿|今儿|明儿|当天|那天|前几天|这几天|前两天|"
     r"这两天|那几天|前段时间|前一阵子?|这段时间|最近|刚才|刚刚|现在|每天|天天|每晚|每周|周末|节假日|工作日)"),
    r"(?:昨晚|今晚|明晚|前晚|昨早|今早|明早|今晨|昨夜|前夜)",
    r"(?:(?:上上|上|这|本|下)(?:个)?)?(?:周|星期|礼拜)[一二三四五六日天1-7]",
    r"(?:上上|上|这|本|下)(?:个)?(?:周|星期|礼拜|月)(?:末|初|底)?",
    r"(?:去年|今年|明年|前年)",
    f"{_NUM}{{1,4}}(?:年){_NUM}{{1,2}}月(?:{_NUM}{{1,3}}[日号])?",
    f"{_NUM}{{1,2}}月{_NUM}{{1,3}}[日号]",
    f"{_NUM}{{1,3}}[日号](?=[早上中下晚凌夜])",
    r"(?:早上|早晨|上午|中午|下午|傍晚|晚上|夜里|夜间|半夜|凌晨|深夜|白天|晚间|一大早|大清早)",
    f"{_NUM}{{1,3}}(?:点|时)(?:半|钟|多钟?|左右|一刻|三刻|{_NUM}{{1,3}}分?)?",
    r"[0-2]?\d[:：][0-5]\d(?:左右)?",
    f"{_NUM}{{1,3}}(?:个)?多?(?:天|日|周|星期|礼拜|月|年|小时|分钟)(?:多)?(?:前|以前|之前|了)",
]
_TIME = re.compile("|".join(f"(?:{p})" for p in _TIME_PARTS))
# What may stand between two parts of one time: 昨天的晚上, 昨天 晚上, 前两天晚上大概十点.
_JOIN = {"", "的", " ", "　", "大概", "大约", "差不多", "约", "估计"}


def find_times(text: str) -> list[str]:
    """Time expressions (昨天晚上, 上周三, 三点多, 5月3日, 两天前 …); adjacent ones merged into one."""
    out: list[list] = []  # [start, end, text]
    for m in _TIME.finditer(text[:MAX_TEXT]):
        if m.group() in ("现在", "最近") and out and out[-1][1] == m.start():
            continue
        if out and text[out[-1][1]:m.start()] in _JOIN:
            out[-1][1] = m.end()
            out[-1][2] = text[out[-1][0]:m.end()]
        else:
            out.append([m.start(), m.end(), m.group()])
    seen: list[str] = []
    for _, _, t in out:
        t = t.replace(" ", "")
        if t not in seen:
            seen.append(t)
    return seen


# --- place and address -----------------------------------------------------------------------------
_ADDR_TAIL = re.compile(
    f"(?:{_NUM}|[0-9A-Za-z#\\-])*(?:号楼|号院|号|栋|幢|座|单元|楼(?![下上里道前后顶梯])|层|室|弄|巷|排|组|户)"
    f"|(?:东|西|南|北)?(?:门口|大门|侧门|路口|交叉口|十字路口|丁字路口|附近|旁边|对面|拐角|转角|一带|段)"
    f"|(?:与|和|跟)[\u4e00-\u9fff]{{1,6}}?(?:路|街|大道)(?:交叉口|路口|交汇处)?"
    f"|[\u4e00-\u9fff]{{1,8}}?(?:小区|花园|家园|公寓|大厦|新村|广场|市场|医院|学校|小学|中学|幼儿园|公园|超市|商场|车站|站)")
_GENERIC = re.compile("[\u4e00-\u9fff]{2,6}?(?:小区|花园|家园|公寓|大厦|新村)")
_LEAD = "在住到是去从的那这个家里边我们就说靠于向往叫"  # words that lead into an address, not part of it
_ROOM_AFTER = "元楼栋幢座层"  # 3单元501: a bare number after these is a room
_ROOM = re.compile(f"{_NUM}{{2,5}}(?:室|房|号)?")
ADDRESS_GAP = 2  # characters allowed between two parts of one address (的, 那个)
ADDRESS_MAX = 40


def _address(text: str, hits: list[Hit]) -> str | None:
    anchors = [(h.start, h.end) for h in hits]
    if not anchors:
        m = _GENERIC.search(text)
        if m is None:
            return None
        start = m.start()
        while start < m.end() - 2 and text[start] in _LEAD:
            start += 1
        if m.end() - start < 4:  # 我们小区 → 小区 names no place
            return None
        anchors = [(start, m.end())]
    start, end = anchors[0]
    for s, e in anchors[1:]:
        if s - end > ADDRESS_GAP:
            break
        end = e
    while end < len(text) and end - start < ADDRESS_MAX:
        m = _ADDR_TAIL.match(text, end)
        if (m is None or m.end() == end) and text[end - 1] in _ROOM_AFTER:
            m = _ROOM.match(text, end)
        if m is None or m.end() == end:
            if end < len(text) and text[end] in "的" and _ADDR_TAIL.match(text, end + 1):
                end += 1
                continue
            break
        end = m.end()
    said = text[start:end]
    for hit in reversed([h for h in hits if not h.exact and start <= h.start and h.end <= end]):
        said = said[:hit.start - start] + hit.place.name + said[hit.end - start:]  # 和平街到 → 和平街道
    return said.strip() or None


def extract(text: str, places: Gazetteer) -> Extraction:
    """Everything `extract` can read from the text; fields it cannot read are None / empty."""
    if not isinstance(text, str) or not text.strip():
        return Extraction()
    text = text[:MAX_TEXT]
    hits = places.find(text) if places is not None else []
    chain = places.resolve(hits) if places is not None else {}
    district, street, community = chain.get("district"), chain.get("street"), chain.get("community")
    road = chain.get("road") or next((h.place for h in hits if h.place.kind == "road"), None)
    return Extraction(
        district=district.code if district else None, street=street.code if street else None,
        community=community.code if community else None, address=_address(text, hits),
        phones=find_phones(text), times=find_times(text),
        names=[n for at, n in name_spans(text) if not any(h.start <= at < h.end for h in hits)],
        district_name=district.name if district else None, street_name=street.name if street else None,
        community_name=community.name if community else None, road=road.name if road else None)


# --- title -----------------------------------------------------------------------------------------
_FILLER = re.compile(r"^(?:喂+|你好+|您好+|哎+|嗯+|啊+|呃+|那个|就是|我想|我要|想|要|请问|麻烦|问一下|"
                     r"反映一下?|反映个?|投诉一下?|投诉|咨询一下?|咨询|举报|求助|一下|个|的|[，,。.!！?？\s、])+")
# Clauses that introduce the caller (who, where, how to call back) rather than say the matter.
_INTRO = re.compile(r"^(?:我是|我叫|我姓|我家|我住|住在|家住|本人|电话|手机|号码|联系|我的电话|我的手机|免贵)")
_INTRO_LEAD = re.compile(r"^(?:我们|我|这边|那边|这里|那里)(?:这|那)?(?:边|里)?(?:的)?")
_CLAUSE = re.compile(r"[，,。.!！?？;；\n]")


def make_title(text: str, matter_name: str | None, limit: int = 20, *, places: Gazetteer | None = None) -> str:
    """A title of at most `limit` characters that says the matter: 「和平里北街路灯照明」, 「解放街道噪声扰民」.

    With a matter: the most specific place said (road, community, street or district of `places`, by
    default the packaged gazetteer; else an estate name) + the matter name, dropping the place when both
    do not fit. Without one: the first clause that is not a greeting or
    filler. Never empty for a non-empty text."""
    limit = max(1, int(limit))
    text = (text or "")[:MAX_TEXT] if isinstance(text, str) else ""
    place = _title_place(text, places)
    if matter_name:
        matter_name = matter_name.strip()
        if place and not matter_name.startswith(place) and len(place) + len(matter_name) <= limit:
            return place + matter_name
        return matter_name[:limit]
    clauses = [_FILLER.sub("", c.strip()).strip() for c in _CLAUSE.split(text)]
    clauses = [c for c in clauses if len(c) >= 2]
    for clause in clauses:
        if not _INTRO.match(clause):
            return _INTRO_LEAD.sub("", clause)[:limit] or clause[:limit]
    if clauses:
        return clauses[0][:limit]
    return (text.strip() or "来电")[:limit]


def _title_place(text: str, places: Gazetteer | None) -> str | None:
    """The most specific place said (default gazetteer: the packaged one), else an estate name (…小区)."""
    if places is None:
        try:
            places = load_gazetteer()
        except OSError:
            places = Gazetteer(())
    chain = places.resolve(places.find(text))
    for kind in ("road", "community", "street", "district"):
        if kind in chain:
            return chain[kind].name
    m = _GENERIC.search(text)
    if m is None:
        return None
    found = m.group()
    while len(found) > 4 and found[0] in _LEAD:
        found = found[1:]
    return found if len(found) >= 4 else None
