"""What the journal shows of a request and its answer: everything but the secrets."""

import re
from typing import Any

REMOVED = "[removed]"

# Keys whose value is a credential: access tokens, webhook secrets, X-Auth-Token, passwords,
# signatures (signed payloads), Authorization headers, client secrets.
_SECRET_KEY = re.compile(
    r"token|secret|password|passwd|signature|signed_payload|authorization|api[_-]?key|credential", re.I
)
# The same inside a text: "access_token=…" in a URL or a form body, "Bearer …" in a header.
_SECRET_IN_TEXT = re.compile(
    r"(?P<name>[\w-]*(?:token|secret|password|signature)[\w-]*)(?P<sep>[\"']?\s*[=:]\s*[\"']?)(?P<value>[^&\s\"',;}]+)",
    re.I,
)
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
        text = _SECRET_IN_TEXT.sub(lambda m: f"{m['name']}{m['sep']}{REMOVED}", value)
        return _BEARER.sub(lambda m: f"{m[1]} {REMOVED}", text)
    return value
