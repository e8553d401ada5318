"""The BigCommerce REST client: speaks HTTP, paces itself, retries what is safe to retry, and
raises typed errors (``errors.py``). It knows nothing of Comptoir's models.

Retry rules:

* A request that certainly had no effect is retried whatever its method: a 429 (the quota
  check comes first) or a connection that could not be opened.
* A *safe* request is also retried on 5xx, read timeouts and dropped connections. Safe means a
  read (GET/HEAD) or a write the caller marks ``idempotent=True`` (an absolute inventory
  adjustment, a PUT of full state).
* Any other write whose answer was lost raises ``OutcomeUnknown`` at once, never repeated:
  BigCommerce has no idempotency keys, so a second relative adjustment could apply twice.

Attempts are bounded (``RetryPolicy.max_attempts``) and so is the time spent
(``RetryPolicy.max_elapsed``); backoff is exponential with full jitter; a 429 waits the longer
of ``X-Rate-Limit-Time-Reset-Ms`` and ``X-Retry-After``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError
from urllib3.util.retry import Retry

from portal.metrics import bigcommerce_call_record

from . import pagination
from .errors import (
    STATUS_ERRORS,
    BigCommerceError,
    OutcomeUnknown,
    PacingDeferred,
    RateLimited,
    Unavailable,
    parse_error_body,
)
from .pacing import Pacer, RateLimitInfo, urgent_may_wait
from .pacing_backends import default_pacer

logger = logging.getLogger(__name__)

USER_AGENT = "Comptoir/0.1 (point-of-sale back office; python-requests)"
CONNECT_TIMEOUT = 5.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DOWNLOAD_TIMEOUT = (5.0, 20.0)  # connect, read: a store's image


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_elapsed: float = 90.0

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base · 2^(attempt-1))]."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


NO_RETRY = RetryPolicy(max_attempts=1)


def new_session() -> requests.Session:
    """A session whose transport never repeats a request by itself (urllib3 would otherwise
    be ours to second-guess): every retry decision is the client's."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=Retry(total=0, connect=0, read=False, redirect=False, status=0))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class BigCommerceClient:
    """One store's REST API: ``{api_url}/stores/{store_hash}/v3/...`` and ``/v2/...``."""

    def __init__(
        self,
        store_hash: str,
        access_token: str,
        *,
        api_url: str | None = None,
        timeout: float | tuple[float, float] | None = None,
        pacer: Pacer | None = None,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        user_agent: str = USER_AGENT,
    ):

        if not store_hash or "/" in store_hash:
            raise ValueError(f"invalid store hash: {store_hash!r}")
        self.store_hash = store_hash
        self._access_token = access_token
        self.api_url = (api_url or settings.BIGCOMMERCE_API_URL).rstrip("/")
        timeout = settings.BIGCOMMERCE_TIMEOUT if timeout is None else timeout
        self.timeout = timeout if isinstance(timeout, tuple) else (min(CONNECT_TIMEOUT, timeout), timeout)
        self.pacer = pacer if pacer is not None else default_pacer()
        self.session = session or new_session()
        self.retry = retry or RetryPolicy()
        self.headers = {
            "X-Auth-Token": access_token,
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": user_agent,
        }

    def __repr__(self) -> str:  # never the token
        return f"<BigCommerceClient store={self.store_hash} api={self.api_url}>"

    @property
    def base_url(self) -> str:
        return f"{self.api_url}/stores/{self.store_hash}"

    # -- verbs -----------------------------------------------------------------
    def get(self, path: str, params: dict | None = None, **kwargs) -> Any:
        return self.request("GET", path, params=params, **kwargs)

    def post(self, path: str, json: Any = None, params: dict | None = None, **kwargs) -> Any:
        return self.request("POST", path, params=params, json=json, **kwargs)

    def put(self, path: str, json: Any = None, params: dict | None = None, **kwargs) -> Any:
        return self.request("PUT", path, params=params, json=json, **kwargs)

    def delete(self, path: str, params: dict | None = None, **kwargs) -> Any:
        return self.request("DELETE", path, params=params, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one request (retrying as the module docstring says); returns the parsed JSON
        body, or None for an empty answer (204)."""
        method = method.upper()
        path = "/" + path.lstrip("/")
        safe = method in SAFE_METHODS if idempotent is None else idempotent
        url = self.base_url + path
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            self.pacer.acquire(self.store_hash)
            try:
                # No redirects: a custom auth header would follow them to any host.
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers=self.headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                bigcommerce_call_record(store=self.store_hash, status=None)
                self.pacer.observe(self.store_hash, None, status=None)
                error, retryable = self._transport_error(exc, method, path, safe)
                if retryable and self._should_retry(attempt, started, delay := self.retry.backoff(attempt)):
                    self._log_retry(method, path, attempt, delay, error)
                    time.sleep(delay)
                    continue
                raise error from exc

            bigcommerce_call_record(store=self.store_hash, status=response.status_code)
            info = RateLimitInfo.from_headers(response.headers)
            self.pacer.observe(self.store_hash, info, status=response.status_code)
            if response.status_code < 300:
                return self._parse(response, method, path)
            error = self._http_error(response, method, path, info, safe)
            if isinstance(error, (RateLimited, Unavailable)):
                delay = self.retry.backoff(attempt)
                if isinstance(error, RateLimited) and error.reset_ms is not None:
                    delay = error.reset_ms / 1000
                if isinstance(error, RateLimited) and not urgent_may_wait(delay):
                    # A 429 (nothing applied) in an urgent task: give the worker back, as the pacer does.
                    raise PacingDeferred(error.title, reset_ms=int(delay * 1000), method=method, path=path) from error
                if self._should_retry(attempt, started, delay):
                    self._log_retry(method, path, attempt, delay, error)
                    time.sleep(delay)
                    continue
            raise error

    # -- helpers for the sync ----------------------------------------------------
    def iter_pages(self, path: str, params: dict | None = None, *, limit: int | None = None) -> Iterator[dict]:
        """Every item of a collection: v3 by ``meta.pagination``, v2 until a 204 or a short
        page. ``limit`` (≤ 250, default 250) is the page size."""
        fetch = lambda p, q: self.get(p, q)  # noqa: E731
        if path.lstrip("/").startswith("v2/"):
            return pagination.iter_v2(fetch, path, params, limit=limit)
        return pagination.iter_v3(fetch, path, params, limit=limit)

    def batch(
        self, method: str, path: str, items: Iterable, *, size: int, limit: int, idempotent: bool, wrap=None
    ) -> Iterator[tuple[list, Any]]:
        """Send ``items`` in batches of ``size`` (≤ ``limit``), one request after the other;
        yields ``(batch, parsed answer)`` so the caller can record progress between batches."""
        for chunk in pagination.batched(items, size, limit=limit):
            body = wrap(chunk) if wrap else chunk
            yield chunk, self.request(method, path, json=body, idempotent=idempotent)

    def update_products(self, products: Iterable[dict], *, size: int = pagination.PRODUCTS_BATCH_MAX):
        """``PUT /v3/catalog/products`` (each item has ``id``), ≤ 10 per request. A PUT of
        field values is idempotent, so it is retried."""
        return self.batch(
            "PUT", "/v3/catalog/products", products, size=size, limit=pagination.PRODUCTS_BATCH_MAX, idempotent=True
        )

    def update_variants(self, variants: Iterable[dict], *, size: int = pagination.VARIANTS_BATCH_MAX):
        """``PUT /v3/catalog/variants``, ≤ 50 per request. Items without ``id`` create variants,
        so a batch holding one is not retried."""
        variants = list(variants)
        return self.batch(
            "PUT",
            "/v3/catalog/variants",
            variants,
            size=size,
            limit=pagination.VARIANTS_BATCH_MAX,
            idempotent=all("id" in v for v in variants),
        )

    def adjust_inventory_absolute(
        self, items: Iterable[dict], *, reason: str | None = None, size: int = pagination.INVENTORY_ITEMS_MAX
    ):
        """``PUT /v3/inventory/adjustments/absolute``, ≤ 2000 items per request, grouped by
        location. Setting a level is idempotent, so it is retried."""
        return self.batch(
            "PUT",
            "/v3/inventory/adjustments/absolute",
            _by_location(items),
            size=size,
            limit=pagination.INVENTORY_ITEMS_MAX,
            idempotent=True,
            wrap=_adjustment(reason),
        )

    def adjust_inventory_relative(
        self, items: Iterable[dict], *, reason: str | None = None, size: int = pagination.INVENTORY_ITEMS_MAX
    ):
        """``POST /v3/inventory/adjustments/relative``, ≤ 2000 items per request. Never
        retried once sent: a lost answer raises ``OutcomeUnknown``."""
        return self.batch(
            "POST",
            "/v3/inventory/adjustments/relative",
            _by_location(items),
            size=size,
            limit=pagination.INVENTORY_ITEMS_MAX,
            idempotent=False,
            wrap=_adjustment(reason),
        )

    def download(
        self, url: str, *, max_bytes: int, timeout: tuple[float, float] = DOWNLOAD_TIMEOUT
    ) -> tuple[int, bytes]:
        """A file the store links to (a product image on its CDN): (status, at most ``max_bytes`` + 1
        bytes), paced like every request to this store. Sent without the token (the address is
        not the API's), never retried; ``Unavailable`` when no answer came, naming the cause."""
        self.pacer.acquire(self.store_hash)
        try:
            with self.session.get(url, stream=True, timeout=timeout) as answer:
                return answer.status_code, answer.raw.read(max_bytes + 1, decode_content=True)
        except requests.RequestException as exc:
            raise Unavailable(type(exc).__name__, method="GET", path=url) from exc

    def get_store(self) -> dict:
        """``GET /v2/store``: name, currency, ``is_price_entered_with_tax``, ``default_channel_id``…"""
        return self.get("/v2/store")

    # -- internals -------------------------------------------------------------
    def _should_retry(self, attempt: int, started: float, delay: float) -> bool:
        if attempt >= self.retry.max_attempts:
            return False
        return time.monotonic() - started + delay <= self.retry.max_elapsed

    def _log_retry(self, method: str, path: str, attempt: int, delay: float, error: BigCommerceError) -> None:
        logger.info(
            "bigcommerce %s %s %s: attempt %d failed (%s), retrying in %.2fs",
            self.store_hash,
            method,
            path,
            attempt,
            type(error).__name__,
            delay,
        )

    def _transport_error(
        self, exc: requests.RequestException, method: str, path: str, safe: bool
    ) -> tuple[BigCommerceError, bool]:
        """(error, may retry) for a request that got no answer."""
        where = {"method": method, "path": path}
        if never_sent(exc):
            return Unavailable(f"Could not connect: {type(exc).__name__}", **where), True
        if not isinstance(
            exc,
            (
                requests.Timeout,
                requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ),
        ):
            return BigCommerceError(f"Request failed: {exc}", **where), False
        if safe:
            return Unavailable(f"No answer: {type(exc).__name__}", **where), True
        return OutcomeUnknown(f"Sent, but the answer was lost: {type(exc).__name__}", cause=exc, **where), False

    def _http_error(
        self, response: requests.Response, method: str, path: str, info: RateLimitInfo | None, safe: bool
    ) -> BigCommerceError:
        body = json_or_text(response)
        title, errors, type_ = parse_error_body(body)
        status = response.status_code
        fields = {"status": status, "errors": errors, "type": type_, "method": method, "path": path, "body": body}
        title = title or response.reason or f"HTTP {status}"
        if status == 429:
            return RateLimited(title, reset_ms=info.wait_ms if info else None, **fields)
        if status >= 500:
            if safe:
                return Unavailable(title, **fields)
            return OutcomeUnknown(title, cause=None, **fields)
        return STATUS_ERRORS.get(status, BigCommerceError)(title, **fields)

    @staticmethod
    def _parse(response: requests.Response, method: str, path: str) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise BigCommerceError(
                "The answer is not JSON",
                status=response.status_code,
                method=method,
                path=path,
                body=response.text[:500],
            ) from None


def never_sent(exc: requests.RequestException) -> bool:
    """True when the connection could not even be opened (so nothing reached BigCommerce)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return isinstance(reason, ConnectTimeoutError)  # NewConnectionError, NameResolutionError
    return False


def json_or_text(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text[:500]


def _by_location(items: Iterable[dict]) -> list[dict]:
    # BigCommerce asks bulk adjustments to be grouped by location (a stable sort keeps order).
    return sorted(items, key=lambda item: (item.get("location_id") is None, item.get("location_id") or 0))


def _adjustment(reason: str | None):
    def wrap(chunk: list[dict]) -> dict:
        body: dict[str, Any] = {"items": chunk}
        if reason:
            body["reason"] = reason
        return body

    return wrap


def client_for(connection) -> BigCommerceClient:
    """The client of a connection (anything with ``store_hash`` and ``access_token``)."""
    return BigCommerceClient(connection.store_hash, connection.access_token)
