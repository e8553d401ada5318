"""What the journal keeps and shows of a request and its answer: everything but the secrets, and
not more than a page's worth of it.

Both passes read their input once (linear time, whatever it holds): a journal entry written
from a 2 MB product description opens as fast as any other.
"""

import re
from typing import Any

REMOVED = "[removed]"

# What the journal keeps of one entry's detail (what was sent and answered).
MAX_TEXT = 2_000  # characters of one string
MAX_ITEMS = 50  # items of one list
MAX_KEYS = 100  # keys of one object
MAX_KEY = 200  # characters of one key
MAX_DEPTH = 12  # levels of nesting
MAX_TOTAL = 50_000  # characters of all strings of one detail together

# Keys whose value is a credential: access tokens, webhook secrets, X-Auth-Token, passwords,
# signatures (signed payloads), Authorization headers, client secrets.
_SECRET_KEY = re.compile(
    r"token|secret|password|passwd|signature|signed_payload|authorization|api[_-]?key|credential", re.I
)
# The same inside a text: "access_token=…" in a URL or a form body, "Bearer …" in a header.
# A name is a whole run of word characters and dashes that contains one of these words; it is
# found by tokenizing (one pass over the text), never by a pattern that backtracks inside a run:
# ``[\w-]*(?:token)[\w-]*`` tries every start of a long run against every end (quadratic).
_WORD_RUN = re.compile(r"[\w-]+")
_SECRET_WORD = re.compile(r"token|secret|password|signature", re.I)
# Anchored right after a name: the separator and the value it introduces.
_SEPARATOR_AND_VALUE = re.compile(r"[\"']?\s*[=:]\s*[\"']?(?P<value>[^&\s\"',;}]+)")
_BEARER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.I)


def secrets_removed(value: Any) -> Any:
    """``value`` (JSON: dicts, lists, strings, numbers) with every secret replaced by ``[removed]``.

    Pure: the argument is not changed. A key that names a secret has its whole value removed,
    whatever it holds; secrets written inside strings (query strings, headers) are removed too.
    """
    if isinstance(value, dict):
        return {
            key: (REMOVED if isinstance(key, str) and _SECRET_KEY.search(key) else secrets_removed(item))
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [secrets_removed(item) for item in value]
    if isinstance(value, str):
        return text_secrets_removed(value)[0]
    return value


def text_secrets_removed(text: str) -> tuple[str, int]:
    """``text`` with the secrets written in it removed, and how many pattern matches that took.

    The count is at most two per run of word characters, plus one: the work grows with the
    length of the text, never with its square (a test holds it to that on a pathological text).
    """
    out: list[str] = []
    steps = 0
    kept = 0  # the text before this position is in ``out``
    position = 0
    while True:
        steps += 1
        run = _WORD_RUN.search(text, position)
        if run is None:
            break
        position = run.end()
        if not _SECRET_WORD.search(run.group()):
            continue
        steps += 1
        assignment = _SEPARATOR_AND_VALUE.match(text, position)
        if assignment is None:
            continue
        out.append(text[kept : assignment.start("value")])
        out.append(REMOVED)
        kept = position = assignment.end()
    out.append(text[kept:])
    steps += 1
    return _BEARER.sub(lambda m: f"{m[1]} {REMOVED}", "".join(out)), steps


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
