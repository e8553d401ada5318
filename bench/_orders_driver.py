"""The driver of ``bench.order_intake``: one store connected, Comptoir's web (webhooks) and
workers running, then online orders placed in the sandbox as shoppers place them (its control
endpoint) at a steady rate, then in a burst. Prints one ``RESULT {json}`` line.

    python -m bench._orders_driver

Environment: the stack's (``bench._stack``), and the sizes of ``bench.order_intake``.

Django's code is imported inside the functions: this module is imported before ``django.setup()``.
"""

from __future__ import annotations

import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from bench import _driver as d
from bench import _shops

# A phase: (its rate's variable, default), (its length's variable, default in seconds).
PHASES = {
    "steady": (("BENCH_ORDER_RATE", 5), ("BENCH_ORDER_SECONDS", 120)),
    "burst": (("BENCH_BURST_RATE", 50), ("BENCH_BURST_SECONDS", 60)),
    "shops": (("BENCH_ORDER_RATE", 5), ("BENCH_ORDER_SECONDS", 120)),  # the steady rate over BENCH_SHOPS shops
}


def place_orders(sb, runner, *, rate: float, seconds: float, rng: random.Random, pickup=None) -> dict:
    """``rate × seconds`` orders of one item, each placed at its moment (a pool of threads, so a
    slow answer does not hold the next order back). Returns order id → when the sandbox answered.
    ``pickup(n)``: the pickup method of the n-th order (None: shipped), placed as BigCommerce's
    checkout places a pickup order (a ``pickups`` consignment); ``methods``: order id → its method."""
    count = max(1, round(rate * seconds))
    placed: dict[int, datetime] = {}
    methods: dict[int, int | None] = {}
    refused: list[str] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        variant = rng.choice(runner.variants)
        line = {"product_id": runner.product_of[variant.pk], "variant_id": runner.remote_of[variant.pk], "quantity": 1}
        method = pickup(n) if pickup else None
        body = {
            "channel_id": 1,
            "status_id": 11,  # Awaiting Fulfillment
            "billing_address": {"first_name": "Ada", "last_name": f"Shopper {n}", "email": "ada@shop.test"},
            **(
                {"products": [line]}
                if method is None
                else {"consignments": {"pickups": [{"pickup_method_id": method, "line_items": [line]}]}}
            ),
        }
        try:
            order = sb.place_order(runner.hash, body)
        except RuntimeError as exc:
            with lock:
                refused.append(str(exc)[:200])
            return
        with lock:
            placed[order["id"]] = datetime.now(UTC)
            methods[order["id"]] = method

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for n in range(count):
            time.sleep(max(0.0, started + n / rate - time.monotonic()))
            pool.submit(one, n)
    took = time.monotonic() - started
    return {"placed": placed, "methods": methods, "refused": refused, "placing_s": round(took, 1), "asked": count}


def ledger_times(connection_id: int) -> dict[int, datetime]:
    """Order id → the moment its first line's effect was written in the ledger."""
    from integrations.models import OrderLineEffect

    out: dict[int, datetime] = {}
    for order_id, at in OrderLineEffect.objects.filter(connection_id=connection_id).values_list(
        "order_id", "created_at"
    ):
        if order_id not in out or at < out[order_id]:
            out[order_id] = at
    return out


def wait_ledger(connection_id: int, orders: set[int], wait_s: float) -> dict[int, datetime]:
    deadline = time.monotonic() + wait_s
    while True:
        rows = ledger_times(connection_id)
        if orders <= rows.keys() or time.monotonic() > deadline:
            return rows
        time.sleep(0.25)


def phase(sb, runner, *, name: str, rate: float, seconds: float, wait_s: float, rng, pickup=None) -> dict:
    quota, window_ms = d.quota()
    since = d.last_request_id(sb, runner.hash)
    d.say(f"{name}: {rate:g} orders/s for {seconds:g} s …")
    done = place_orders(sb, runner, rate=rate, seconds=seconds, rng=rng, pickup=pickup)
    placed = done["placed"]
    rows = wait_ledger(runner.connection.pk, set(placed), wait_s)
    calls = d.api_calls(sb, runner.hash, since)
    arrived = [(rows[o] - at).total_seconds() for o, at in placed.items() if o in rows]
    last_placed = max(placed.values()) if placed else None
    in_ledger = [rows[o] for o in placed if o in rows]
    out = {
        "rate_per_s": rate,
        "seconds": seconds,
        "asked": done["asked"],
        "placed": len(placed),
        "refused": len(done["refused"]),
        "refusals": done["refused"][:3],
        "placing_s": done["placing_s"],
        **d.delays(arrived),
        "lost": len(placed) - len(arrived),
        "waited_s": wait_s,
        "last_after_last_placed_s": (
            round((max(in_ledger) - last_placed).total_seconds(), 3)
            if in_ledger and not len(placed) - len(arrived)
            else None
        ),
        "calls": len(calls),
        "calls_per_order": round(len(calls) / len(placed), 3) if placed else None,
        "http_429": sum(1 for r in calls if r["status"] == 429),
        "http_429_after_first_window": d.late_429(calls, window_ms / 1000),
        "quota": f"{quota}/{window_ms / 1000:g}s",
        "sandbox_ms_p99": d.answer_ms_p99(calls),
        "routes": d.routes(calls),
    }
    if pickup:
        out["methods"] = done["methods"]
    d.say(
        f"{name}: {out['placed']} placed in {out['placing_s']} s, in the ledger {out.get('n', 0)}: median "
        f"{out.get('median_s')} s, p99 {out.get('p99_s')} s, last {out['last_after_last_placed_s']} s after the last "
        f"placed; {out['calls']} calls ({out['calls_per_order']}/order), 429s {out['http_429']} "
        f"(after the first window {out['http_429_after_first_window']}); lost {out['lost']}; "
        f"the sandbox answered in {out['sandbox_ms_p99']} ms (p99)"
    )
    return out


