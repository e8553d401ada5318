"""Verifying BigCommerce's webhook deliveries.

BigCommerce signs every delivery in the Standard Webhooks format with the app's client
secret (``webhook-id``, ``webhook-timestamp``, ``webhook-signature`` headers; a timestamp
more than five minutes away is refused, against replays). We verify with the
``standardwebhooks`` library, as BigCommerce's documentation does, then check the
per-connection secret we registered as a custom header of our hooks.
"""

from __future__ import annotations

import base64
import hmac
import math
import time
from dataclasses import dataclass

from django.conf import settings
from standardwebhooks.webhooks import Webhook

from portal.json_input import JsonRejected, json_parse

SECRET_HEADER = "X-Comptoir-Webhook-Secret"
MAX_SCOPE_LENGTH = 200  # WebhookEvent.scope
MAX_STORE_HASH_LENGTH = 64  # WebhookEvent.store_hash
MAX_HASH_LENGTH = 64  # WebhookEvent.event_hash
CREATED_AT_FUTURE = 24 * 3600  # seconds of clock skew beyond which created_at is no event time


class InvalidWebhook(Exception):
    """The delivery cannot be trusted or read; ``reason`` says why (for the log, not the sender)."""

    def __init__(self, reason: str, *, status: int = 400):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class WebhookDelivery:
    scope: str
    store_hash: str
    event_hash: str
    created_at: int | None
    data: object  # an object in BigCommerce's documents; anything else fails in processing, journaled
    payload: dict
    webhook_id: str


def webhook_verify(*, body: bytes, headers: dict[str, str], client_secret: str | None = None) -> WebhookDelivery:
    """Check the signature and the payload's shape; raise InvalidWebhook otherwise."""
    secret = client_secret or settings.BIGCOMMERCE_CLIENT_SECRET
    try:
        Webhook(base64.b64encode(secret.encode()).decode()).verify(body, headers, json_parse=False)
    except Exception as exc:  # the library raises several types for malformed headers
        raise InvalidWebhook(f"signature: {exc}", status=401) from None
    try:
        # Signed, yet still refused if we could not store it: no NUL, NaN or deep nesting.
        payload = json_parse(body)
    except JsonRejected as exc:
        raise InvalidWebhook(f"body is not JSON we can keep ({exc.reason})") from None
    if not isinstance(payload, dict):
        raise InvalidWebhook("payload is not a JSON object")
    scope, producer, event_hash = payload.get("scope"), payload.get("producer"), payload.get("hash")
    if not (isinstance(scope, str) and isinstance(producer, str) and producer.startswith("stores/")):
        raise InvalidWebhook("payload lacks scope or producer")
    if not 0 < len(scope) <= MAX_SCOPE_LENGTH or len(producer) > len("stores/") + MAX_STORE_HASH_LENGTH:
        raise InvalidWebhook("scope or producer is too long")
    if not (isinstance(event_hash, str) and 0 < len(event_hash) <= MAX_HASH_LENGTH):
        raise InvalidWebhook("payload lacks a hash")
    lowered = {k.lower(): v for k, v in headers.items()}
    return WebhookDelivery(
        scope=scope,
        store_hash=producer.removeprefix("stores/"),
        event_hash=event_hash,
        created_at=_created_at(payload.get("created_at")),
        data=payload.get("data", {}),
        payload=payload,
        webhook_id=str(lowered.get("webhook-id", ""))[:200],
    )


def _created_at(value) -> int | None:
    """The event's time in seconds, from 1970 to a day ahead of our clock; absent is None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidWebhook("created_at is not a number of seconds")
    if not 0 <= value <= time.time() + CREATED_AT_FUTURE:
        raise InvalidWebhook("created_at is out of range")
    return int(value)


def webhook_secret_matches(*, expected: str, headers: dict[str, str]) -> bool:
    lowered = {k.lower(): v for k, v in headers.items()}
    given = lowered.get(SECRET_HEADER.lower(), "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())
