"""The stock convergence run (issue 10): a seeded random run of stock operations on both sides of
a BigCommerce connection, with the sandbox injecting faults, real django-q2 clusters doing the
work on both lanes as production runs them (urgent: stock pushes, order intake, webhooks; bulk:
the rest, ``integrations.services.queue``), one urgent cluster killed with SIGKILL mid-run, then a
drain and the invariants.

Used by ``tests/test_stock_convergence.py`` (CI's PostgreSQL + Redis pass) and by
``bench/stock_convergence.py`` (bigger sizes). It runs in the calling process, which must already
have Django set up on a database the clusters can reach (``database_url``): the PostgreSQL test
database, or a file. Comptoir's web side (the webhook receiver) is a threaded WSGI server in this
process; the sandbox is a ``SandboxProcess``.

The operations: in-store sales (now and then sent twice with the same key, as a Register retry
does) and refunds (``inventory.services.sale_create`` / ``refund_create``), manual changes in
Comptoir (``stock_adjust`` / ``stock_set``, origin manual_comptoir), split on and off
(``stock_split_set`` / ``stock_split_disable``); with the inbound side (BigCommerce → Comptoir)
present: online orders placed as a shopper does (the sandbox's control endpoint), cancelled and
refunded by the merchant (the API), and manual stock edits in BigCommerce (the API's absolute
adjustment, as the control panel does).

While it runs, a thread samples BigCommerce's levels (the sandbox's storage, no API call) and
Comptoir's every ``drift_interval_s`` and measures how long each variant's levels stayed apart
(``tests.stock_drift``): the drift episodes' p50, p99 and max, by phase (operations, after the kill,
drain). A variant still apart at the end, for longer than the settle window, is a failure.

The invariants, after the drain: every variant's level is the sum of its ledger; BigCommerce's
level is max(0, the online level) the ledger gives; every online order line is in the ledger once
(net, per the order's final state); no idempotency key twice.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tests import stock_drift, stock_drift_causes

URGENT, BULK = "urgent", "bulk"  # the lanes (integrations.services.queue), each with its clusters

ROOT = Path(__file__).resolve().parents[1]
SIZES = ("S", "M", "L")
COLOURS = ("Blue", "Red")
# Shares of the API calls that meet a fault (issue 10): 10 % 5xx (half of them after the write was
# applied), 5 % 429, 3 % timeouts after applying; of the webhooks, 5 % duplicated, 5 % reordered, 2 % dropped.
REQUEST_FAULTS = (
    ("error_before", 0.05),
    ("error_after", 0.05),
    ("rate_limit", 0.05),
    ("timeout_after", 0.03),
)
WEBHOOK_FAULTS = (("webhook_duplicate", 0.05), ("webhook_reorder", 0.05), ("webhook_drop", 0.02))
OUTBOUND_WEIGHTS = {"sale": 40, "sale_replay": 3, "refund": 10, "adjust": 10, "set": 5, "split_on": 4, "split_off": 3}
INBOUND_WEIGHTS = {"online_order": 25, "online_cancel": 6, "online_refund": 5, "bc_edit": 6}


def inbound_available() -> bool:
    """The BigCommerce → Comptoir side (helper h16's work) is on this branch."""
    return importlib.util.find_spec("integrations.bigcommerce.stock.orders") is not None


@dataclass
class Config:
    seed: int = 1
    operations: int = 2000
    simple_products: int = 14  # + variant_products × 6 variants: 50 variants by default
    variant_products: int = 6
    clusters: int = 2  # urgent-lane django-q2 clusters of one worker each (and one bulk-lane cluster besides)
    kill: bool = True  # SIGKILL one urgent cluster (its whole process group) halfway through
    restart: bool = True  # … and start a new one a tenth of the run later, as a supervisor would
    split: bool = True
    inbound: bool | None = None  # None: when inbound_available()
    managed_in: str = "comptoir"
    faults: bool = True
    timeout_s: float = 1.0  # BIGCOMMERCE_TIMEOUT of every process; timeout_after holds 1.5 ×
    settle_after_s: float = 3.0
    drain_timeout_s: float = 120.0
    initial_max: int = 20
    pause_s: float = 0.0  # between operations
    drift_interval_s: float = 0.1  # how often both sides' levels are sampled while the run runs (tests.stock_drift)
    log_dir: str = ""  # where the clusters' output goes (a temporary directory by default)
    options: dict = field(default_factory=lambda: {"Size": SIZES, "Colour": COLOURS})  # of the variant products
    extra: dict = field(default_factory=dict)

    @property
    def variants_per_product(self) -> int:
        return math.prod(len(values) for values in self.options.values())

    @property
    def variants(self) -> int:
        return self.simple_products + self.variants_per_product * self.variant_products


class ConvergenceError(AssertionError):
    pass


# -- processes -------------------------------------------------------------------------------
class Clusters:
    """django-q2 clusters (``manage.py qcluster``), each in its own process group so that a kill
    takes its sentinel, pusher, monitor and worker at once."""

    def __init__(self, env: dict, log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.running: list[subprocess.Popen] = []
        self.killed: list[subprocess.Popen] = []
        self.died: list[dict] = []  # clusters that exited without being asked to (restarted by ``supervise``)
        self._n = 0

    def start(self, lane: str = URGENT) -> subprocess.Popen:
        """A cluster of ``lane``: the urgent lane's (``Q_CLUSTER_NAME`` = the urgent cluster's name),
        or the bulk lane's (the default cluster), as ``make run`` starts them."""
        self._n += 1
        out = open(self.log_dir / f"qcluster-{self._n}-{lane}.log", "wb")  # noqa: SIM115 (closed by stop)
        env = {**self.env, "Q_CLUSTER_NAME": self.env["Q_URGENT_NAME"] if lane == URGENT else self.env["Q_NAME"]}
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc.log = out  # type: ignore[attr-defined]
        proc.lane = lane  # type: ignore[attr-defined]
        self.running.append(proc)
        return proc

    def kill_one(self) -> subprocess.Popen:
        """SIGKILL the first urgent cluster (where stock pushes are in flight)."""
        proc = next(p for p in self.running if p.lane == URGENT)
        self.running.remove(proc)
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group at once: nothing of it is left behind
        proc.wait(timeout=10)
        self.killed.append(proc)
        return proc

    def supervise(self, at: str) -> list[dict]:
        """Start a new cluster for each one that exited on its own (as systemd's Restart=always
        would); returns what it found (the exit code: a negative one is the signal that ended it)."""
        found = []
        for proc in list(self.running):
            if proc.poll() is None:
                continue
            self.running.remove(proc)
            self.killed.append(proc)
            found.append({"at": at, "pid": proc.pid, "returncode": proc.returncode, "log": proc.log.name})
            self.start(proc.lane)
        self.died += found
        return found

    def stop(self) -> None:
        for proc in self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.running:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            # Leftovers of the group (a worker the sentinel did not take down), right away: while
            # any member lives, the group id cannot name anyone else. Never later, and never for a
            # group killed earlier (``kill_one`` took it whole): its id may by then be another
            # process's group (pids wrap at 32768 here), another run's cluster.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        for proc in self.running + self.killed:
            proc.log.close()
        self.running = []

    def tail(self, chars: int = 3000) -> str:
        out = []
        for path in sorted(self.log_dir.glob("qcluster-*.log")):
            out.append(f"--- {path.name}\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(out)


def web_server():
    """Comptoir's web side in a thread: BigCommerce's webhooks reach it here."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def urgent_name(cluster_name: str) -> str:
    """The urgent lane's cluster of a run whose bulk lane (its Q_NAME) is ``cluster_name``."""
    return f"{cluster_name}-urgent"


@contextlib.contextmanager
def real_queue(cluster_name: str):
    """This process enqueues to the clusters' broker instead of running tasks inline, each task on
    its lane (``integrations.services.queue``) as a web process of the site would."""
    from django.test.utils import override_settings
    from django_q.conf import Conf

    saved = (Conf.SYNC, Conf.CLUSTER_NAME, Conf.PREFIX)
    # The clusters' Q_NAME is the bulk lane's name: its queue's key and the salt of the tasks' signature.
    Conf.SYNC, Conf.CLUSTER_NAME, Conf.PREFIX = False, cluster_name, cluster_name
    try:
        with override_settings(Q_URGENT_CLUSTER=urgent_name(cluster_name)):
            yield
    finally:
        Conf.SYNC, Conf.CLUSTER_NAME, Conf.PREFIX = saved


def queue_size(cluster_name: str) -> int:
    """Tasks waiting on both lanes of the run whose bulk lane is ``cluster_name``."""
    from django_q.brokers import get_broker

    return sum(get_broker(name).queue_size() or 0 for name in (cluster_name, urgent_name(cluster_name)))


# -- the run ----------------------------------------------------------------------------------
class Run:
    def __init__(self, cfg: Config, *, sandbox, database_url: str, log=print):
        self.cfg = cfg
        self.sandbox = sandbox
        self.database_url = database_url
        self.say = log
        self.rng = random.Random(cfg.seed)
        self.inbound = inbound_available() if cfg.inbound is None else cfg.inbound
        self.ops: list[dict] = []  # what was done, in order (written to the findings on a mismatch)
        self.counts: Counter = Counter()
        self.op_seconds: Counter = Counter()
        self.sales: list[dict] = []  # {"sale": Sale, "left": {line_id: quantity}}
        self.orders: dict[int, dict] = {}  # order id → {"lines": [(variant pk, quantity)], "status": …}
        self.cluster_name = f"cv-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.figures: dict = {"config": asdict(cfg), "inbound": self.inbound}
        self.drift = None  # the DriftSampler, from the first operation to the end of the drain

    # -- setup --------------------------------------------------------------------------------
    def setup(self, web_url: str) -> None:
        from integrations.tests.connect_helpers import api, new_store

        cfg = self.cfg
        self.store = new_store(self.sandbox)
        self.hash = self.store["hash"]
        self.sandbox.set_rate_limit(self.hash, quota=1_000_000, window_ms=1000)  # pacing is not measured here
        self.api = api(self.sandbox, self.store)
        channel = self.api.post(
            "/v3/channels", json={"name": "Comptoir-POS", "type": "pos", "platform": "custom", "status": "connected"}
        )["data"]["id"]
        self.merchant, self.variants = self._catalog()
        self.connection = self._connect(channel, web_url)
        from integrations.models import ProductLink, VariantLink

        states = Counter(ProductLink.objects.filter(connection=self.connection).values_list("state", flat=True))
        if states != Counter({"synced": cfg.simple_products + cfg.variant_products}):
            raise ConvergenceError(f"initial sync did not finish: {dict(states)}")
        self.remote_of = dict(
            VariantLink.objects.filter(link__connection=self.connection).values_list("variant_id", "remote_variant_id")
        )
        self.product_of = dict(
            VariantLink.objects.filter(link__connection=self.connection).values_list(
                "variant_id", "link__remote_product_id"
            )
        )
        if len(self.remote_of) != cfg.variants:
            raise ConvergenceError(f"{len(self.remote_of)} variants bound, {cfg.variants} expected")
        inventory = self.api.get("/v3/settings/inventory", params={"channel_id": 1})["data"]
        self.order_takes = inventory["update_stock_behavior"] == "order_placed"
        self.order_returns = bool(inventory["refund_order_stock_adjustment"])
        mismatches = self._bigcommerce_mismatches()
        if mismatches:
            raise ConvergenceError(f"levels differ right after the initial sync: {mismatches[:5]}")

    def _catalog(self):
        from catalog.tests.factories import product_with_options
        from integrations.tests.connect_helpers import add_product
        from inventory.services import stock_set
        from portal.tests.factories import MerchantFactory

        merchant = MerchantFactory(name="Convergence")
        variants = []
        for i in range(self.cfg.simple_products):
            variants += list(add_product(merchant, f"Candle {i}", sku=f"CV-C{i}").variants.all())
        for j in range(self.cfg.variant_products):
            product = product_with_options(
                merchant=merchant, name=f"Shirt {j}", options=self.cfg.options, sku_prefix=f"CV{j}"
            )
            variants += list(product.variants.order_by("position"))
        for variant in variants:
            quantity = self.rng.randint(0, self.cfg.initial_max)
            if quantity:
                key = f"cv:start:{variant.pk}"
                stock_set(merchant=merchant, variant=variant, quantity=quantity, idempotency_key=key)
        return merchant, variants

    def _connect(self, channel: int, web_url: str):
        import secrets

        from django.utils import timezone

        from integrations.bigcommerce.connection import setup as connection_setup
        from integrations.models import BigCommerceConnection

        token = self._install_token()
        connection = BigCommerceConnection.objects.create(
            merchant=self.merchant,
            store_hash=self.hash,
            status=BigCommerceConnection.Status.SETUP_INCOMPLETE,
            managed_in=self.cfg.managed_in,
            include_prices=False,
            sync_scope="all",
            access_token=token,
            channel_id=channel,
            weight_units="kg",
            webhook_secret=secrets.token_urlsafe(24),
            connected_at=timezone.now(),
        )
        # Finish setup as the wizard's last step does (channel, category, webhooks, the initial
        # sync), tasks inline: the clusters start afterwards.
        connection_setup.setup_finish_run(connection=connection)
        connection.refresh_from_db()
        return connection

    def _install_token(self) -> str:
        return app_token(self.sandbox, self.store)

    # -- operations ---------------------------------------------------------------------------
    def _weights(self) -> dict[str, int]:
        weights = dict(OUTBOUND_WEIGHTS)
        if not self.cfg.split:
            weights.pop("split_on"), weights.pop("split_off")
        if self.inbound:
            weights.update(INBOUND_WEIGHTS)
        return weights

    def operate(self, clusters: Clusters) -> None:
        weights = self._weights()
        kinds, shares = list(weights), list(weights.values())
        kill_at = self.cfg.operations // 2 if self.cfg.kill else -1
        restart_at = kill_at + max(1, self.cfg.operations // 10) if self.cfg.restart else -1
        started = time.monotonic()
        for n in range(self.cfg.operations):
            if n == kill_at:
                self._kill(clusters, n)
            if n == restart_at:
                clusters.start()
                self.figures["restarted_at_op"] = n
            clusters.supervise(f"op {n}")
            kind = self.rng.choices(kinds, shares)[0]
            op_started = time.monotonic()
            outcome = getattr(self, f"op_{kind}")(n)
            self.op_seconds[kind] += time.monotonic() - op_started
            self.counts[kind if outcome else f"{kind} (nothing to do)"] += 1
            if self.cfg.pause_s:
                time.sleep(self.cfg.pause_s)
        self.figures["operations_s"] = round(time.monotonic() - started, 1)
        self.figures["ms_per_operation"] = {
            k: round(1000 * v / max(1, self.counts[k] + self.counts[f"{k} (nothing to do)"]), 1)
            for k, v in self.op_seconds.items()
        }

    def _kill(self, clusters: Clusters, n: int) -> None:
        """SIGKILL a cluster, if possible while a stock push is in flight."""
        from django.utils import timezone

        from integrations.models import StockPush

        deadline = time.monotonic() + 5
        in_flight = False
        while time.monotonic() < deadline:
            recent = timezone.now() - timezone.timedelta(seconds=1)
            if StockPush.objects.filter(state=StockPush.State.UNKNOWN, sent_at__gte=recent, attempts=0).exists():
                in_flight = True
                break
            time.sleep(0.01)
        clusters.kill_one()
        if self.drift:
            self.drift.phase("operations after the kill")
        self.figures["killed_at_op"] = n
        self.figures["killed_with_push_in_flight"] = in_flight
        self.ops.append({"n": n, "op": "kill_cluster", "in_flight": in_flight})

    def _variant(self):
        return self.rng.choice(self.variants)

    def _record(self, n: int, op: str, **detail) -> None:
        self.ops.append({"n": n, "op": op, "at": time.time(), **detail})

    def op_sale(self, n: int) -> bool:
        from inventory.services import sale_create

        chosen = self.rng.sample(self.variants, self.rng.randint(1, 3))
        lines = [(v, self.rng.randint(1, 3)) for v in chosen]
        key = f"cv:{self.cfg.seed}:sale:{n}"
        sale = sale_create(merchant=self.merchant, lines=lines, idempotency_key=key)
        left = {sl.pk: sl.quantity for sl in sale.lines.all()}
        self.sales.append({"sale": sale, "key": key, "lines": lines, "left": left})
        self._record(n, "sale", key=key, lines=[(v.pk, q) for v, q in lines])
        return True

    def op_sale_replay(self, n: int) -> bool:
        """The Register sends a sale again (its answer was lost): nothing is counted twice."""
        from inventory.services import sale_create

        if not self.sales:
            return False
        past = self.rng.choice(self.sales[-20:])
        again = sale_create(merchant=self.merchant, lines=past["lines"], idempotency_key=past["key"])
        if again.pk != past["sale"].pk:
            raise ConvergenceError(f"a replayed sale made a new sale: {past['key']}")
        self._record(n, "sale_replay", key=past["key"])
        return True

    def op_refund(self, n: int) -> bool:
        from inventory.services import refund_create

        open_sales = [s for s in self.sales if any(s["left"].values())]
        if not open_sales:
            return False
        sale = self.rng.choice(open_sales)
        line_id = self.rng.choice([lid for lid, left in sale["left"].items() if left])
        quantity = self.rng.randint(1, sale["left"][line_id])
        line = sale["sale"].lines.get(pk=line_id)
        refund_create(
            merchant=self.merchant,
            sale=sale["sale"],
            lines=[(line, quantity)],
            idempotency_key=f"cv:{self.cfg.seed}:refund:{n}",
        )
        sale["left"][line_id] -= quantity
        self._record(n, "refund", sale=sale["sale"].pk, variant=line.variant_id, quantity=quantity)
        return True

    def op_adjust(self, n: int) -> bool:
        from inventory.errors import NegativeStock
        from inventory.models import StockOrigin
        from inventory.services import stock_adjust

        variant = self._variant()
        delta = self.rng.choice([-3, -2, -1, 1, 2, 3, 4, 5])
        try:
            stock_adjust(
                merchant=self.merchant,
                variant=variant,
                delta=delta,
                origin=StockOrigin.MANUAL_COMPTOIR,
                idempotency_key=f"cv:{self.cfg.seed}:adjust:{n}",
            )
        except NegativeStock:
            self._record(n, "adjust_refused", variant=variant.pk, delta=delta)
            return False
        self._record(n, "adjust", variant=variant.pk, delta=delta)
        return True

    def op_set(self, n: int) -> bool:
        from inventory.services import stock_set

        variant = self._variant()
        quantity = self.rng.randint(0, 25)
        stock_set(
            merchant=self.merchant, variant=variant, quantity=quantity, idempotency_key=f"cv:{self.cfg.seed}:set:{n}"
        )
        self._record(n, "set", variant=variant.pk, quantity=quantity)
        return True

    def op_split_on(self, n: int) -> bool:
        from inventory.errors import InvalidQuantity
        from inventory.models import StockLevel
        from inventory.services import stock_split_set

        variant = self._variant()
        level = StockLevel.objects.filter(variant=variant).first()
        total = level.quantity if level else 0
        online = self.rng.randint(0, max(0, total))
        try:
            done = stock_split_set(
                merchant=self.merchant,
                variant=variant,
                online_quantity=online,
                idempotency_key=f"cv:{self.cfg.seed}:split:{n}",
            )
        except InvalidQuantity:
            # An online order took stock between the read above and the split (a merchant's form
            # would say so): refused, nothing written; not a fault of the run.
            return False
        self._record(n, "split_on", variant=variant.pk, online=online, total=total)
        return done is not None

    def op_split_off(self, n: int) -> bool:
        from inventory.models import StockLevel
        from inventory.services import stock_split_disable

        split = list(
            StockLevel.objects.filter(variant__in=self.variants, online_quantity__isnull=False).values_list(
                "variant_id", flat=True
            )
        )
        if not split:
            return False
        chosen = self.rng.choice(sorted(split))
        variant = next(v for v in self.variants if v.pk == chosen)
        stock_split_disable(merchant=self.merchant, variant=variant, idempotency_key=f"cv:{self.cfg.seed}:unsplit:{n}")
        self._record(n, "split_off", variant=variant.pk)
        return True

    def _merchant(self, method: str, path: str, body: dict) -> None:
        """A merchant's idempotent write in BigCommerce (an order's status, a counted level): an
        error is met by doing it again, as a person would."""
        from integrations.bigcommerce.api.errors import BigCommerceError

        for attempt in range(10):
            try:
                self.api.request(method, path, json=body, idempotent=True)
                return
            except BigCommerceError:
                if attempt == 9:
                    raise
                time.sleep(0.2)

    # Inbound operations (BigCommerce's side, as a shopper and the merchant act there).
    def op_online_order(self, n: int) -> bool:
        chosen = self.rng.sample(self.variants, self.rng.randint(1, 2))
        lines = [(v, self.rng.randint(1, 2)) for v in chosen]
        body = {
            "channel_id": 1,
            "status_id": 11,  # Awaiting Fulfillment
            "billing_address": {"first_name": "Ada", "last_name": "Shopper", "email": "ada@shop.test"},
            "products": [
                {"product_id": self.product_of[v.pk], "variant_id": self.remote_of[v.pk], "quantity": q}
                for v, q in lines
            ],
        }
        try:
            order = self.sandbox.place_order(self.hash, body)
        except RuntimeError as exc:  # out of stock online: the shop refuses the order (400)
            self._record(n, "online_order_refused", lines=[(v.pk, q) for v, q in lines], error=str(exc)[:200])
            return False
        self.orders[order["id"]] = {"lines": [(v.pk, q) for v, q in lines], "status": "placed"}
        self._record(n, "online_order", order=order["id"], lines=[(v.pk, q) for v, q in lines])
        return True

    def op_online_cancel(self, n: int) -> bool:
        placed = [oid for oid, o in self.orders.items() if o["status"] == "placed"]
        if not placed:
            return False
        order_id = self.rng.choice(placed)
        self._merchant("PUT", f"/v2/orders/{order_id}", {"status_id": 5})  # Cancelled
        self.orders[order_id]["status"] = "cancelled"
        self._record(n, "online_cancel", order=order_id)
        return True

    def op_online_refund(self, n: int) -> bool:
        placed = [oid for oid, o in self.orders.items() if o["status"] == "placed"]
        if not placed:
            return False
        order_id = self.rng.choice(placed)
        self._merchant("PUT", f"/v2/orders/{order_id}", {"status_id": 4})  # Refunded
        self.orders[order_id]["status"] = "refunded"
        self._record(n, "online_refund", order=order_id)
        return True

    def op_bc_edit(self, n: int) -> bool:
        variant = self._variant()
        quantity = self.rng.randint(0, 25)
        item = {"location_id": 1, "variant_id": self.remote_of[variant.pk], "quantity": quantity}
        self._merchant("PUT", "/v3/inventory/adjustments/absolute", {"items": [item]})
        self._record(n, "bc_edit", variant=variant.pk, quantity=quantity)
        return True

    # -- drain --------------------------------------------------------------------------------
    def drain(self) -> None:
        """Quiescence: the store is healthy again, the outbox empties (sweeps), webhooks settle,
        orders are polled; then (with the inbound side) a stock check, and the outbox once more."""
        from integrations.models import StockPush, WebhookEvent

        started = time.monotonic()
        self.sandbox.set_faults(self.hash, [])
        open_states = [StockPush.State.PENDING, StockPush.State.UNKNOWN]
        self.figures["drain"] = {"sweeps": self._quiesce(started + self.cfg.drain_timeout_s)}
        if self.inbound:
            self.figures["drain"]["stock_check"] = self._reconcile()
            self.figures["drain"]["sweeps_after_check"] = self._quiesce(time.monotonic() + self.cfg.drain_timeout_s)
        self.figures["drain"].update(
            seconds=round(time.monotonic() - started, 1),
            left={
                str(k): v
                for k, v in Counter(
                    StockPush.objects.filter(state__in=open_states).values_list("state", flat=True)
                ).items()
            },
            webhooks_unprocessed=WebhookEvent.objects.filter(connection=self.connection, status="received").count(),
        )

    def _quiesce(self, deadline: float) -> int:
        """Sweeps until nothing moves: no push open, no task queued, no check waiting. Returns the sweeps run."""
        from integrations import tasks
        from integrations.models import StockPush, VariantLink, WebhookEvent

        open_states = [StockPush.State.PENDING, StockPush.State.UNKNOWN]
        sweeps = 0
        stuck_since = quiet_since = None
        while True:
            self.clusters.supervise("drain")
            tasks.bigcommerce_stock_push_sweep()
            if self.inbound:
                tasks.bigcommerce_stock_sweep()  # the order poll and the checks still waiting
            sweeps += 1
            time.sleep(1.0)
            with contextlib.suppress(RuntimeError):
                self.sandbox.deliveries_settled(self.hash, timeout=5)
            left = Counter(StockPush.objects.filter(state__in=open_states).values_list("state", flat=True))
            events = WebhookEvent.objects.filter(connection=self.connection, status="received").count()
            queued = queue_size(self.cluster_name)
            checks = VariantLink.objects.filter(
                link__connection=self.connection, stock_check_requested_at__isnull=False
            ).count()
            if not left and not queued and not checks:
                # Stored webhooks whose task was lost (in the killed cluster) stay "received": nothing
                # takes them again. Once the queue is empty they are counted, not waited for.
                quiet_since = quiet_since or time.monotonic()
                if not events or time.monotonic() - quiet_since > 5:
                    break
            else:
                quiet_since = None
            # Unknown rows the settling could not decide (attempts 2) are left to the stock check.
            undecided = StockPush.objects.filter(state=StockPush.State.UNKNOWN, attempts__gte=2).count()
            only_undecided = undecided and undecided == sum(left.values()) and not queued
            stuck_since = (stuck_since or time.monotonic()) if only_undecided else None
            if stuck_since and time.monotonic() - stuck_since > 2 * self.cfg.settle_after_s + 5:
                break
            if time.monotonic() > deadline:
                break
        return sweeps

    def _reconcile(self) -> dict:
        """The stock check of every synced variant (as its schedule and "Check stock now" start it),
        run by the clusters; returns its journal figures."""
        from integrations.bigcommerce.stock.check import stock_reconcile_start
        from integrations.models import SyncEvent, SyncRun

        run = stock_reconcile_start(connection=self.connection)
        deadline = time.monotonic() + self.cfg.drain_timeout_s
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status != SyncRun.Status.RUNNING:
                break
            time.sleep(0.5)
        event = (
            SyncEvent.objects.filter(connection=self.connection, kind=SyncEvent.Kind.STOCK_CHECK, detail__run_id=run.pk)
            .order_by("-pk")
            .first()
        )
        return {
            "status": run.status,
            **({k: event.detail.get(k) for k in ("checked", "corrected", "busy")} if event else {}),
        }

    # -- invariants ---------------------------------------------------------------------------
    def _remote_levels(self) -> dict[int, int]:
        remote_ids = sorted(self.remote_of.values())
        levels = {}
        for start in range(0, len(remote_ids), 50):
            chunk = remote_ids[start : start + 50]
            params = {"variant_id:in": ",".join(map(str, chunk)), "limit": 250}
            for item in self.api.iter_pages("/v3/inventory/items", params):
                for loc in item["locations"]:
                    if loc["location_id"] == 1:
                        levels[item["identity"]["variant_id"]] = loc["total_inventory_onhand"]
        return levels

    def _ledger(self) -> dict[int, dict]:
        from django.db.models import Count, Sum

        from inventory.models import StockLevel, StockMovement

        out = {}
        sums = dict(
            StockMovement.objects.filter(variant__in=self.variants)
            .values_list("variant_id")
            .annotate(total=Sum("delta"))
            .values_list("variant_id", "total")
        )
        rows = dict(
            StockMovement.objects.filter(variant__in=self.variants)
            .values_list("variant_id")
            .annotate(n=Count("id"))
            .values_list("variant_id", "n")
        )
        last = {}
        for m in StockMovement.objects.filter(variant__in=self.variants).order_by("variant_id", "-id"):
            last.setdefault(m.variant_id, m)
        levels = {lv.variant_id: lv for lv in StockLevel.objects.filter(variant__in=self.variants)}
        for variant in self.variants:
            level = levels.get(variant.pk)
            m = last.get(variant.pk)
            total = sums.get(variant.pk, 0)
            online = (m.online_after if m.online_after is not None else total) if m else 0
            out[variant.pk] = {
                "level": level.quantity if level else 0,
                "online_quantity": level.online_quantity if level else None,
                "ledger_sum": total,
                "rows": rows.get(variant.pk, 0),
                "last_level_after": m.level_after if m else 0,
                "last_online_after": m.online_after if m else None,
                "ledger_online": online,
            }
        return out

    def _bigcommerce_mismatches(self) -> list[dict]:
        remote = self._remote_levels()
        ledger = self._ledger()
        return [
            {"variant": v, "bigcommerce": remote.get(self.remote_of[v]), "expected": max(0, row["ledger_online"])}
            for v, row in ledger.items()
            if remote.get(self.remote_of[v]) != max(0, row["ledger_online"])
        ]

    def check(self) -> dict:
        from django.db.models import Count

        from integrations.models import StockPush
        from inventory.models import StockMovement

        ledger = self._ledger()
        bad_ledger = [
            {"variant": v, **row}
            for v, row in ledger.items()
            if row["level"] != row["ledger_sum"]
            or row["level"] != row["last_level_after"]
            or row["online_quantity"] != row["last_online_after"]
        ]
        bad_remote = self._bigcommerce_mismatches()
        twice = list(
            StockMovement.objects.filter(merchant=self.merchant)
            .values("idempotency_key")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("idempotency_key", "n")
        )
        pushes_twice = list(
            StockPush.objects.filter(connection=self.connection)
            .values("movement_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("movement_id", "n")
        )
        orders = self._order_lines() if self.inbound else None
        suspects = {m["variant"] for m in bad_remote} | {m["variant"] for m in bad_ledger}
        evidence = self.evidence(suspects)
        result = {
            "variants": len(ledger),
            "ledger_rows": sum(r["rows"] for r in ledger.values()),
            "ledger_mismatches": bad_ledger,
            "bigcommerce_mismatches": bad_remote,
            "keys": StockMovement.objects.filter(merchant=self.merchant).count(),
            "keys_twice": twice,
            "pushes": StockPush.objects.filter(connection=self.connection).count(),
            "pushes_twice": pushes_twice,
            "orders": orders,
            "evidence": evidence,
            "origins": dict(
                Counter(StockMovement.objects.filter(merchant=self.merchant).values_list("origin", flat=True))
            ),
            "journal": self._journal(),
        }
        return result

    def queued(self) -> int:
        """Tasks waiting in the clusters' broker."""
        return queue_size(self.cluster_name)

    def evidence(self, variants) -> dict:
        """What happened to ``variants``: their pushes and ledger rows, with times."""
        from integrations.models import StockPush
        from inventory.models import StockMovement

        return {
            v: {
                "pushes": list(
                    StockPush.objects.filter(variant_link__variant_id=v)
                    .order_by("pk")
                    .values("pk", "movement_id", "delta", "state", "attempts", "batch", "created_at", "sent_at")
                ),
                "ledger": list(
                    StockMovement.objects.filter(variant_id=v)
                    .order_by("pk")
                    .values("pk", "origin", "delta", "level_after", "online_after", "allocation", "created_at")
                ),
                "remote_variant": self.remote_of[v],
            }
            for v in variants
        }

    def adjustment_writes(self) -> dict:
        """Relative and absolute adjustment calls of the run, by author and cause (``tests.stock_drift``)."""
        from django.conf import settings

        from integrations.models import SyncEvent

        journal = list(
            SyncEvent.objects.filter(
                connection=self.connection, kind__in=[SyncEvent.Kind.STOCK_PUSH, SyncEvent.Kind.STOCK_CHECK]
            ).values("kind", "detail")
        )
        requests = self.sandbox.request_log(self.hash, since=self.log_start)
        return stock_drift.adjustment_writes(requests, app_client_id=settings.BIGCOMMERCE_CLIENT_ID, journal=journal)

    def _journal(self) -> list[dict]:
        from integrations.models import SyncEvent

        return list(
            SyncEvent.objects.filter(connection=self.connection, kind=SyncEvent.Kind.STOCK_PUSH)
            .order_by("pk")
            .values("pk", "created_at", "status", "message", "detail")
        )

    def _order_lines(self) -> dict:
        """Every online order line's net effect in the ledger, against the order's final state."""
        from integrations.models import OrderLineEffect

        # What each order line did is its OrderLineEffect row (never read from a ledger key or reason).
        rows = OrderLineEffect.objects.filter(connection=self.connection).values_list(
            "order_id", "movement__variant_id", "movement__delta"
        )
        net: dict[tuple[int, int], int] = defaultdict(int)
        for order_id, variant_id, delta in rows:
            net[(order_id, variant_id)] += delta
        lines, bad = 0, []
        for order_id, order in self.orders.items():
            for variant_id, quantity in order["lines"]:
                lines += 1
                taken = self.order_takes
                returned = taken and self.order_returns and order["status"] in ("cancelled", "refunded")
                expected = -quantity if taken and not returned else 0
                if net.pop((order_id, variant_id), 0) != expected:
                    status = order["status"]
                    bad.append({"order": order_id, "variant": variant_id, "expected": expected, "status": status})
        unexpected = [{"order": o, "variant": v, "net": t} for (o, v), t in net.items() if t]
        return {"lines": lines, "mismatches": bad, "unexpected": unexpected}

    # -- report -------------------------------------------------------------------------------
    def summary(self, result: dict) -> list[str]:
        cfg = self.cfg
        done = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        lines = [
            f"convergence seed {cfg.seed}: {cfg.operations} operations on {result['variants']} variants "
            f"({cfg.simple_products} without options, "
            f"{cfg.variant_products} products × {cfg.variants_per_product} variants), "
            f"managed in {cfg.managed_in}, {cfg.clusters} urgent clusters and 1 bulk, "
            f"killed at op {self.figures.get('killed_at_op')} "
            f"(push in flight: {self.figures.get('killed_with_push_in_flight')}), "
            f"restarted at op {self.figures.get('restarted_at_op')}",
            f"operations: {done}",
            f"faults fired: {json.dumps(self.figures.get('faults_fired', {}))}",
            f"calls by route: {json.dumps(self.figures.get('routes', {}))}",
            f"drain: {json.dumps(self.figures.get('drain', {}))}",
            f"clusters that exited unasked (restarted at once): {json.dumps(self.clusters.died or 'none')}",
            f"ledger: {result['variants'] - len(result['ledger_mismatches'])}/{result['variants']} variants' level "
            f"equals the sum of their ledger ({result['ledger_rows']} rows); "
            f"mismatches {len(result['ledger_mismatches'])}",
            f"bigcommerce: {result['variants'] - len(result['bigcommerce_mismatches'])}/{result['variants']} variants "
            f"at max(0, online level); mismatches {len(result['bigcommerce_mismatches'])}",
        ]
        if result["orders"] is None:
            lines.append("online orders: not run (the BigCommerce → Comptoir side is not on this branch yet)")
        else:
            o = result["orders"]
            lines.append(
                f"online orders: {len(self.orders)} orders, {o['lines']} lines, in the ledger once (net): "
                f"{o['lines'] - len(o['mismatches'])}; mismatches {len(o['mismatches'])}, "
                f"unexpected {len(o['unexpected'])}"
            )
        lines.append(f"ledger rows by origin: {json.dumps(result['origins'])}")
        if result.get("drift") is not None:
            lines.append(stock_drift.summary_line(result["drift"]))
        if result.get("drift_causes") is not None:
            lines.append(stock_drift_causes.causes_line(result["drift_causes"]))
        if result.get("writes") is not None:
            lines.append(stock_drift.writes_line(result["writes"]))
        lines.append(
            f"keys: {result['keys']} ledger keys, {len(result['keys_twice'])} twice; {result['pushes']} stock pushes, "
            f"{len(result['pushes_twice'])} movements pushed twice"
        )
        return lines

    def failures(self, result: dict) -> list[str]:
        out = []
        for name in ("ledger_mismatches", "bigcommerce_mismatches", "keys_twice", "pushes_twice"):
            if result[name]:
                out.append(f"{name}: {result[name][:10]}")
        if result["orders"] and (result["orders"]["mismatches"] or result["orders"]["unexpected"]):
            out.append(f"orders: {result['orders']['mismatches'][:10]} {result['orders']['unexpected'][:10]}")
        drift = result.get("drift")
        if drift is not None and not drift["samples"]:
            out.append(f"drift: not measured (no sample; errors {drift.get('errors')})")
        if drift and drift["never_ended"]:
            out.append(f"drift that never ended (still apart after the drain): {drift['never_ended'][:10]}")
        return out

    def _faults_fired(self) -> dict:
        fired: Counter = Counter()
        routes: Counter = Counter()
        calls = 0
        for r in self.sandbox.request_log(self.hash, since=self.log_start):
            calls += 1
            routes[f"{r['method']} {r['route'] or r['path']} {r['status']}"] += 1
            for kind in r.get("faults") or ():
                fired[kind] += 1
        self.figures["routes"] = dict(routes.most_common())
        seen = set()
        for d in self.sandbox.control("GET", f"/stores/{self.hash}/deliveries?limit=1000000"):
            if d["webhook_id"] in seen:
                continue
            seen.add(d["webhook_id"])
            fired["webhooks"] += 1
            for kind in d.get("faults") or ():
                fired[kind] += 1
        return {"api_calls": calls, **dict(fired)}

    def dump(self, path: Path, result: dict) -> None:
        requests = self.sandbox.request_log(self.hash, since=self.log_start)
        everything = {"figures": self.figures, "result": result, "ops": self.ops, "requests": requests}
        path.write_text(json.dumps(everything, default=str, indent=1))


def app_token(sandbox, store: dict) -> str:
    """The app's token for ``store``, from the OAuth install of the app Comptoir is configured with
    (webhooks are signed with the app's secret)."""
    from urllib.parse import parse_qs, urlsplit

    from django.conf import settings

    from integrations.bigcommerce.api.oauth import exchange_code
    from integrations.tests.connect_helpers import sandbox_install

    callback = sandbox_install(sandbox, store, client_id=settings.BIGCOMMERCE_CLIENT_ID)
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    redirect = callback.split("?", 1)[0]
    return exchange_code(query["code"], query["scope"], query["context"], redirect).access_token


def faults_for(store_hash: str, *, timeout_s: float) -> list[dict]:
    faults = [
        {"kind": kind, "probability": share, **({"ms": int(timeout_s * 1500)} if kind == "timeout_after" else {})}
        for kind, share in REQUEST_FAULTS
    ]
    faults += [{"kind": kind, "probability": share} for kind, share in WEBHOOK_FAULTS]
    return faults


@contextlib.contextmanager
def running(cfg: Config, *, sandbox, database_url: str, log=print):
    """A connected merchant (``Run.setup``), the webhook receiver, the stock push sweep's schedule,
    the faults and ``cfg.clusters`` clusters; inside, this process enqueues to their broker.
    Yields the ``Run``; everything stops on the way out."""
    from django.conf import settings
    from django.test import override_settings

    from integrations.schedules import SCHEDULES
    from integrations.services import queue

    runner = Run(cfg, sandbox=sandbox, database_url=database_url, log=log)
    log_dir = Path(cfg.log_dir or tempfile.mkdtemp(prefix="convergence-"))
    server, web_url = web_server()
    overrides = {
        "BIGCOMMERCE_API_URL": sandbox.url,
        "BIGCOMMERCE_LOGIN_URL": sandbox.url + "/login",
        "BIGCOMMERCE_CLIENT_ID": "comptoir-local",
        "BIGCOMMERCE_CLIENT_SECRET": "comptoir-local-secret",
        "BIGCOMMERCE_TIMEOUT": cfg.timeout_s,
        "BIGCOMMERCE_STOCK_SETTLE_AFTER_S": cfg.settle_after_s,
        "COMPTOIR_PUBLIC_URL": web_url,
    }
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "portal.settings.test"),
        "DATABASE_URL": database_url,
        "Q_SYNC": "0",
        "Q_NAME": runner.cluster_name,
        "Q_URGENT_NAME": urgent_name(runner.cluster_name),  # two lanes, as in production
        "Q_WORKERS": "1",
        "Q_URGENT_WORKERS": "1",
        "Q_TIMEOUT": "60",
        "Q_RETRY": "90",
        "COMPTOIR_CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
        "BIGCOMMERCE_API_URL": sandbox.url,
        "BIGCOMMERCE_TIMEOUT": str(cfg.timeout_s),
        "BIGCOMMERCE_STOCK_SETTLE_AFTER_S": str(cfg.settle_after_s),
        "COMPTOIR_PUBLIC_URL": web_url,
        "LOG_LEVEL": "WARNING",
        **cfg.extra.get("env", {}),
    }
    clusters = Clusters(env, log_dir)
    runner.clusters = clusters
    try:
        with override_settings(**overrides):
            runner.setup(web_url)
            from django_q.models import Schedule

            # The every-minute sweeps (the push's; the order poll's and waiting checks', with the inbound
            # side), each taken by its lane's scheduler as ``schedules_install`` names them.
            for sweep in SCHEDULES:
                if sweep.func.endswith(("stock_push_sweep", ".bigcommerce_stock_sweep")):
                    urgent = queue.lane_of(sweep.func) == queue.URGENT
                    Schedule.objects.update_or_create(
                        name=sweep.name,
                        defaults={
                            "func": sweep.func,
                            "schedule_type": Schedule.MINUTES,
                            "minutes": 1,
                            "repeats": -1,
                            "cluster": urgent_name(runner.cluster_name) if urgent else runner.cluster_name,
                        },
                    )
            requests_so_far = sandbox.request_log(runner.hash)
            runner.log_start = requests_so_far[-1]["id"] if requests_so_far else 0
            if cfg.faults:
                sandbox.set_faults(runner.hash, faults_for(runner.hash, timeout_s=cfg.timeout_s))
            if cfg.clusters:
                clusters.start(BULK)
            for _ in range(cfg.clusters):
                clusters.start(URGENT)
            with real_queue(runner.cluster_name):
                yield runner
    except Exception:
        log(clusters.tail())
        raise
    finally:
        clusters.stop()
        server.shutdown()
        server.server_close()
        runner.figures["log_dir"] = str(log_dir)


def run(cfg: Config, *, sandbox, database_url: str, log=print) -> tuple[Run, dict]:
    """The whole run: setup, clusters, operations, kill, drain, invariants. Returns the run and
    its result (``Run.failures(result)`` lists what does not hold)."""
    with running(cfg, sandbox=sandbox, database_url=database_url, log=log) as runner:
        runner.drift = stock_drift.sampler_for(runner, interval_s=cfg.drift_interval_s).start()
        try:
            runner.operate(runner.clusters)
            runner.figures["faults_fired"] = runner._faults_fired()
            runner.drift.phase("drain")
            runner.drain()
        finally:
            runner.drift.stop()  # and one last sample: the end state
        result = runner.check()
        # "Never ended": still apart at the end, for longer than a lost answer takes to be settled.
        result["drift"] = runner.drift.figures(settle_s=cfg.settle_after_s + 2 * cfg.drift_interval_s)
        result["writes"] = runner.adjustment_writes()
        runner.figures["clusters_died"] = runner.clusters.died
        # The longest drift episodes' variants, as they happened (in the dump: ``result.drift_evidence``).
        result["drift_evidence"] = runner.evidence({e["variant"] for e in result["drift"]["longest"]})
        # Each episode longer than the goal: what preceded it and what ended it (``tests.stock_drift_causes``).
        result["drift_causes"] = stock_drift_causes.explain(runner, result["drift"]["long"])
    return runner, result
