"""Caller numbers: stored once in one normal form, shown masked to roles that don't need them."""

from __future__ import annotations

import re

import phonenumbers

from hotline.errors import ValidationFailed

_DIGITS = re.compile(r"\d+")


def normalize(raw: str | None, *, region: str = "CN") -> str | None:
    """+86 138 1234 1234, 0086-13812341234 and 13812341234 all become 13812341234; landlines keep their
    area code (01012345678). Service numbers (12345, 95598) stay as dialled. Empty → None."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not re.fullmatch(r"[+\d\s\-()]+", text):
        raise ValidationFailed("caller number may hold only digits, spaces, -, ( ) and a leading +", value=raw)
    digits = "".join(_DIGITS.findall(text))
    if len(digits) < 3 or len(digits) > 20:
        raise ValidationFailed("caller number has a wrong length", value=raw)
    try:
        parsed = phonenumbers.parse(text if not text.startswith("00") else "+" + text[2:], region)
    except phonenumbers.NumberParseException:
        return digits
    if parsed.country_code == phonenumbers.country_code_for_region(region):
        national = str(parsed.national_number)
        kind = phonenumbers.number_type(parsed)
        if kind == phonenumbers.PhoneNumberType.MOBILE:
            return national
        if kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
            return "0" + national  # landlines keep the trunk prefix of their area code
        return digits if not text.startswith(("+", "00")) else national
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask(phone: str | None) -> str | None:
    """138****1234; short numbers keep only their last two digits."""
    if not phone:
        return phone
    if len(phone) >= 7:
        return phone[:3] + "****" + phone[-4:]
    return "*" * (len(phone) - 2) + phone[-2:]
