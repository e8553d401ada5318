"""The transport room: the only part of Comptoir that knows BigCommerce's paths and error texts.
The REST client (``client``), its typed errors (``errors``), pacing under the store quota
(``pacing``, ``pacing_backends``), page iteration and batch limits (``pagination``), the named
endpoints the flows call (``endpoints``), the OAuth code exchange (``oauth``), the callbacks'
signed JWT (``signed_payload``) and the webhook deliveries' signature (``webhook_signature``)."""

from .client import BigCommerceClient, RetryPolicy
from .errors import (
    BadRequest,
    BigCommerceError,
    Conflict,
    Forbidden,
    NotFound,
    OutcomeUnknown,
    PacingDeferred,
    PayloadTooLarge,
    RateLimited,
    TokenExchangeFailed,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from .oauth import TokenResponse, exchange_code
from .pacing import InProcessPacer, NullPacer, Pacer, WindowPacer
from .pacing_backends import SharedPacer
from .signed_payload import InvalidSignedPayload, SignedPayload, verify_signed_payload

__all__ = [
    "BadRequest",
    "BigCommerceClient",
    "BigCommerceError",
    "Conflict",
    "Forbidden",
    "InProcessPacer",
    "InvalidSignedPayload",
    "NotFound",
    "NullPacer",
    "OutcomeUnknown",
    "Pacer",
    "PacingDeferred",
    "PayloadTooLarge",
    "RateLimited",
    "RetryPolicy",
    "SharedPacer",
    "SignedPayload",
    "TokenExchangeFailed",
    "TokenResponse",
    "Unauthorized",
    "Unavailable",
    "ValidationFailed",
    "WindowPacer",
    "exchange_code",
    "verify_signed_payload",
]
