"""Errors reach the team through Sentry when ``SENTRY_DSN`` is set (settings call ``sentry_init``);
without it nothing of sentry-sdk is imported.

What leaves: no personal data (``send_default_pii`` off, and ``event_scrubbed`` removes user
fields, cookies, request bodies, headers that authenticate, email addresses in any text) and no
secret (the log redaction, ``portal.logs.text_redacted``, over every string of the event).
"""

import re
from typing import Any

from portal.logs import text_redacted
from portal.redaction import REMOVED, secrets_removed

# An email address in any text (an error message naming a user, a breadcrumb): personal data.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Request headers that carry who the caller is or what authenticates it.
PRIVATE_HEADERS = {"authorization", "cookie", "x-auth-token", "x-csrftoken", "x-forwarded-for", "x-real-ip"}


def sentry_init(*, dsn: str, environment: str = "production", release: str | None = None, transport=None) -> None:
    # Imported only when a DSN is set: without one, sentry-sdk is never loaded.
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    options: dict[str, Any] = {
        "dsn": dsn,
        "environment": environment,
        "release": release,
        "send_default_pii": False,
        "include_local_variables": False,  # a frame's locals hold tokens and merchants' data
        "max_request_body_size": "never",
        "before_send": event_scrubbed,
        "before_send_transaction": event_scrubbed,
        "integrations": [DjangoIntegration()],
        "traces_sample_rate": 0.0,
    }
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(**options)


def event_scrubbed(event: dict, hint: dict | None = None) -> dict:
    """``event`` without personal data or secrets (sentry-sdk's ``before_send``)."""
    event.pop("user", None)
    event.pop("server_name", None)
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("data", None)
        request.pop("env", None)
        request["query_string"] = REMOVED if request.get("query_string") else ""
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: (REMOVED if k.lower() in PRIVATE_HEADERS else v) for k, v in headers.items()}
    return _strings_redacted(secrets_removed(event))


def _strings_redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _strings_redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_strings_redacted(item) for item in value]
    if isinstance(value, str):
        return EMAIL.sub("[email removed]", text_redacted(value))
    return value
