"""JSON that clients send (API bodies, webhook deliveries, form fields): one loader with limits.

``json.loads`` recurses once per level, so a few thousand nested brackets raise
``RecursionError`` (a server error), and a document only a little less deep makes ``json.dumps``
or the database adapter recurse too far later. PostgreSQL's text and jsonb cannot hold a NUL
character, jsonb has no NaN or Infinity, and a lone surrogate (``"\\ud800"``) is no text at all.
A document deeper than ``max_depth`` or holding any of these is refused like invalid JSON:
``JsonRejected`` is a ``ValueError``, and its ``reason`` says which rule it broke.
"""

import json
import math

MAX_DEPTH = 32  # levels of objects and arrays; our own documents use fewer than 6


class JsonRejected(ValueError):
    """``reason``: invalid, too_deep, nul, surrogate or not_finite."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _refuse_constant(name: str):
    raise JsonRejected("not_finite")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400 reads as inf
        raise JsonRejected("not_finite")
    return number


def json_parse(data: str | bytes, *, max_depth: int = MAX_DEPTH):
    """``data`` as a JSON value within the limits above, or ``JsonRejected``."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise JsonRejected("too_deep") from None
    except JsonRejected:
        raise
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, an integer of over 4,300 digits
        raise JsonRejected("invalid") from None
    json_check(value, max_depth=max_depth)
    return value


def json_check(value, *, max_depth: int = MAX_DEPTH) -> None:
    """Raise ``JsonRejected`` if an already decoded value breaks the limits (without recursing)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise JsonRejected("not_finite")
        elif isinstance(item, dict | list | tuple):
            if depth > max_depth:
                raise JsonRejected("too_deep")
            if isinstance(item, dict):
                for key, child in item.items():
                    if isinstance(key, str):
                        _check_text(key)
                    pending.append((child, depth + 1))
            else:
                pending.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise JsonRejected("nul")
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:
            raise JsonRejected("surrogate") from None
