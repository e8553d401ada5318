"""Typed errors of the BigCommerce client. Retry decisions read the class, never the text.

BigCommerce's v3 error body is ``{status, title, type, errors: {field: message}}`` (plus
optional ``instance``/``code``); v2 answers a list of ``{status, message}``. Both are parsed
into the same attributes.
"""

from __future__ import annotations

import re
from typing import Any


class BigCommerceError(Exception):
    """An answer (or a missing answer) from BigCommerce that is not a success."""

    def __init__(
        self,
        title: str = "",
        *,
        status: int | None = None,
        errors: dict[str, Any] | None = None,
        type: str = "",
        method: str = "",
        path: str = "",
        body: Any = None,
    ):
        self.status = status
        self.title = title
        self.errors = dict(errors or {})
        self.type = type
        self.method = method
        self.path = path
        self.body = body
        super().__init__(title)

    def as_detail(self) -> dict[str, Any]:
        """What the journal keeps of it: the class, status, BigCommerce's title and field errors, the call."""
        return {
            "error": self.__class__.__name__,
            "status": self.status,
            "title": self.title,
            "errors": self.errors,
            "method": self.method,
            "path": self.path,
        }

    def __str__(self) -> str:
        where = f"{self.method} {self.path}".strip()
        status = f"{self.status} " if self.status is not None else ""
        text = f"{status}{self.title}".strip()
        if self.errors:
            text += f" {self.errors}"
        return f"{text} ({where})" if where else text


class BadRequest(BigCommerceError):
    """400: the request was malformed (bad JSON, bad query parameter)."""


class Unauthorized(BigCommerceError):
    """401: the access token is missing, wrong or revoked (e.g. the app was uninstalled)."""


class Forbidden(BigCommerceError):
    """403: the token lacks the OAuth scope this endpoint needs."""


class NotFound(BigCommerceError):
    """404: the resource (or the store) does not exist."""


class Conflict(BigCommerceError):
    """409: a unique value (product name, SKU, custom URL) is already taken; ``on_sku``,
    ``on_name`` and ``named_sku`` read BigCommerce's answer once, for the callers."""

    @property
    def on_sku(self) -> bool:
        return "sku" in self.errors or "sku" in (self.title or "").lower()

    @property
    def on_name(self) -> bool:
        return "name" in self.errors or "name" in (self.title or "").lower()

    @property
    def named_sku(self) -> str | None:
        """The SKU BigCommerce names as taken ("Sku ABC-1 is not unique"), if it names one."""
        text = "; ".join(f"{k}: {v}" for k, v in self.errors.items()) or self.title or ""
        found = _SKU_IN_TEXT.search(text)
        return found.group(1) if found else None


_SKU_IN_TEXT = re.compile(r"[Ss]ku\s+(\S+)\s+is not unique")


class PayloadTooLarge(BigCommerceError):
    """413: too many items in a batch or a ``limit`` above the maximum."""


class ValidationFailed(BigCommerceError):
    """422: missing or invalid data; ``errors`` maps field names to messages."""


class AdjustmentRefused(ValidationFailed):
    """422 to a relative inventory adjustment, read once from BigCommerce's title:
    ``absolute_first`` when a variant has no level yet ("requires absolute adjustment before
    relative"), and which items it names: ``variant_ids`` ("variant_id 123") and ``item_indexes``
    ("Item 3 would take stock below zero …", the item's index in the call)."""

    def __init__(self, *args, absolute_first=False, variant_ids=frozenset(), item_indexes=frozenset(), **kwargs):
        self.absolute_first = absolute_first
        self.variant_ids = frozenset(variant_ids)
        self.item_indexes = frozenset(item_indexes)
        super().__init__(*args, **kwargs)

    @classmethod
    def parsed(cls, exc: BigCommerceError) -> AdjustmentRefused:
        title = exc.title or ""
        return cls(
            exc.title,
            status=exc.status,
            errors=exc.errors,
            type=exc.type,
            method=exc.method,
            path=exc.path,
            body=exc.body,
            absolute_first=bool(_ABSOLUTE_FIRST.search(title)),
            variant_ids={int(v) for v in _IDENTITY_VARIANT.findall(title)},
            item_indexes={int(n) for n in _REFUSED_ITEM.findall(title)},
        )


