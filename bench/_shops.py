"""Several shops, one store (issue 19), for the stock benches: the merchant's other shops added as a
merchant adds them while connected (``shop_create``: the connector creates each one's BigCommerce
location and maps it), their stock, and what a bench checks per location: each location's level
read in the sandbox's storage (its control endpoint: no quota, nothing in the request log) as it
moves, and at the end each location's level against its shop's ledger. Used by
``bench._stock_worker`` (sales) and ``bench._orders_driver`` (online orders).

BENCH_SHOPS (3): how many shops the phase spreads its sales or orders over (1: the phase is not run).

Django's code is imported inside the functions: this module is imported before ``django.setup()``.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from datetime import UTC, datetime

from bench._driver import delays

ADDRESS = {"address_line1": "3 rue de la Paix", "postal_code": "69002", "city": "Lyon"}


def shops_wanted() -> int:
    return int(os.environ.get("BENCH_SHOPS") or 3)


def shops_mapped(runner, *, count: int, stock: int, wait_s: float = 300, say=print) -> dict[int, int]:
    """``count - 1`` shops added to ``runner``'s merchant beside the primary one, each given its own
    BigCommerce location by the connector (waited for, up to ``wait_s``), then ``stock`` of every
    variant in each (pushed to its location by the stock sync). Returns shop id → location id,
    the primary shop's (BigCommerce's default location) first."""
    from integrations.models import ShopLocation, SyncState
    from integrations.selectors.locations import shop_locations
    from inventory.services import stock_set
    from portal.models import Membership
    from portal.services import shop_create
    from portal.tests.factories import MembershipFactory

    if not Membership.objects.filter(merchant=runner.merchant).exists():
        # The merchant's owner, as a sign-up makes it: BigCommerce requires a contact e-mail per
        # location and the connector gives the owner's (the run's merchant was made without one).
        MembershipFactory(merchant=runner.merchant, role=Membership.Role.OWNER)
    added = [
        shop_create(merchant=runner.merchant, name=f"Bench shop {n}", country="FR", **ADDRESS)
        for n in range(2, count + 1)
    ]
    deadline = time.monotonic() + wait_s
    rows = ShopLocation.objects.filter(connection=runner.connection, shop__in=added)
    while rows.filter(state=SyncState.SYNCED).exclude(remote_location_id=None).count() < len(added):
        if time.monotonic() > deadline:
            states = list(rows.values_list("shop__name", "state", "last_error"))
            raise RuntimeError(f"the shops' locations were not created within {wait_s:g} s: {states}")
        time.sleep(0.2)
    for shop in added:
        for v in runner.variants:
            stock_set(
                merchant=runner.merchant,
                variant=v,
                quantity=stock,
                idempotency_key=f"bench:fill:{shop.pk}:{v.pk}",
                shop=shop,
            )
    located = shop_locations(connection=runner.connection)
    primary = runner.merchant.shops.get(is_primary=True).pk
    say(
        f"{count} shops: "
        + ", ".join(f"shop {s} → location {located.get(s)}" for s in [primary, *[a.pk for a in added]])
    )
    return {primary: located[primary], **{a.pk: located[a.pk] for a in added}}


def pickup_methods(runner, locations: list[int]) -> dict[int, int]:
    """A pickup method at each location, as the merchant sets them up in BigCommerce (location → method)."""
    body = [{"location_id": loc, "display_name": f"Collect at location {loc}"} for loc in locations]
    made = runner.api.post("/v3/pickup/methods", json=body)["data"]
    return {m["location_id"]: m["id"] for m in made}


class LevelSampler:
    """Every location's level of every variant, read every ``every`` seconds in a thread from the
    sandbox's storage; keeps each change with the moment it was first seen."""

    def __init__(self, sandbox, store_hash: str, every: float = 0.05):
        self.sandbox, self.hash, self.every = sandbox, store_hash, every
        self.changes: dict[tuple[int, int], list[tuple[datetime, int]]] = {}
        self.reads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):  # a read that failed is a sample missed, not the run
                levels = self.sandbox.location_levels(self.hash)
                now = datetime.now(UTC)
                self.reads += 1
                for loc, variants in levels.items():
                    for remote, level in variants.items():
                        seen = self.changes.setdefault((loc, remote), [])
                        if not seen or seen[-1][1] != level:
                            seen.append((now, level))
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def first_at_most(self, location: int, remote_variant: int, level: int) -> datetime | None:
        """When the location's level of the variant was first seen at ``level`` or below."""
        for at, seen in self.changes.get((location, remote_variant), []):
            if seen <= level:
                return at
        return None


def sales_seen(sampler: LevelSampler, *, since_movement: int, located: dict[int, int], remote_of: dict) -> dict:
    """For each sale's ledger row after ``since_movement``: from the row to the moment its shop's
    location showed its level (the level the row left, or lower: sales only lower it). ``wrong``:
    rows whose push went to another location than their shop's; ``never``: rows their location never
    showed."""
    from integrations.models import StockPush
    from inventory.models import StockMovement

    rows = StockMovement.objects.filter(pk__gt=since_movement).values_list(
        "pk", "shop_id", "variant_id", "level_after", "online_after", "created_at"
    )
    pushed_to = dict(StockPush.objects.filter(movement_id__gt=since_movement).values_list("movement_id", "location_id"))
    per_shop: dict[int, list[float]] = {shop: [] for shop in located}
    wrong, never = [], 0
    for pk, shop, variant, level_after, online_after, made in rows:
        location = located.get(shop)
        if location is None or pushed_to.get(pk) != location:
            wrong.append({"movement": pk, "shop": shop, "location": location, "pushed_to": pushed_to.get(pk)})
            continue
        expected = max(0, online_after if online_after is not None else level_after)
        seen = sampler.first_at_most(location, remote_of[variant], expected)
        if seen is None:
            never += 1
        else:
            per_shop[shop].append(max(0.0, (seen - made).total_seconds()))
    every = [d for values in per_shop.values() for d in values]
    return {
        **delays(every),
        "per_location": {str(located[s]): delays(d) for s, d in per_shop.items()},
        "wrong_location": len(wrong),
        "wrong_examples": wrong[:5],
        "never_seen": never,
        "sampler_reads": sampler.reads,
    }


