"""The driver of ``bench.webhook_intake``: one store connected, Comptoir's web as production runs it
(gunicorn, gunicorn.conf.py), then BigCommerce's webhooks posted to it at BENCH_WEBHOOK_RATE a second
for BENCH_WEBHOOK_SECONDS, each signed as BigCommerce signs it (Standard Webhooks with the app's
client secret, and the connection's own secret header), each a new event. Prints one
``RESULT {json}`` line.

    python -m bench._webhooks_driver

What is measured is the intake alone — verify, store once, enqueue on commit, answer — so no worker
runs (their processing competes with it in the load run, bench/load_run.py): the answers per
second, their time (p50, p99), their statuses, and the events stored, which must be every one sent.

Django's code is imported inside the functions: this module is imported before ``django.setup()``.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import requests

from bench import _driver as d

# Half product edits (the bulk lane's processing), half order status changes (the urgent lane's).
SCOPES = ("store/product/updated", "store/order/statusUpdated")


class Sender:
    """Signed deliveries posted at their moments from a pool of threads (a slow answer does not hold
    the next delivery back); statuses and answer times counted."""

    def __init__(self, url: str, *, store_hash: str, connection_secret: str, client_secret: str, product_ids):
        from standardwebhooks.webhooks import Webhook

        self.url, self.store_hash, self.connection_secret = url, store_hash, connection_secret
        self.signer = Webhook(base64.b64encode(client_secret.encode()).decode())
        self.product_ids = product_ids
        self.local = threading.local()
        self.lock = threading.Lock()
        self.statuses: dict[str, int] = {}
        self.answer_s: list[float] = []
        self.last_answer = 0.0
        self.hashes: list[str] = []  # of the events sent (the setup's own webhooks keep arriving meanwhile)

    def delivery(self, n: int) -> tuple[bytes, dict]:
        scope = SCOPES[n % len(SCOPES)]
        data = (
            {"type": "product", "id": self.product_ids[n % len(self.product_ids)]}
            if scope.startswith("store/product")
            else {"type": "order", "id": 100 + n, "status": {"previous_status_id": 11, "new_status_id": 2}}
        )
        event_hash = uuid.uuid4().hex
        with self.lock:
            self.hashes.append(event_hash)
        body = json.dumps(
            {
                "scope": scope,
                "store_id": "1001",
                "data": data,
                "hash": event_hash,
                "created_at": int(time.time()),
                "producer": f"stores/{self.store_hash}",
            }
        )
        msg_id, at = f"msg_{uuid.uuid4().hex}", datetime.now(tz=UTC)
        headers = {
            "Content-Type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": self.signer.sign(msg_id, at, body),
            "X-Comptoir-Webhook-Secret": self.connection_secret,
        }
        return body.encode(), headers

    def send(self, n: int) -> None:
        session = getattr(self.local, "session", None) or requests.Session()
        self.local.session = session
        body, headers = self.delivery(n)
        started = time.monotonic()
        try:
            status = str(session.post(self.url, data=body, headers=headers, timeout=30).status_code)
        except requests.RequestException as exc:
            status = type(exc).__name__
        done = time.monotonic()
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.answer_s.append(done - started)
            self.last_answer = max(self.last_answer, done)

    def run(self, *, rate: float, seconds: float, threads: int) -> tuple[int, float]:
        """(deliveries sent, seconds from the first sent to the last answered)."""
        count = max(1, round(rate * seconds))
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for n in range(count):
                time.sleep(max(0.0, started + n / rate - time.monotonic()))
                pool.submit(self.send, n)
        return count, self.last_answer - started


def main() -> int:
    rate = d.env_number("BENCH_WEBHOOK_RATE", 100)
    seconds = d.env_number("BENCH_WEBHOOK_SECONDS", 30)
    threads = int(d.env_number("BENCH_CLIENT_THREADS", 32))
    with d.driving() as (procs, figures):
        base_url = procs.web(server="gunicorn")
        sb = d.sandbox()
        runner = d.store_connect(sb, products=int(d.env_number("BENCH_WEBHOOK_PRODUCTS", 10)))
        from django.conf import settings

        from integrations.models import WebhookEvent

        sender = Sender(
            f"{base_url}/integrations/bigcommerce/webhooks/",
            store_hash=runner.hash,
            connection_secret=runner.connection.webhook_secret,
            client_secret=settings.BIGCOMMERCE_CLIENT_SECRET,
            product_ids=sorted(set(runner.product_of.values())),
        )
        d.say(f"web: gunicorn at {base_url}; {rate:g} webhooks/s for {seconds:g} s …")
        sent, took = sender.run(rate=rate, seconds=seconds, threads=threads)
        stored = WebhookEvent.objects.filter(connection=runner.connection, event_hash__in=sender.hashes).count()
        accepted = sender.statuses.get("200", 0)
        figures.update(
            rate_per_s=rate,
            seconds=seconds,
            sent=sent,
            statuses=sender.statuses,
            accepted=accepted,
            stored=stored,
            took_s=round(took, 2),
            accepted_per_s=round(accepted / took, 1) if took > 0 else None,
            answer=d.delays(sender.answer_s),
            http_5xx=sum(n for status, n in sender.statuses.items() if status.startswith("5")),
        )
        answer = figures["answer"]
        d.say(
            f"{sent} webhooks sent, {accepted} answered 200 in {figures['took_s']} s = {figures['accepted_per_s']}/s "
            f"(asked {rate:g}/s); answer median {answer.get('median_s')} s, p99 {answer.get('p99_s')} s; "
            f"statuses {sender.statuses}; stored {stored} (each once: {stored == sent})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
