"""Plain value helpers shared by every layer: timestamps and number checks."""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from typing import Any

from .web import ApiError


def iso_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


def parse_time(value: str) -> float:
    """ISO-8601 (date or date-time), RFC 2822 (as v2 writes dates) or a Unix timestamp ->
    epoch seconds."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            raise ApiError(422, f"Invalid date: {value}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()


def is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        try:
            float(value)
            return True
        except ValueError:
            return False
    return False
