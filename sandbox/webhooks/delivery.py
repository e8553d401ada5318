"""Background delivery of queued webhooks, with BigCommerce's retry schedule.

Deliveries live in SQLite (table `deliveries`), so a restart loses none: rows left
`sending` by a crash go back to `pending` at start.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from ..storage import dumps

# Seconds between attempts after a failure (BigCommerce's documented schedule);
# after the last retry fails the hook is deactivated.
RETRY_SCHEDULE = [60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400]
DELIVERY_TIMEOUT = 5.0


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """Standard Webhooks signature: key = the client secret's bytes."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class Dispatcher:
    def __init__(self, app):
        self.app = app
        self.wakeup = threading.Event()
        self.stopping = threading.Event()
        self.pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="webhook")
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        with self.app.db.tx():
            self.app.db.execute("UPDATE deliveries SET status='pending' WHERE status='sending'")
        self.thread = threading.Thread(target=self.run, name="webhook-dispatcher", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.wakeup.set()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def wake(self) -> None:
        self.wakeup.set()

    def retry_now(self, store_hash: str) -> int:
        with self.app.db.tx():
            cursor = self.app.db.execute(
                "UPDATE deliveries SET next_at=? WHERE store_hash=? AND status='pending'", (time.time(), store_hash)
            )
        self.wake()
        return cursor.rowcount

    # -- the loop ---------------------------------------------------------------
    def run(self) -> None:
        while not self.stopping.is_set():
            due = self.claim_due()
            for row_id in due:
                self.pool.submit(self.deliver, row_id)
            self.wakeup.wait(timeout=self.seconds_to_next())
            self.wakeup.clear()

    def claim_due(self) -> list[int]:
        db = self.app.db
        with db.tx():
            rows = db.execute(
                "SELECT id FROM deliveries WHERE status='pending' AND next_at<=? ORDER BY next_at, id LIMIT 64",
                (time.time(),),
            ).fetchall()
            ids = [r["id"] for r in rows]
            if ids:
                marks = ",".join("?" * len(ids))
                db.execute(f"UPDATE deliveries SET status='sending' WHERE id IN ({marks})", ids)
        return ids

    def seconds_to_next(self) -> float:
        row = self.app.db.execute("SELECT MIN(next_at) FROM deliveries WHERE status='pending'").fetchone()
        if row[0] is None:
            return 1.0
        return max(0.0, min(1.0, row[0] - time.time()))

    def deliver(self, row_id: int) -> None:
        db = self.app.db
        with db.tx():
            row = db.execute("SELECT store_hash, data FROM deliveries WHERE id=?", (row_id,)).fetchone()
            if row is None:
                return
            store_hash, record = row["store_hash"], json.loads(row["data"])
            hook = db.get(store_hash, "hook", record["hook_id"])
        if hook is None and record.get("outlives_hook"):
            hook = {**record["target"], "id": record["hook_id"], "is_active": True}
        if hook is None or not hook["is_active"]:
            self.finish(row_id, record, "cancelled", None)
            return
        body = dumps(record["payload"]).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "BigCommerce-Sandbox-Webhooks",
            **(hook.get("headers") or {}),
            "webhook-id": record["webhook_id"],
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(hook["_secret"], record["webhook_id"], timestamp, body),
        }
        started = time.monotonic()
        attempt = {"at": time.time(), "status": None, "error": None}
        try:
            request = urllib.request.Request(hook["destination"], data=body, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT) as answer:
                attempt["status"] = answer.status
        except urllib.error.HTTPError as exc:
            attempt["status"] = exc.code
        except Exception as exc:  # connection refused, timeout...: a failed attempt
            attempt["error"] = f"{type(exc).__name__}: {exc}"
        attempt["ms"] = round((time.monotonic() - started) * 1000, 1)
        record["attempts"].append(attempt)
        ok = attempt["status"] is not None and 200 <= attempt["status"] < 300
        if ok:
            self.finish(row_id, record, "delivered", None)
            return
        retries_done = len(record["attempts"]) - 1
        if retries_done < len(RETRY_SCHEDULE):
            delay = RETRY_SCHEDULE[retries_done] / self.app.config.webhook_time_scale
            self.finish(row_id, record, "pending", time.time() + delay)
        else:
            self.finish(row_id, record, "failed", None)
            self.deactivate(store_hash, hook["id"])

    def finish(self, row_id: int, record: dict, status: str, next_at: float | None) -> None:
        with self.app.db.tx():
            self.app.db.execute(
                "UPDATE deliveries SET status=?, next_at=?, data=? WHERE id=?", (status, next_at, dumps(record), row_id)
            )
        if status == "pending":
            self.wake()

    def deactivate(self, store_hash: str, hook_id: int) -> None:
        db = self.app.db
        with db.tx():
            hook = db.get(store_hash, "hook", hook_id)
            if hook is not None:
                hook["is_active"] = False
                hook["updated_at"] = int(time.time())
                db.put(store_hash, "hook", hook)


def delivery_list(db, store_hash: str, *, hook_id: int | None = None, limit: int = 200) -> list[dict]:
    sql = "SELECT id, hook_id, status, next_at, data FROM deliveries WHERE store_hash=?"
    args: list = [store_hash]
    if hook_id is not None:
        sql += " AND hook_id=?"
        args.append(hook_id)
    rows = db.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
    out = []
    for r in rows:
        record = json.loads(r["data"])
        record.pop("target", None)  # holds the signing secret
        out.append({"id": r["id"], "hook_id": r["hook_id"], "status": r["status"], "next_at": r["next_at"], **record})
    return out