def levels_apart(sandbox, store_hash: str, *, located: dict[int, int], variants, remote_of: dict) -> list[dict]:
    """Each (shop, variant) whose location's level in BigCommerce differs from its shop's online
    level or from the sum of its shop's ledger rows (the stock sync's own goal: level = ledger =
    BigCommerce, per location)."""
    from django.db.models import Sum

    from inventory.models import StockLevel, StockMovement

    remote = sandbox.location_levels(store_hash)
    levels = {(lv.shop_id, lv.variant_id): lv for lv in StockLevel.objects.filter(variant__in=variants)}
    sums = {
        (shop, variant): total
        for shop, variant, total in StockMovement.objects.filter(variant__in=variants)
        .values_list("shop_id", "variant_id")
        .annotate(total=Sum("delta"))
        .values_list("shop_id", "variant_id", "total")
    }
    apart = []
    for shop, location in located.items():
        for v in variants:
            level = levels.get((shop, v.pk))
            online = max(0, level.online_level) if level else 0
            there = remote.get(location, {}).get(remote_of[v.pk])
            if there != online or (level.quantity if level else 0) != sums.get((shop, v.pk), 0):
                apart.append(
                    {"shop": shop, "location": location, "variant": v.pk, "bigcommerce": there, "level": online}
                )
    return apart


def propagation(runner, *, events: int, rate: float, rng) -> dict:
    """``bench.stock_propagation``'s sales spread over BENCH_SHOPS shops, each on its own location
    (``runner``: the ``tests.stock_convergence`` run of ``bench._stock_worker.propagation``, its
    clusters running): ``events`` sales at ``rate`` a second, each in a shop drawn in turn, then
    the delays (ledger row → its location's level moved, read in the sandbox; and → the answer of
    the adjustment, as the single-shop figure), the calls, and each location's level against its
    shop's ledger."""
    from bench._stock_worker import _real_quota, _wait_outbox_empty, _wait_queue_idle, progress
    from inventory.models import StockMovement
    from inventory.services import sale_create
    from portal.models import Shop

    count = shops_wanted()
    located = shops_mapped(runner, count=count, stock=100_000, say=progress)
    _wait_outbox_empty()
    with contextlib.suppress(RuntimeError):
        runner.sandbox.deliveries_settled(runner.hash, timeout=60)
    _wait_queue_idle()
    _real_quota(runner)  # a fresh window: the setup's calls are not the sales'
    shops = list(Shop.objects.filter(pk__in=located).order_by("-is_primary", "pk"))
    log = runner.sandbox.request_log(runner.hash)
    since = log[-1]["id"] if log else 0
    first = StockMovement.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    progress(f"{events} sales at {rate:g}/s over {count} shops, each on its own location …")
    with LevelSampler(runner.sandbox, runner.hash) as sampler:
        started = time.monotonic()
        for n in range(events):
            shop = shops[n % len(shops)]
            sale_create(
                merchant=runner.merchant, lines=[(rng.choice(runner.variants), 1)], idempotency_key=f"s:{n}", shop=shop
            )
            time.sleep(max(0.0, started + (n + 1) / rate - time.monotonic()))
        _wait_outbox_empty()
        time.sleep(3 * sampler.every)  # the last answers' levels sampled
    out = sales_seen(sampler, since_movement=first, located=located, remote_of=runner.remote_of)
    out["answered"] = answered_delays(first)
    calls = [r for r in runner.sandbox.request_log(runner.hash, since=since) if "/_sandbox" not in r["path"]]
    out.update(
        {
            "shops": count,
            "locations": sorted(located.values()),
            "sales": events,
            "calls": sum(1 for r in calls if r["path"].endswith("/adjustments/relative")),
            "api_calls": len(calls),
            "calls_per_1000_sales": round(1000 * len(calls) / max(1, events), 1),
            "http_429": sum(1 for r in calls if r["status"] == 429),
        }
    )
    apart = levels_apart(
        runner.sandbox, runner.hash, located=located, variants=runner.variants, remote_of=runner.remote_of
    )
    out["levels_apart"], out["levels_apart_examples"] = len(apart), apart[:5]
    return out


def answered_delays(since_movement: int) -> dict:
    """Ledger row → the answer of the adjustment that carried it (``StockPush.sent_at``)."""
    from integrations.models import StockPush
    from inventory.models import StockMovement

    made = dict(StockMovement.objects.filter(pk__gt=since_movement).values_list("pk", "created_at"))
    rows = StockPush.objects.filter(movement_id__gt=since_movement, state=StockPush.State.SENT)
    return delays([(sent - made[m]).total_seconds() for m, sent in rows.values_list("movement_id", "sent_at")])
