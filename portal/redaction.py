"""Secrets out of anything we keep or print: journal entries (``integrations.redaction``), log
lines (``portal.logs``) and error reports (``portal.sentry``) all go through these functions.

One pass over the input (linear time, whatever it holds).
"""

import re
from typing import Any

REMOVED = "[removed]"

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