_ABSOLUTE_FIRST = re.compile(r"requires absolute adjustment before relative", re.IGNORECASE)
_IDENTITY_VARIANT = re.compile(r"variant_id (\d+)")
_REFUSED_ITEM = re.compile(r"\bItem (\d+) ")


class RateLimited(BigCommerceError):
    """429: the store's quota is spent; try again after ``reset_ms`` milliseconds."""

    def __init__(self, title: str = "Too many requests", *, reset_ms: int | None = None, **kwargs):
        kwargs.setdefault("status", 429)
        self.reset_ms = reset_ms
        super().__init__(title, **kwargs)


class PacingDeferred(RateLimited):
    """An urgent call (``pacing.urgent_calls``) would wait longer than its task may hold its worker
    for the store's quota: nothing was sent. The task gives its worker back; what it was doing
    stays marked for the follow-up (the minute sweeps)."""


class Unavailable(BigCommerceError):
    """5xx, connection error or timeout on a request that had no effect, or that is safe to
    repeat (a read, or a write the caller marked idempotent). Retrying later is fine."""


# Answered by a proxy in front of BigCommerce's application, which may still be running the call.
GATEWAY_STATUSES = frozenset({502, 503, 504})


class OutcomeUnknown(BigCommerceError):
    """A write that is not safe to repeat (a POST, or a PUT/DELETE not marked idempotent) was
    sent, and its answer was lost: a read timeout, a dropped connection or a 5xx that may have
    been applied. The client never repeats it; the caller records it as *in doubt* and lets
    reconciliation find out what happened. Deliberately not a subclass of ``Unavailable``, so
    that a handler retrying ``Unavailable`` cannot repeat it by accident."""

    def __init__(self, title: str = "", *, cause: BaseException | None = None, **kwargs):
        self.cause = cause
        super().__init__(title, **kwargs)

    @property
    def ended(self) -> bool:
        """BigCommerce's application answered (a 500): the call is over on its side, applied or not.
        A timeout, a dropped connection or a gateway's 502/503/504 may leave it running there still."""
        return self.status is not None and self.status not in GATEWAY_STATUSES


class ExportFailed(BigCommerceError):
    """Not an answer of BigCommerce: Comptoir itself failed while sending or recording one
    product (a bug, or data it did not expect). That product is journaled as failed and retried
    like any failure; the run goes on with the others."""

    @classmethod
    def wrapping(cls, exc: BaseException) -> ExportFailed:
        return cls(f"{exc.__class__.__name__}: {str(exc)[:300]}")


class TokenExchangeFailed(BigCommerceError):
    """The OAuth code could not be exchanged for an access token."""


STATUS_ERRORS: dict[int, type[BigCommerceError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: ValidationFailed,
    429: RateLimited,
}


def parse_error_body(body: Any) -> tuple[str, dict[str, Any], str]:
    """(title, field errors, type) from a v3 ``{status,title,type,errors}`` or a v2
    ``[{status, message}]`` body; tolerant of anything else."""
    if isinstance(body, dict):
        errors = body.get("errors")
        if not isinstance(errors, dict):
            # 207 bodies nest the error object; some endpoints send a list of messages.
            errors = {str(i): e for i, e in enumerate(errors)} if isinstance(errors, list) else {}
        title = body.get("title") or body.get("message") or body.get("error_description") or body.get("error") or ""
        if not errors and isinstance(body.get("error"), str):
            errors = {"error": body["error"]}  # OAuth's {error, error_description}
        return str(title), errors, str(body.get("type") or "")
    if isinstance(body, list) and body and isinstance(body[0], dict):
        messages = [str(item.get("message") or item.get("title") or "") for item in body]
        return "; ".join(m for m in messages if m), {}, ""
    if isinstance(body, str):
        return body[:200], {}, ""
    return "", {}, ""
