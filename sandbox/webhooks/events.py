"""Turn a store event into deliveries for every active, matching subscription."""

from __future__ import annotations

import hashlib
import time
import uuid

from ..faults import WEBHOOK_KINDS
from ..storage import dumps
from .scopes import scope_matches


def emit(app, store_hash: str, scope: str, data: dict, *, outlives_hook: bool = False) -> int:
    """Queue `scope` for the store's hooks (inside the caller's transaction); returns the
    number of deliveries queued. Delivery runs after commit in the dispatcher thread.
    `outlives_hook`: still deliver if the hook is deleted meanwhile (app uninstall)."""
    db = app.db
    hooks = [h for h in db.find(store_hash, "hook") if h["is_active"] and scope_matches(h["scope"], scope)]
    if not hooks:
        return 0
    store = db.store_get(store_hash)
    now = time.time()
    queued = 0
    for hook in hooks:
        faults = {f.kind: f for f in app.faults.draw(store_hash, None, scope, WEBHOOK_KINDS)}
        payload = {
            "scope": scope,
            "store_id": str(store["store_id"]),
            "data": data,
            "created_at": int(now),
            "producer": f"stores/{store_hash}",
        }
        # One hash per event; a duplicate delivery of the same event keeps it, so
        # receivers can deduplicate on it. (The nonce keeps two distinct events with
        # the same data in the same second apart.)
        payload["hash"] = hashlib.sha1((dumps(payload) + uuid.uuid4().hex).encode()).hexdigest()
        delay = 0.0
        for kind in ("webhook_delay", "webhook_reorder"):
            if kind in faults:
                delay += faults[kind].duration_ms / 1000
        copies = 2 if "webhook_duplicate" in faults else 1
        message_id = f"msg_{uuid.uuid4().hex}"
        for copy in range(copies):
            status = "dropped" if "webhook_drop" in faults else "pending"
            record = {
                "payload": payload,
                "webhook_id": message_id,
                "scope": scope,
                "hook_id": hook["id"],
                "client_id": hook["client_id"],
                "attempts": [],
                "created_at": now,
                "faults": sorted(faults),
                "delay_ms": round(delay * 1000),  # webhook_delay / webhook_reorder: held this long
                "duplicate": copy > 0,
                "outlives_hook": outlives_hook,
                "target": {k: hook.get(k) for k in ("destination", "headers", "_secret")},
            }
            db.execute(
                "INSERT INTO deliveries (store_hash, hook_id, status, next_at, data) VALUES (?,?,?,?,?)",
                (store_hash, hook["id"], status, now + delay + copy * 0.05, dumps(record)),
            )
            queued += 1
    db.on_commit(app.webhooks.wake)
    return queued
