"""API accounts (store-level and app tokens) and OAuth scopes."""

from __future__ import annotations

import json
import secrets
import time

from .storage import Database, dumps
from .web import ApiError, Request

# Permission family of a route -> the OAuth scope granting it (writes need the full
# scope, reads also accept `<scope>_read_only`). `None`: the default scope every
# account has (webhooks).
SCOPES = {
    "information": "store_v2_information",
    "products": "store_v2_products",
    "channels": "store_channel_settings",
    "listings": "store_channel_listings",
    "inventory": "store_inventory",
    "orders": "store_v2_orders",
    "fulfillment": "store_fulfillment_methods_manage",  # pickup_methods.v3.yml
    "hooks": None,
}
# Read-only scopes not spelled `<scope>_read_only`.
READ_ONLY = {"fulfillment": "store_fulfillment_methods_read_only"}
ALL_SCOPES = [s for s in SCOPES.values() if s]
# Extra scopes that also grant a family (refunds accept the transactions scope).
ALSO_GRANTS = {"store_v2_transactions": "orders"}


def account_create(
    db: Database,
    *,
    store_hash: str,
    scopes: list[str] | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    name: str = "",
    kind: str = "store",
) -> dict:
    account = {
        "access_token": secrets.token_hex(16),
        "client_id": client_id or secrets.token_hex(12),
        "client_secret": client_secret or secrets.token_hex(16),
        "store_hash": store_hash,
        "scopes": list(scopes if scopes is not None else ALL_SCOPES),
        "name": name or "API account",
        "kind": kind,  # "store" (control-panel API account) or "app" (OAuth install)
        "created_at": int(time.time()),
    }
    db.execute(
        "INSERT INTO accounts (token, store_hash, client_id, data) VALUES (?,?,?,?)",
        (account["access_token"], store_hash, account["client_id"], dumps(account)),
    )
    return account


def account_list(db: Database, store_hash: str) -> list[dict]:
    rows = db.execute("SELECT data FROM accounts WHERE store_hash=? ORDER BY rowid", (store_hash,)).fetchall()
    return [json.loads(r["data"]) for r in rows]


def account_revoke(db: Database, *, store_hash: str, client_id: str) -> None:
    db.execute("DELETE FROM accounts WHERE store_hash=? AND client_id=?", (store_hash, client_id))


def account_for_token(db: Database, token: str | None) -> dict | None:
    if not token:
        return None
    row = db.execute("SELECT data FROM accounts WHERE token=?", (token,)).fetchone()
    return json.loads(row["data"]) if row else None


def authenticate(req: Request) -> dict:
    account = account_for_token(req.app.db, req.header("x-auth-token"))
    if account is None or account["store_hash"] != req.store_hash:
        raise ApiError(401, "You must be authenticated to access this resource.")
    return account


def require_scope(account: dict, family: str | None, method: str) -> None:
    if family is None or SCOPES.get(family) is None:
        return
    scope = SCOPES[family]
    granted = set(account["scopes"])
    granted |= {SCOPES[f] for s, f in ALSO_GRANTS.items() if s in granted}
    read_only = READ_ONLY.get(family, f"{scope}_read_only")
    if scope in granted or (method in ("GET", "HEAD") and read_only in granted):
        return
    raise ApiError(403, "You don't have a required scope to access the endpoint")
