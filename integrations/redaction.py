"""What the journal keeps and shows of a request and its answer: everything but the secrets, and
not more than a page's worth of it.

Both passes read their input once (linear time, whatever it holds): a journal entry written
from a 2 MB product description opens as fast as any other.
"""

from typing import Any

# The secrets themselves are removed by portal.redaction (journal, logs and error reports alike).
from portal.redaction import REMOVED, secrets_removed, text_secrets_removed

__all__ = ["REMOVED", "secrets_removed", "size_bounded", "text_secrets_removed"]

# What the journal keeps of one entry's detail (what was sent and answered).
MAX_TEXT = 2_000  # characters of one string
MAX_ITEMS = 50  # items of one list
MAX_KEYS = 100  # keys of one object
MAX_KEY = 200  # characters of one key
MAX_DEPTH = 12  # levels of nesting
MAX_TOTAL = 50_000  # characters of all strings of one detail together


def _cut_text(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters not kept]"


class _Budget:
    def __init__(self, total: int):
        self.left = total

    def text(self, text: str) -> str:
        kept = _cut_text(text, max(0, min(MAX_TEXT, self.left)))
        self.left -= min(len(text), MAX_TEXT)
        return kept


def size_bounded(value: Any, *, total: int = MAX_TOTAL) -> Any:
    """``value`` (JSON) cut to what a journal entry keeps: long strings, long lists, wide or
    deep objects end with a visible marker saying how much was left out. Pure; linear time.

    Applied when an entry is written (``sync_event_record``) and again when it is shown, for
    entries written before the bound existed."""
    return _bounded(value, _Budget(total), 0)


def _bounded(value: Any, budget: _Budget, depth: int) -> Any:
    if isinstance(value, str):
        return budget.text(value)
    if not isinstance(value, (dict, list, tuple)):
        return value
    if depth >= MAX_DEPTH:
        return f"[{len(value)} nested items not kept]"
    if isinstance(value, dict):
        out = {}
        for index, (key, item) in enumerate(value.items()):
            if index == MAX_KEYS:
                out["…"] = f"[{len(value) - MAX_KEYS} more keys not kept]"
                break
            out[_cut_text(key, MAX_KEY) if isinstance(key, str) else key] = _bounded(item, budget, depth + 1)
        return out
    items = [_bounded(item, budget, depth + 1) for item in value[:MAX_ITEMS]]
    if len(value) > MAX_ITEMS:
        items.append(f"[{len(value) - MAX_ITEMS} more items not kept]")
    return items
