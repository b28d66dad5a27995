"""Log lines as text (for people) or JSON (for log collectors), tagged with the request id.

The request id follows a comment: the API takes it from `X-Request-ID` (or makes one), stores
it with the comment and passes it to the scoring job; the job binds each comment's own id while
it records that comment. `bind(request_id=...)` sets it for the current thread or context, and
every log line written meanwhile carries it, along with the job id and comment id when bound.
`configure(...)` is called by the entry points (CLI, WSGI factory), never at import.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "moderation_log_context", default=None
)
# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def bind(**values: Any) -> contextvars.Token[dict[str, Any] | None]:
    """Tag later log lines of this context with these values (None removes one)."""
    current = {**(_context.get() or {}), **values}
    return _context.set({key: value for key, value in current.items() if value is not None})


def reset(token: contextvars.Token[dict[str, Any] | None]) -> None:
    """Undo a `bind`."""
    _context.reset(token)


@contextlib.contextmanager
def bound(**values: Any) -> Iterator[None]:
    """`bind` for the duration of a `with` block."""
    token = bind(**values)
    try:
        yield
    finally:
        reset(token)


def context() -> dict[str, Any]:
    """What is bound now."""
    return dict(_context.get() or {})


class ContextFilter(logging.Filter):
    """Copies the bound values onto each record (unless the call gave its own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_context.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, bound ids and any `extra=`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The usual text line, with the request id (when bound) before the message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} [request_id={request_id}]" if request_id else line


def configure(log_format: str = "text", level: str | int = "INFO") -> None:
    """Send every log line to stderr in `log_format` ("text" or "json"); replaces handlers."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # gunicorn's and RQ's loggers keep their own handlers; route them through ours instead.
    for name in ("gunicorn.error", "rq.worker", "rq.cron", "rq.scheduler"):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.propagate = True
