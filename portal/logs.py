"""Structured logs: who a line is about (request, merchant, connection, task) travels in a context
variable; every line leaves through ``RedactingFilter`` (no token, secret or password); production
writes one JSON object a line (``JsonFormatter``), development a readable line (``TextFormatter``).

Settings ``LOGGING`` wires them (``LOG_FORMAT=json`` or ``text``).
"""

import contextvars
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from django.conf import settings

from portal.redaction import REMOVED, secrets_removed, text_secrets_removed

_context: contextvars.ContextVar[dict] = contextvars.ContextVar("comptoir_log_context", default={})  # noqa: B039

# Values that are secrets whatever surrounds them: our device tokens (``cpt_…``), and the
# configured secrets (the settings below) wherever they appear, even without a "token=" before them.
_DEVICE_TOKEN = re.compile(r"\bcpt_[A-Za-z0-9_-]{8,}")
SECRET_SETTINGS = (
    "SECRET_KEY",
    "BIGCOMMERCE_CLIENT_SECRET",
    "COMPTOIR_ENCRYPTION_KEYS",
    "EMAIL_HOST_PASSWORD",
    "METRICS_TOKEN",
    "SENTRY_DSN",
)


def log_context() -> dict:
    """The fields every log line of the current request or task carries."""
    return dict(_context.get())


def log_context_bind(**fields) -> None:
    """Add ``fields`` (``None`` values are skipped) to the context until its scope ends."""
    _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})


@contextmanager
def log_context_scope(**fields) -> Iterator[None]:
    """A fresh context holding ``fields`` for the duration of a request or a task."""
    token = _context.set({k: v for k, v in fields.items() if v is not None})
    try:
        yield
    finally:
        _context.reset(token)


def configured_secrets() -> list[str]:
    """The secret values in settings (long enough to never match ordinary text)."""
    found = []
    for name in SECRET_SETTINGS:
        value = getattr(settings, name, None)
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, str) and len(item) >= 8:
                found.append(item)
    return found


def text_redacted(text: str) -> str:
    """``text`` without the secrets written in it (named, bearer, device tokens, configured secrets)."""
    text = text_secrets_removed(text)[0]
    text = _DEVICE_TOKEN.sub(REMOVED, text)
    for secret in configured_secrets():
        if secret in text:
            text = text.replace(secret, REMOVED)
    return text


def record_redacted(record: logging.LogRecord) -> dict:
    """What may be printed of ``record``: message, traceback and fields without secrets, and the log
    context. Computed once per record and kept on it; the record itself is left as it came (other
    handlers, such as pytest's capture, read its arguments)."""
    done = getattr(record, "comptoir_redacted", None)
    if done is not None:
        return done
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep what there is, redacted
        message = f"{record.msg} {record.args}"
    exception = None
    if record.exc_info:
        exception = logging.Formatter().formatException(record.exc_info)
    elif record.exc_text:
        exception = record.exc_text
    fields = getattr(record, "fields", None)
    done = {
        "message": text_redacted(message),
        "exception": text_redacted(exception) if exception else None,
        "stack": text_redacted(record.stack_info) if record.stack_info else None,
        "fields": (
            {k: (text_redacted(v) if isinstance(v, str) else v) for k, v in secrets_removed(fields).items()}
            if isinstance(fields, dict)
            else {}
        ),
        "context": log_context(),
    }
    record.comptoir_redacted = done
    return done


class RedactingFilter(logging.Filter):
    """Removes secrets from what a handler prints: the message and its arguments, the traceback and
    the structured fields (``extra={"fields": {...}}``); adds the log context.

    Installed on the handlers, so every record that reaches an output passes through it, whichever
    library logged it; the formatters below print only what it kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        record_redacted(record)
        return True


class EnqueuedLineFilter(logging.Filter):
    """Drops django-q2's "Enqueued [queue] id" line: one more line for each webhook and sale in the
    web process (half its log volume at load), naming a queue and a number (on Redis, the queue's
    length) and nothing about the request or the task that the request's own line and the task's
    lines (``portal.tasklog``) do not say. Installed on the ``django-q`` logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.INFO and str(record.msg).startswith("Enqueued ["))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the context and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        kept = record_redacted(record)
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": kept["message"],
            **kept["context"],
            **kept["fields"],
        }
        if kept["exception"]:
            data["exception"] = kept["exception"]
        if kept["stack"]:
            data["stack"] = kept["stack"]
        return json.dumps(data, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """A readable line for development: the message, then ``[key=value …]`` for the context and fields."""

    def format(self, record: logging.LogRecord) -> str:
        kept = record_redacted(record)
        line = f"{self.formatTime(record)} {record.levelname} {record.name}: {kept['message']}"
        extra = {**kept["context"], **kept["fields"]}
        if extra:
            line += " [" + " ".join(f"{key}={value}" for key, value in extra.items()) + "]"
        for block in (kept["exception"], kept["stack"]):
            if block:
                line += "\n" + block
        return line
