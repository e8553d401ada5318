"""OAuth install: exchange the ``code`` of the auth callback for a store's access token.

``POST {BIGCOMMERCE_LOGIN_URL}/oauth2/token`` with a JSON body ``{client_id, client_secret,
code, context, scope, grant_type: "authorization_code", redirect_uri}``; the answer is
``{access_token, scope, user: {id, username, email}, owner: {...}, context: "stores/{hash}",
account_uuid}``. A code works once, so the exchange is never retried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings

from .client import USER_AGENT, json_or_text, never_sent, new_session
from .errors import OutcomeUnknown, TokenExchangeFailed, Unavailable, parse_error_body


@dataclass(frozen=True)
class TokenResponse:
    access_token: str = field(repr=False)
    scopes: tuple[str, ...]
    context: str
    store_hash: str
    user_id: int | None
    user_email: str
    owner_id: int | None
    owner_email: str
    account_uuid: str = ""


def store_hash_from_context(context: str) -> str:
    """``stores/abc123`` -> ``abc123``; ValueError for anything else."""
    prefix, _, store_hash = (context or "").partition("/")
    if prefix != "stores" or not store_hash or "/" in store_hash or not store_hash.isalnum():
        raise ValueError(f"not a store context: {context!r}")
    return store_hash


def exchange_code(
    code: str,
    scope: str,
    context: str,
    redirect_uri: str,
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    login_url: str | None = None,
    timeout: float | None = None,
    session: requests.Session | None = None,
) -> TokenResponse:

    client_id = client_id or settings.BIGCOMMERCE_CLIENT_ID
    client_secret = client_secret or settings.BIGCOMMERCE_CLIENT_SECRET
    login_url = (login_url or settings.BIGCOMMERCE_LOGIN_URL).rstrip("/")
    timeout = settings.BIGCOMMERCE_TIMEOUT if timeout is None else timeout
    path = "/oauth2/token"
    where = {"method": "POST", "path": path}
    try:
        expected_hash = store_hash_from_context(context)
    except ValueError as exc:
        raise TokenExchangeFailed(str(exc), **where) from None
    payload = {
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
        "context": context,
        "scope": scope,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri,
    }
    headers = {"Accept": "application/json", "Content-Type": "application/json", "User-Agent": USER_AGENT}
    session = session or new_session()
    try:
        response = session.post(login_url + path, json=payload, headers=headers, timeout=(min(5.0, timeout), timeout))
    except requests.RequestException as exc:
        if never_sent(exc):
            raise Unavailable(f"Could not connect: {type(exc).__name__}", **where) from exc
        # The code may have been spent; only a fresh install flow can tell.
        raise OutcomeUnknown(f"Sent, but the answer was lost: {type(exc).__name__}", cause=exc, **where) from exc

    body = json_or_text(response)
    if response.status_code != 200:
        title, errors, type_ = parse_error_body(body)
        raise TokenExchangeFailed(
            title or f"HTTP {response.status_code}", status=response.status_code, errors=errors, type=type_, **where
        )
    return _token_response(body, expected_hash, where)


def _token_response(body: Any, expected_hash: str, where: dict) -> TokenResponse:
    if not isinstance(body, dict) or not body.get("access_token"):
        raise TokenExchangeFailed("The token answer has no access_token", status=200, **where)
    context = body.get("context") or ""
    try:
        store_hash = store_hash_from_context(context)
    except ValueError:
        raise TokenExchangeFailed(f"The token answer has a bad context: {context!r}", status=200, **where) from None
    if store_hash != expected_hash:
        raise TokenExchangeFailed("The token answer is for another store", status=200, **where)
    user = body.get("user") or {}
    owner = body.get("owner") or {}
    scope = body.get("scope") or ""
    return TokenResponse(
        access_token=str(body["access_token"]),
        scopes=tuple(scope.split()) if isinstance(scope, str) else tuple(scope),
        context=context,
        store_hash=store_hash,
        user_id=user.get("id"),
        user_email=user.get("email") or "",
        owner_id=owner.get("id"),
        owner_email=owner.get("email") or "",
        account_uuid=body.get("account_uuid") or "",
    )
