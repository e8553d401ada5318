"""The load of ``bench.load_run``, for locust (``bench._load_driver`` starts ``python -m locust -f
bench/_load_locustfile.py --headless`` against gunicorn on 127.0.0.1): BigCommerce's webhooks to the
web's webhook endpoint, signed as BigCommerce signs them (Standard Webhooks, with the app's client
secret: the sandbox's own signer), and POS API sales with a device token, each at a constant rate
(``constant_throughput``: each simulated client sends ``per_user`` requests a second, so a slow answer
holds back only its own client). Each request goes on a connection of its own (``Connection: close``),
as BigCommerce delivers each webhook: a client's kept-alive connection, idle for its period, would race
gunicorn's keep-alive timeout (5 s) and fail now and then with "connection closed".

``LOAD_PLAN`` names the JSON plan the driver wrote (rates, users, the store's ids, the secrets);
every request is recorded (kind, its id: the event hash or the sale's idempotency key, the HTTP
status, 0 for no answer, and the answer time) and written as JSON lines to ``LOAD_RECORD`` when
locust stops. No Django here: gevent patches this process, which only speaks HTTP.
"""

import json
import os
import random
import time
import uuid
from pathlib import Path

from locust import FastHttpUser, constant_throughput, events, task

from sandbox.webhooks.delivery import sign

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
RECORDS: list[dict] = []
WEBHOOK_PATH = "/integrations/bigcommerce/webhooks/"
# The mix BigCommerce sends a store that trades: stock changes (mostly the echoes of Comptoir's own
# adjustments of one sale), product edits, orders placed and changed.
SCOPES = {
    "store/product/inventory/updated": 40,
    "store/product/updated": 30,
    "store/order/created": 15,
    "store/order/updated": 15,
}


def event_data(scope: str, rng: random.Random) -> dict:
    if scope.startswith("store/order/"):
        return {"type": "order", "id": rng.choice(PLAN["order_ids"])}
    product = rng.choice(PLAN["product_ids"])
    if scope == "store/product/inventory/updated":
        return {
            "type": "product",
            "id": product,
            "inventory": {"product_id": product, "method": "relative", "value": -1},
        }
    return {"type": "product", "id": product}


def record(kind: str, ident: str, started: float, response, **extra) -> None:
    status = getattr(response, "status_code", 0) or 0
    if not status:  # no answer: why (a timeout, a refused or closed connection)
        extra["error"] = type(getattr(response, "error", None)).__name__
    RECORDS.append({"kind": kind, "id": ident, "status": status, "ms": (time.perf_counter() - started) * 1000, **extra})


class BigCommerce(FastHttpUser):
    """One of BigCommerce's senders: a webhook now and then, as it delivers them (one POST each)."""

    fixed_count = PLAN["webhook_users"]
    wait_time = constant_throughput(PLAN["per_user"])
    network_timeout = connection_timeout = 30.0

    def on_start(self):
        self.rng = random.Random()

    @task
    def webhook(self):
        scope = self.rng.choices(list(SCOPES), weights=list(SCOPES.values()))[0]
        event_hash = uuid.uuid4().hex
        payload = {
            "scope": scope,
            "store_id": PLAN["store_id"],
            "data": event_data(scope, self.rng),
            "created_at": int(time.time()),
            "producer": f"stores/{PLAN['store_hash']}",
            "hash": event_hash,
        }
        body = json.dumps(payload).encode()
        message_id, timestamp = f"msg_{uuid.uuid4().hex}", int(time.time())
        headers = {
            "Content-Type": "application/json",
            "Connection": "close",
            "X-Comptoir-Webhook-Secret": PLAN["connection_secret"],  # the custom header of our hooks
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(PLAN["client_secret"], message_id, timestamp, body),
        }
        started = time.perf_counter()
        with self.client.post(WEBHOOK_PATH, data=body, headers=headers, name="webhook", catch_response=True) as answer:
            record("webhook", event_hash, started, answer, scope=scope)


class Till(FastHttpUser):
    """One of the shop's tills: an in-store sale of one item now and then (POS API)."""

    fixed_count = PLAN["sale_users"]
    wait_time = constant_throughput(PLAN["per_user"])
    network_timeout = connection_timeout = 30.0

    def on_start(self):
        self.rng = random.Random()

    @task
    def sale(self):
        key = f"load-sale-{uuid.uuid4().hex}"
        body = {"lines": [{"variant_id": self.rng.choice(PLAN["variant_ids"]), "quantity": 1}]}
        headers = {"Authorization": f"Bearer {PLAN['device_token']}", "Idempotency-Key": key, "Connection": "close"}
        started = time.perf_counter()
        with self.client.post(
            "/api/v1/purchases", json=body, headers=headers, name="sale", catch_response=True
        ) as answer:
            record("sale", key, started, answer)


@events.quitting.add_listener
def write_records(environment, **kwargs):
    Path(os.environ["LOAD_RECORD"]).write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
