"""Chinese numbers in transcripts → Arabic digits where a caseworker needs them: phone numbers read digit by
digit (幺三八… → 138…), address parts (三号楼二单元三零二室 → 3号楼2单元302室) and quantities before a unit
(四十分钟 → 40分钟). Words that merely contain a numeral (一直, 一下, 万一, 三心二意) are left alone."""

from __future__ import annotations

import re

DIGITS = {"零": 0, "〇": 0, "洞": 0, "幺": 1, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
_NUM = "零〇一二两三四五六七八九十百千万"
# Address units: a bare 一 counts here (一单元, 一号楼).
ADDRESS_UNITS = ("号楼", "栋", "幢", "单元", "室", "层", "楼", "号院", "号", "路", "弄", "巷", "组", "排")
QUANTITY_UNITS = ("分钟", "小时", "个月", "天", "年", "岁", "元", "块钱", "块", "度", "米", "公里", "平方米", "平米",
                  "户", "辆", "次", "周", "个小时", "多天", "多年", "多个月", "多分钟")
# Heard for 幺 (yao1) before the ten digits of a mobile number: 要三九零… is 139….
_YAO = "要腰妖邀摇咬药"
_MOBILE = re.compile(rf"[{_YAO}]([零〇洞幺一二三四五六七八九]{{10}})(?![零〇洞幺一二三四五六七八九])")
_PHONE = re.compile(r"[零〇洞幺一二三四五六七八九]{7,}|[零〇洞幺一二三四五六七八九]*幺[零〇洞幺一二三四五六七八九]*")
_ADDRESS = re.compile(rf"(?<![第{_NUM}])([{_NUM}]+)(?=({'|'.join(ADDRESS_UNITS)}))")
_QUANTITY = re.compile(rf"(?<![第{_NUM}])([{_NUM}]{{2,}}|[二两三四五六七八九十])(?=({'|'.join(QUANTITY_UNITS)}))")
_CLOCK = re.compile(rf"(?<![{_NUM}])([{_NUM}]+)点(?=(钟|半|多|左右|[{_NUM}]+分|以后|以前|之前|之后|开始|到))")


def digits_of(numeral: str) -> str | None:
    """'一百二十' → '120', '三零二' → '302' (read digit by digit), '两万' → '20000'; None if malformed."""
    if not numeral:
        return None
    if all(ch in DIGITS for ch in numeral):
        return "".join(str(DIGITS[ch]) for ch in numeral) if len(numeral) > 1 else str(DIGITS[numeral])
    total, section, current = 0, 0, None
    for ch in numeral:
        if ch in "零〇":
            continue  # a place holder inside a positional numeral (一百零五)
        if ch in DIGITS:
            if current is not None:
                return None  # two digits in a row inside a positional numeral
            current = DIGITS[ch]
        elif ch in UNITS:
            section += (1 if current is None else current) * UNITS[ch]
            current = None
        elif ch == "万":
            total = (total + section + (current or 0)) * 10000
            section, current = 0, None
        else:
            return None
    return str(total + section + (current or 0))


def _replace(match: re.Match) -> str:
    value = digits_of(match.group(1))
    return value if value is not None else match.group(1)


def _phone(match: re.Match) -> str:
    text = match.group(0)
    if len(text) < 5:  # a stray 幺 is not a phone number
        return text
    return "".join(str(DIGITS[ch]) for ch in text)


def _mobile(match: re.Match) -> str:
    digits = "1" + "".join(str(DIGITS[ch]) for ch in match.group(1))
    return digits if re.fullmatch(r"1[3-9]\d{9}", digits) else match.group(0)


def normalise_numbers(text: str) -> str:
    text = _MOBILE.sub(_mobile, text)
    text = _PHONE.sub(_phone, text)
    text = _ADDRESS.sub(_replace, text)
    text = _CLOCK.sub(lambda m: _replace(m) + "点", text)
    return _QUANTITY.sub(_replace, text)