def shops_phase(sb, runner, *, rate: float, seconds: float, wait_s: float, rng) -> dict:
    """The steady phase over BENCH_SHOPS shops (issue 19), after the others: the merchant adds its
    other shops (the connector creates each one's location), stocks them and sets a pickup method at
    each of their locations; then BENCH_PICKUP_SHARE (0.5) of the orders are for pickup, at the 2nd,
    3rd… shop's location in turn, the others shipped (the default location: the primary shop's).
    Each order must reach the ledger in the shop of the location BigCommerce took its stock from,
    and each location's level equal its shop's ledger afterwards."""
    count = _shops.shops_wanted()
    located = _shops.shops_mapped(runner, count=count, stock=100_000, say=d.say)
    d.wait_pushes_done([runner.connection.pk], timeout=wait_s)
    primary, *others = located
    methods = _shops.pickup_methods(runner, [located[s] for s in others])
    shop_of_method = {methods[located[s]]: s for s in others}
    share = d.env_number("BENCH_PICKUP_SHARE", 0.5)
    order = [methods[located[s]] for s in others]

    def pickup(n: int) -> int | None:
        # Spread evenly: order n is a pickup when the share's running count steps up at n.
        return order[int((n + 1) * share) % len(order)] if int((n + 1) * share) > int(n * share) else None

    time.sleep(d.quota()[1] / 1000)  # a fresh window: the setup's calls are not the orders'
    out = phase(sb, runner, name=f"{count} shops", rate=rate, seconds=seconds, wait_s=wait_s, rng=rng, pickup=pickup)
    methods_of = out.pop("methods")
    from integrations.models import OrderLineEffect

    taken_in = dict(
        OrderLineEffect.objects.filter(connection=runner.connection, order_id__in=list(methods_of)).values_list(
            "order_id", "movement__shop_id"
        )
    )
    expected = {o: shop_of_method.get(m, primary) if m else primary for o, m in methods_of.items()}
    wrong = [
        {"order": o, "shop": taken_in[o], "expected": shop}
        for o, shop in expected.items()
        if o in taken_in and taken_in[o] != shop
    ]
    d.wait_pushes_done([runner.connection.pk], timeout=60)
    apart = _shops.levels_apart(sb, runner.hash, located=located, variants=runner.variants, remote_of=runner.remote_of)
    out.update(
        {
            "shops": count,
            "locations": sorted(located.values()),
            "pickups": sum(1 for m in methods_of.values() if m),
            "per_shop": {str(s): sum(1 for shop in expected.values() if shop == s) for s in located},
            "wrong_shop": len(wrong),
            "wrong_examples": wrong[:5],
            "levels_apart": len(apart),
            "levels_apart_examples": apart[:5],
        }
    )
    d.say(
        f"{count} shops: {out['pickups']} of {out['placed']} orders for pickup, per shop {out['per_shop']}; "
        f"in another shop's ledger {out['wrong_shop']}; locations whose level ≠ their shop's {out['levels_apart']}; "
        f"calls {out['routes']}"
    )
    return out


def main() -> int:
    with d.driving() as (procs, figures):
        procs.web()
        sb = d.sandbox()
        runner = d.store_connect(sb, products=int(d.env_number("BENCH_ORDER_PRODUCTS", 50)))
        procs.workers_ready(figures, bulk=1, urgent=1)
        d.say(
            f"one store, {len(runner.variants)} products; workers: {figures['lanes']} "
            f"(ready in {figures['workers_ready_s']} s)"
        )
        rng = random.Random(17)
        wait_s = d.env_number("BENCH_ORDER_WAIT_S", 180)
        phases = os.environ.get("BENCH_ORDER_PHASES", "steady,burst,shops").split(",")
        for name in [p for p in PHASES if p in phases]:
            (rate, default_rate), (seconds, default_seconds) = PHASES[name]
            sizes = {"rate": d.env_number(rate, default_rate), "seconds": d.env_number(seconds, default_seconds)}
            if name == "shops":
                if _shops.shops_wanted() > 1:
                    figures[name] = shops_phase(sb, runner, **sizes, wait_s=wait_s, rng=rng)
                continue
            if name == "burst" and "steady" in phases:
                time.sleep(d.quota()[1] / 1000)  # the burst starts on a fresh window
            figures[name] = phase(sb, runner, name=name, **sizes, wait_s=wait_s, rng=rng)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
