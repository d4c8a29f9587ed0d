"""One redaction for every public output and one masking for every log line (issue 16, probes 2 and 3)."""

from __future__ import annotations

import logging

import pytest

from hotline import logmask
from hotline.redact import (
    HIDDEN_BANK_CARD,
    HIDDEN_ID_CARD,
    HIDDEN_PHONE,
    find,
    mask_number,
    mask_text,
    redact,
)


@pytest.mark.parametrize("written", [
    "13712345678", "１３７１２３４５６７８", "137.1234.5678", "137 1234 5678", "137-1234-5678", "+86 137 1234 5678",
    "8613712345678", "0086-137-1234-5678", "１３７－１２３４－５６７８", "137　1234　5678",
])
def test_mobile_numbers_however_written(written):
    assert redact(f"请回电{written}谢谢") == f"请回电{HIDDEN_PHONE}谢谢"
    assert "5678" in mask_text(f"电话{written}") and "1234" not in mask_text(f"电话{written}").replace("****", "")


@pytest.mark.parametrize(("written", "placeholder"), [
    ("010-12345678", HIDDEN_PHONE), ("0755 1234567", HIDDEN_PHONE), ("(0755)1234567", None),
    ("11010519491231002X", HIDDEN_ID_CARD), ("11010519491231002x", HIDDEN_ID_CARD),
    ("110105 19491231 0021", HIDDEN_ID_CARD), ("１１０１０５１９４９１２３１００２Ｘ", HIDDEN_ID_CARD),
    ("6222021234567890123", HIDDEN_BANK_CARD), ("6222 0212 3456 7890", HIDDEN_BANK_CARD),
])
def test_landlines_id_cards_and_bank_cards(written, placeholder):
    text = f"身份信息：{written}。"
    if placeholder is None:  # an area code in brackets: the local part alone is too short to be sure of
        return
    assert redact(text) == f"身份信息：{placeholder}。"


@pytest.mark.parametrize("kept", [
    "工单 2026112400001", "2026-12-04 09:30", "金额 1000.50 元", "门牌 12 号 3 单元 501", "邮编 100020",
    "版本 v2.15.1", "2026年12月4日", "共 12345 件",
])
def test_case_numbers_dates_and_amounts_are_kept(kept):
    assert redact(kept) == kept and mask_text(kept) == kept and find(kept) == []


def test_a_date_right_before_a_number_is_not_swallowed():
    assert redact("2026-12-04 13712345678 来电") == f"2026-12-04 {HIDDEN_PHONE} 来电"


def test_the_cases_own_numbers_and_names_are_blanked():
    text = "王五（+86 138 1234 5678，固话 0755-1234567）咨询工单 2026112400001，另见 13912345678号。"
    assert redact(text, phones={"13912345678"}, names={"王五", "王"}) == (
        f"**（{HIDDEN_PHONE}，固话 {HIDDEN_PHONE}）咨询工单 2026112400001，另见 {HIDDEN_PHONE}号。")
    assert redact(None) is None and redact("") == ""


def test_mask_number_masks_any_length():
    assert mask_number("13912345678") == "139****5678"
    assert mask_number("95598") == "***98"
    assert mask_number("sip:13912345678@10.0.0.1:5060") == "sip:139****5678@10.0.0.1:5060"
    assert mask_number(None) is None


@pytest.fixture
def masked_logging():
    previous = logging.getLogRecordFactory()
    logmask.install()
    yield
    logging.setLogRecordFactory(previous)


def test_log_records_carry_masked_numbers_only(masked_logging, caplog):
    log = logging.getLogger("telephony.sip.outbound")
    with caplog.at_level(logging.INFO):
        log.info("survey call to %s hung up (%s)", "13912345678", "busy")
        log.info("caller １３９ １２３４ ５６７８ said id 11010519491231002X")
        log.info("%(who)s called", {"who": "13912345678"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "13912345678" not in text and "１２３４" not in text and "19491231" not in text
    assert text.count("139****5678") == 3 and "110****002X" in text


def test_uvicorn_access_log_lines_are_masked(masked_logging):
    from uvicorn.logging import AccessFormatter

    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/abuse/callers/13912345678?caller=13912345678", "1.1", 200), None)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(record)
    assert line == '127.0.0.1:5000 - "GET /api/v1/abuse/callers/139****5678?caller=139****5678 HTTP/1.1" 200 OK'


def test_the_app_installs_the_filter(app):
    assert getattr(logging.getLogRecordFactory(), "masks_numbers", False)


def test_identifiers_in_log_lines_are_left_alone():
    for text in ("task 12345678-1234-1234-1234-123456789012 succeeded", "trace 3f2a1b4c-1234-5678-9abc-def012345678",
                 "order 2026-12-04-000123", "v1.2.3.4 on port 5060"):
        assert mask_text(text) == text
