"""Verify the ``signed_payload_jwt`` that BigCommerce sends to the load, uninstall and
remove_user callbacks.

It is an HMAC JWT keyed with the app's client secret (BigCommerce's own clients verify HS256),
with ``aud`` = client id, ``iss`` = "bc", ``sub`` = "stores/{hash}", ``iat``/``nbf``/``exp``
(exp is 24 h after nbf) and a ``jti`` UUID. Only HS256 is accepted: an allow-list of one, so
neither ``alg: none`` nor an algorithm swap can pass. Replay protection by ``jti`` belongs to
the caller, who stores the ``jti`` it has seen.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

import jwt
from django.conf import settings

from portal.json_input import JsonRejected, json_check

ALGORITHMS = ["HS256"]
ISSUER = "bc"
REQUIRED_CLAIMS = ["aud", "iss", "sub", "iat", "nbf", "exp", "jti"]
DEFAULT_LEEWAY = 30  # seconds of clock skew tolerated on exp/nbf/iat
SUBJECT = re.compile(r"^stores/([a-z0-9]{1,64})$")
MAX_JTI_LENGTH = 255  # what UsedSignedPayload keeps to refuse replays
MAX_LIFETIME = 2 * 24 * 3600  # BigCommerce's exp is 24 h after nbf; a later one is no payload of theirs
TIME_CLAIMS = ("iat", "nbf", "exp")


class InvalidSignedPayload(Exception):
    """The payload must be refused. ``reason`` is a short code for logs and tests:
    malformed, algorithm, signature, expired, not_yet_valid, issued_in_future, audience,
    issuer, missing_claim, subject, claims (signed, but out of bounds: times, lengths, text)."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class SignedPayload:
    store_hash: str
    user_id: int | None
    user_email: str
    owner_id: int | None
    owner_email: str
    jti: str
    url: str
    channel_id: int | None
    user_locale: str = ""
    issued_at: int | None = None
    expires_at: int | None = None

    @property
    def user_is_owner(self) -> bool:
        return self.user_id is not None and self.user_id == self.owner_id


def verify_signed_payload(
    token: str,
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    leeway: float = DEFAULT_LEEWAY,
) -> SignedPayload:
    """Check signature and claims; return the payload or raise ``InvalidSignedPayload``."""

    client_id = client_id or settings.BIGCOMMERCE_CLIENT_ID
    client_secret = client_secret or settings.BIGCOMMERCE_CLIENT_SECRET
    if not isinstance(token, str) or not token or token.count(".") != 2:
        raise InvalidSignedPayload("malformed", "not a compact JWS")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidSignedPayload("malformed", str(exc)) from None
    except RecursionError:  # a header nested thousands of levels deep (read before any signature check)
        raise InvalidSignedPayload("malformed", "nested too deeply") from None
    if header.get("alg") not in ALGORITHMS:
        raise InvalidSignedPayload("algorithm", f"{header.get('alg')!r} is not allowed")
    try:
        claims = jwt.decode(
            token,
            client_secret,
            algorithms=ALGORITHMS,
            audience=client_id,
            issuer=ISSUER,
            leeway=leeway,
            options={"require": REQUIRED_CLAIMS, "verify_signature": True, "strict_aud": False},
        )
    except jwt.InvalidAlgorithmError as exc:
        raise InvalidSignedPayload("algorithm", str(exc)) from None
    except jwt.InvalidSignatureError:
        raise InvalidSignedPayload("signature") from None
    except jwt.ExpiredSignatureError:
        raise InvalidSignedPayload("expired") from None
    except jwt.ImmatureSignatureError:
        raise InvalidSignedPayload("not_yet_valid") from None
    except jwt.InvalidIssuedAtError as exc:
        raise InvalidSignedPayload("issued_in_future", str(exc)) from None
    except jwt.InvalidAudienceError as exc:
        raise InvalidSignedPayload("audience", str(exc)) from None
    except jwt.InvalidIssuerError as exc:
        raise InvalidSignedPayload("issuer", str(exc)) from None
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidSignedPayload("missing_claim", exc.claim) from None
    except jwt.DecodeError as exc:
        raise InvalidSignedPayload("malformed", str(exc)) from None
    except jwt.PyJWTError as exc:
        raise InvalidSignedPayload("claims", str(exc)) from None
    except RecursionError:
        raise InvalidSignedPayload("malformed", "nested too deeply") from None
    return _payload(claims)


def _payload(claims: dict) -> SignedPayload:
    try:
        # Signed, but what it says is still stored and looked up: no NUL, lone surrogate or deep nesting.
        json_check(claims, max_depth=8)
    except JsonRejected as exc:
        raise InvalidSignedPayload("claims", f"unreadable text or structure ({exc.reason})") from None
    _check_times(claims)
    match = SUBJECT.match(str(claims.get("sub", "")))
    if not match:
        raise InvalidSignedPayload("subject", f"{claims.get('sub')!r} is not stores/{{hash}}")
    user = claims.get("user") or {}
    owner = claims.get("owner") or {}
    if not isinstance(user, dict) or not isinstance(owner, dict):
        raise InvalidSignedPayload("claims", "user and owner must be objects")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_LENGTH:
        raise InvalidSignedPayload("claims", f"jti must be a string of 1 to {MAX_JTI_LENGTH} characters")
    channel_id = claims.get("channel_id")
    if channel_id is not None and (isinstance(channel_id, bool) or not isinstance(channel_id, int)):
        raise InvalidSignedPayload("claims", "channel_id must be an integer or null")
    return SignedPayload(
        store_hash=match.group(1),
        user_id=_int_or_none(user.get("id")),
        user_email=str(user.get("email") or ""),
        owner_id=_int_or_none(owner.get("id")),
        owner_email=str(owner.get("email") or ""),
        jti=jti,
        url=str(claims.get("url") or "/"),
        channel_id=channel_id,
        user_locale=str(user.get("locale") or ""),
        issued_at=int(claims["iat"]),
        expires_at=int(claims["exp"]),
    )


def _check_times(claims: dict) -> None:
    """iat, nbf and exp are numbers from 1970 to at most ``MAX_LIFETIME`` from now.

    PyJWT only compares them with the clock, so ``exp`` = 10**20, 1e300 or "123" passed and then
    broke turning it into a date (a server error), and a far exp would keep a jti forever.
    """
    latest = time.time() + MAX_LIFETIME
    for name in TIME_CLAIMS:
        value = claims.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidSignedPayload("claims", f"{name} must be a number of seconds")
        if not 0 <= value <= latest:
            raise InvalidSignedPayload("claims", f"{name} is out of range")


def _int_or_none(value) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidSignedPayload("claims", f"not an id: {value!r}") from None
