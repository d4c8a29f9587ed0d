"""Log lines carry masked numbers only: a logging filter that masks every phone, ID-card and bank-card number
in a record's message and arguments (uvicorn's access log puts the request path in the arguments)."""

from __future__ import annotations

import logging

from hotline.redact import mask_text

# Loggers whose handlers get the filter besides the root logger's (uvicorn does not propagate them).
LOGGERS = ("uvicorn", "uvicorn.access", "uvicorn.error", "celery", "celery.task", "celery.worker")


def _mask(value):
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, tuple):
        return tuple(_mask(v) for v in value)
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    return value


class MaskNumbers(logging.Filter):
    """Rewrites the record in place (message template and arguments); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        elif record.msg is not None and not isinstance(record.msg, (int, float)):
            record.msg = mask_text(str(record.msg))
        if record.args:
            record.args = _mask(record.args)
        return True


_FILTER = MaskNumbers()


def install() -> None:
    """Mask numbers in every record created in this process (a record factory catches loggers and
    handlers configured later, e.g. by uvicorn or Celery), and add the filter to the known handlers."""
    if getattr(logging.getLogRecordFactory(), "masks_numbers", False):
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _FILTER.filter(record)
        return record

    factory.masks_numbers = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
    for name in ("", *LOGGERS):
        for handler in logging.getLogger(name).handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
