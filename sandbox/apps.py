"""App registrations (what BigCommerce's Developer Portal holds) and installations."""

from __future__ import annotations

import json

from .config import Config
from .storage import Database, dumps

# What Comptoir's registration in BigCommerce's Developer Portal asks for (README, "Try the
# BigCommerce connection"): the locations and inventory APIs need store_inventory; reading which
# location a pickup order takes its stock from needs the fulfilment methods scope, read-only
# (pickup_methods.v3.yml, securitySchemes).
DEFAULT_APP_SCOPES = [
    "store_v2_products",
    "store_inventory",
    "store_fulfillment_methods_read_only",
    "store_channel_settings",
    "store_channel_listings",
    "store_v2_orders",
    "store_v2_information",
]
CALLBACK_PATHS = {
    "auth_callback": "/integrations/bigcommerce/app/auth/",
    "load_callback": "/integrations/bigcommerce/app/load/",
    "uninstall_callback": "/integrations/bigcommerce/app/uninstall/",
    "remove_user_callback": "/integrations/bigcommerce/app/remove-user/",
}


def app_register(
    db: Database,
    *,
    client_id: str,
    client_secret: str,
    app_url: str,
    name: str = "Comptoir",
    scopes: list[str] | None = None,
) -> dict:
    app = {
        "client_id": client_id,
        "client_secret": client_secret,
        "app_url": app_url.rstrip("/"),
        "name": name,
        "scopes": scopes or list(DEFAULT_APP_SCOPES),
    }
    db.execute("INSERT OR REPLACE INTO apps (client_id, data) VALUES (?,?)", (client_id, dumps(app)))
    return app


def app_register_default(db: Database, config: Config) -> dict:
    return app_register(
        db, client_id=config.app_client_id, client_secret=config.app_client_secret, app_url=config.app_url
    )


def app_list(db: Database) -> list[dict]:
    return [json.loads(r["data"]) for r in db.execute("SELECT data FROM apps ORDER BY client_id")]


def app_get(db: Database, client_id: str, store: dict | None = None) -> dict | None:
    """The registration as seen from `store` (per-store overrides applied), with callbacks."""
    row = db.execute("SELECT data FROM apps WHERE client_id=?", (client_id,)).fetchone()
    override = (store or {}).get("apps", {}).get(client_id)
    if row is None and not override:
        return None
    app = (
        json.loads(row["data"])
        if row
        else {"client_id": client_id, "name": client_id, "scopes": list(DEFAULT_APP_SCOPES)}
    )
    app.update({k: v for k, v in (override or {}).items() if v is not None})
    app["app_url"] = app.get("app_url", "").rstrip("/")
    for key, path in CALLBACK_PATHS.items():
        app.setdefault(key, app["app_url"] + path)
    return app
