"""The stock convergence run (issue 10; several shops, issue 19): a seeded random run of stock
operations on both sides of a BigCommerce connection, with the sandbox injecting faults, real
django-q2 clusters doing the work on both lanes as production runs them (urgent: stock pushes, order
intake, webhooks; bulk: the rest, ``integrations.services.queue``), one urgent cluster killed with
SIGKILL mid-run, then a drain and the invariants.

Used by ``tests/test_stock_convergence.py`` (CI's PostgreSQL + Redis pass) and by
``bench/stock_convergence.py`` (bigger sizes). It runs in the calling process, which must already
have Django set up on a database the clusters can reach (``database_url``): the PostgreSQL test
database, or a file. Comptoir's web side (the webhook receiver) is a threaded WSGI server in this
process; the sandbox is a ``SandboxProcess``.

Shops (``Config.shops``, 1 by default): the primary shop is BigCommerce's default location; each
other shop gets a location of its own in the sandbox, its synced ``ShopLocation`` row, stock of its
own and a pickup method, all before the initial sync, whose starting stock covers every mapped
location (checked at the end of the setup).

The operations (``tests.stock_convergence_ops``, ``tests.stock_convergence_online``), each in a
shop picked at random: in-store sales (now and then sent twice with the same key) and refunds
(back in the sale's shop), manual changes in Comptoir, split on and off; with two shops or more,
transfers between shops. With the inbound side (BigCommerce → Comptoir) present: online orders
placed as a shopper does (shipped: the default location's stock; for pickup at another mapped
location: that location's), cancelled and refunded by the merchant (the API), and manual stock
edits in BigCommerce at a mapped location (the API's absolute adjustment, as the control panel does).

While it runs, a thread samples BigCommerce's levels at every mapped location (the sandbox's
storage, no API call) and Comptoir's every ``drift_interval_s`` and measures how long each
(variant, location)'s levels stayed apart (``tests.stock_drift``): the drift episodes' p50, p99
and max, by phase (operations, after the kill, drain). A place still apart at the end, for longer
than the settle window, is a failure.

The invariants after the drain, per (variant, shop): ``tests.stock_convergence_checks``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import os
import random
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tests import stock_drift, stock_drift_causes
from tests.stock_convergence_checks import Checks
from tests.stock_convergence_online import INBOUND_WEIGHTS, PICKUP_WEIGHTS, OnlineOperations
from tests.stock_convergence_ops import OUTBOUND_WEIGHTS, SHOPS_WEIGHTS, ConvergenceError, StoreOperations
from tests.stock_convergence_procs import (  # noqa: F401 (the benches import them from here)
    BULK,
    ROOT,
    URGENT,
    Clusters,
    app_token,
    faults_for,
    queue_size,
    real_queue,
    urgent_name,
    web_server,
)
from tests.stock_convergence_report import Report

SIZES = ("S", "M", "L")
COLOURS = ("Blue", "Red")
SHOP_ADDRESS = {"address_line1": "3 rue de la Paix", "postal_code": "69002", "city": "Lyon"}


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
    apply_delay_ms: int = 200  # the sandbox applies inventory writes this long after answering, as BigCommerce does
    apply_window_s: float = 1.0  # BIGCOMMERCE_STOCK_APPLY_WINDOW_S: how long Comptoir allows for it
    drain_timeout_s: float = 120.0
    initial_max: int = 20
    shops: int = 1  # the primary shop (the default location) and shops - 1 others, each at a location
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


class Run(StoreOperations, OnlineOperations, Checks, Report):
    def __init__(self, cfg: Config, *, sandbox, database_url: str, log=print):
        self.cfg = cfg
        self.sandbox = sandbox
        self.database_url = database_url
        self.say = log
        self.rng = random.Random(cfg.seed)
        self.inbound = inbound_available() if cfg.inbound is None else cfg.inbound
        self.ops: list[dict] = []  # what was done, in order (written to the findings on a mismatch)
        self.counts: Counter = Counter()
        self.shop_counts: defaultdict = defaultdict(Counter)  # shop name → operation → count
        self.op_seconds: Counter = Counter()
        self.sales: list[dict] = []  # {"sale": Sale, "left": {line_id: quantity}, "shop": Shop}
        # order id → {"lines": [(variant pk, quantity)], "status": …, "shop": shop id, "location": …}
        self.orders: dict[int, dict] = {}
        self.cluster_name = f"cv-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.figures: dict = {"config": asdict(cfg), "inbound": self.inbound}
        self.drift = None  # the DriftSampler, from the first operation to the end of the drain
        self.shops: list = []  # the primary shop first
        self.shop_location: dict[int, int] = {}  # shop id → its BigCommerce location
        self.pickup_methods: dict[int, int] = {}  # location (other than the default) → its pickup method

    @property
    def shop_by_id(self) -> dict:
        return {shop.pk: shop for shop in self.shops}

    @property
    def shop_at(self) -> dict:
        """Location → its shop."""
        by_id = self.shop_by_id
        return {location: by_id[shop] for shop, location in self.shop_location.items()}

    # -- setup --------------------------------------------------------------------------------
    def setup(self, web_url: str) -> None:
        from integrations.tests.connect_helpers import api, new_store
        from sandbox.apps import DEFAULT_APP_SCOPES

        cfg = self.cfg
        # The app may read pickup methods (where a pickup order takes its stock), as a store's app should.
        scopes = [*DEFAULT_APP_SCOPES, "store_fulfillment_methods_read_only"]
        self.store = new_store(self.sandbox, app={"scopes": scopes})
        self.hash = self.store["hash"]
        self.sandbox.set_rate_limit(self.hash, quota=1_000_000, window_ms=1000)  # pacing is not measured here
        self.sandbox.set_options(self.hash, inventory_apply_delay_ms=cfg.apply_delay_ms)
        self.api = api(self.sandbox, self.store)
        channel = self.api.post(
            "/v3/channels", json={"name": "Comptoir-POS", "type": "pos", "platform": "custom", "status": "connected"}
        )["data"]["id"]
        self.merchant, self.variants = self._catalog()
        self.connection = self._connect(channel, web_url)
        from integrations.models import ProductLink, VariantLink
        from integrations.selectors.locations import shop_locations

        states = Counter(ProductLink.objects.filter(connection=self.connection).values_list("state", flat=True))
        if states != Counter({"synced": cfg.simple_products + cfg.variant_products}):
            raise ConvergenceError(f"initial sync did not finish: {dict(states)}")
        if shop_locations(connection=self.connection) != self.shop_location:
            found = shop_locations(connection=self.connection)
            raise ConvergenceError(f"shops ↔ locations {found}, {self.shop_location} expected")
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
        # The initial sync's starting stock covered every mapped location (each its shop's levels),
        # once the sandbox has applied it (asynchronously, as BigCommerce does).
        applied_by = time.monotonic() + cfg.apply_delay_ms / 1000 + 2
        while (mismatches := self._bigcommerce_mismatches()) and time.monotonic() < applied_by:
            time.sleep(0.1)
        if mismatches:
            raise ConvergenceError(f"levels differ right after the initial sync: {mismatches[:5]}")
        self.pickup_methods = {
            location: self._pickup_method(location) for location in sorted(self.shop_at) if location != 1
        }

    def _catalog(self):
        from catalog.tests.factories import product_with_options
        from integrations.tests.connect_helpers import add_product
        from inventory.services import stock_set
        from portal.services import shop_create, shop_primary
        from portal.tests.factories import MerchantFactory

        merchant = MerchantFactory(name="Convergence")
        self.shops = [shop_primary(merchant=merchant)]
        for i in range(2, self.cfg.shops + 1):
            self.shops.append(shop_create(merchant=merchant, name=f"Shop {i}", country="FR", **SHOP_ADDRESS))
        variants = []
        for i in range(self.cfg.simple_products):
            variants += list(add_product(merchant, f"Candle {i}", sku=f"CV-C{i}").variants.all())
        for j in range(self.cfg.variant_products):
            product = product_with_options(
                merchant=merchant, name=f"Shirt {j}", options=self.cfg.options, sku_prefix=f"CV{j}"
            )
            variants += list(product.variants.order_by("position"))
        for index, shop in enumerate(self.shops):
            for variant in variants:
                quantity = self.rng.randint(0, self.cfg.initial_max)
                if quantity:
                    # The primary shop's keys as before shops had their own stock: runs stay comparable.
                    key = f"cv:start:{variant.pk}" + (f":{shop.pk}" if index else "")
                    stock_set(merchant=merchant, variant=variant, quantity=quantity, idempotency_key=key, shop=shop)
        return merchant, variants

    def _locations(self, connection) -> None:
        """Each shop but the primary one gets a location in the store and its mapping (synced),
        before the initial sync: as the wizard's "create a location" ends, without waiting for a task."""
        from integrations.models import ShopLocation, SyncState

        self.shop_location = {self.shops[0].pk: 1}  # the primary shop without a row: the default location
        for shop in self.shops[1:]:
            code = f"CV-SHOP-{shop.pk}"
            self.api.post("/v3/inventory/locations", json=[{"code": code, "label": shop.name}])
            deadline = time.monotonic() + 10
            while not (found := self.api.get("/v3/inventory/locations", params={"location_code:in": code})["data"]):
                if time.monotonic() > deadline:
                    raise ConvergenceError(f"location {code} not readable 10 s after its creation")
                time.sleep(0.1)
            ShopLocation.objects.create(
                connection=connection,
                shop=shop,
                remote_location_id=found[0]["id"],
                remote_name=shop.name,
                origin=ShopLocation.Origin.CREATED,
                state=SyncState.SYNCED,
            )
            self.shop_location[shop.pk] = found[0]["id"]

    def _pickup_method(self, location: int) -> int:
        body = [{"location_id": location, "display_name": f"Collect at location {location}"}]
        return self.api.post("/v3/pickup/methods", json=body)["data"][0]["id"]

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
        self._locations(connection)
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
        if len(self.shops) > 1:
            weights.update(SHOPS_WEIGHTS)
        if self.inbound:
            weights.update(INBOUND_WEIGHTS)
            if self.pickup_methods:
                weights.update(PICKUP_WEIGHTS)
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
            # An operation refused as a merchant would be (a transfer of more than the shop has) is a refusal.
            label = "refused" if outcome == "refused" else "nothing to do"
            self.counts[kind if outcome is True else f"{kind} ({label})"] += 1
            if self.cfg.pause_s:
                time.sleep(self.cfg.pause_s)
        self.figures["operations_s"] = round(time.monotonic() - started, 1)
        self.figures["ms_per_operation"] = {
            k: round(1000 * v / max(1, sum(c for name, c in self.counts.items() if name.split(" (")[0] == k)), 1)
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
        "BIGCOMMERCE_STOCK_APPLY_WINDOW_S": cfg.apply_window_s,
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
        "BIGCOMMERCE_STOCK_APPLY_WINDOW_S": str(cfg.apply_window_s),
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
                if cfg.clusters:
                    runner.figures["clusters_ready_s"] = clusters_ready(runner.cluster_name)
                yield runner
    except Exception:
        log(clusters.tail())
        raise
    finally:
        clusters.stop()
        server.shutdown()
        server.server_close()
        runner.figures["log_dir"] = str(log_dir)


def clusters_ready(cluster_name: str, timeout_s: float = 120.0) -> float:
    """Until each lane's clusters have run a task (a probe on each); the seconds it took. The run
    operates after this: a push queued while the workers were still forking waited for them, and
    those first seconds made the drift's longest episodes (issue 17), which is not the product's."""
    from django_q.models import Task
    from django_q.tasks import async_task

    started = time.monotonic()
    probes = {async_task("math.sqrt", 4, save=True, cluster=name) for name in (cluster_name, urgent_name(cluster_name))}
    while Task.objects.filter(id__in=probes).count() < len(probes):
        if time.monotonic() - started > timeout_s:
            raise ConvergenceError(f"the clusters ran no task within {timeout_s:g} s")
        time.sleep(0.1)
    return round(time.monotonic() - started, 1)


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
