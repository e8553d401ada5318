"""How fast the sandbox answers at the benches' sizes, so that a figure can say the sandbox is not
what limits it: p50 / p99 answer time per operation (measured by the client, over HTTP), with the
rate limit raised out of the way (BigCommerce's quota is a separate matter: 150 calls / 30 s is one
call per 200 ms, so an answer under that never holds a paced client back: the goal).

Two stores: one of VARIANTS variants (products of 25 variants, as the stock check bench) and one of
PRODUCTS simple products (as the initial sync bench), with ORDERS orders placed in the first.
Sizes: BENCH_SANDBOX_VARIANTS (10000), BENCH_SANDBOX_PRODUCTS (10000), BENCH_SANDBOX_ORDERS (3000),
BENCH_SANDBOX_REPEAT (how many times each operation is timed, 20). Seeding is not measured."""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import random
import signal
import statistics
import threading
import time
import urllib.error
import urllib.request

from bench._rows import Row, at_most, shown

# The quota's pace: one call per 200 ms at 150 / 30 s. A client paced by the quota is never held
# back by answers faster than this: the goal of every operation's p99.
QUOTA_PACE_MS = 30_000 / 150
FULL = "variants,images,videos,options"
SIZES = ("B", "C", "D", "E", "F")
COLOURS = ("Blue", "Red", "Green", "Black", "White")


class Api:
    """A store's REST API over HTTP, timing each answer."""

    def __init__(self, base: str, store_hash: str, token: str):
        self.base = f"{base}/stores/{store_hash}"
        self.token = token

    def call(self, method: str, path: str, body=None) -> tuple[float, object]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"X-Auth-Token": self.token, "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=300) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{method} {path[:120]}: {exc.code} {exc.read()[:500]!r}") from None
        took = (time.perf_counter() - started) * 1000
        return took, (json.loads(raw) if raw else None)


def _store(sandbox, name: str) -> Api:
    store = sandbox.create_store(hash=f"bench{name}")
    sandbox.set_rate_limit(store["hash"], 10**9, 30_000)  # out of the way: answer time only
    token = sandbox.api_account(store["hash"])["access_token"]
    return Api(sandbox.url, store["hash"], token)


def _parallel(calls, workers: int = 4) -> list:
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda f: f(), calls))


def seed_variants(api: Api, variants: int) -> list[dict]:
    """Products of 5 × 5 variants (tracked by variant, 1,000 each at location 1); returns them."""
    products = max(1, variants // 25)

    def create(n: int):
        body = {
            "name": f"Shirt {n}",
            "type": "physical",
            "weight": 1,
            "price": 25,
            "sku": f"SH{n}",
            "inventory_tracking": "variant",
            "variants": [
                {
                    "sku": f"SH{n}-{s}-{c}",
                    "inventory_level": 1000,
                    "option_values": [
                        {"option_display_name": "Size", "label": s},
                        {"option_display_name": "Colour", "label": c},
                    ],
                }
                for s in SIZES
                for c in COLOURS
            ],
        }
        return api.call("POST", "/v3/catalog/products", body)[1]["data"]

    return [p for p in _parallel([lambda n=n: create(n) for n in range(products)])]


def seed_simple(api: Api, products: int) -> list[float]:
    """PRODUCTS simple products; returns the answer times of the last 100 creates (the store is full by then)."""
    times = []

    def create(n: int):
        body = {"name": f"Candle {n}", "type": "physical", "weight": 1, "price": 12, "sku": f"CA{n}"}
        return api.call("POST", "/v3/catalog/products", body)[0]

    batch = 200
    for start in range(0, products, batch):
        times = _parallel([lambda n=n: create(n) for n in range(start, min(products, start + batch))])
    return times[-100:]


def seed_orders(sandbox, store_hash: str, products: list[dict], orders: int) -> None:
    rng = random.Random(5)
    lines = [(p["id"], v["id"]) for p in products for v in p["variants"]]

    def place(n: int):
        picked = rng.sample(lines, 2)
        body = {
            "channel_id": 1,
            "status_id": 11,
            "billing_address": {"first_name": "Ada", "last_name": "Shopper", "email": f"ada{n}@shop.test"},
            "products": [{"product_id": p, "variant_id": v, "quantity": 1} for p, v in picked],
        }
        sandbox.place_order(store_hash, body)

    _parallel([lambda n=n: place(n) for n in range(orders)])


def _ids(rng: random.Random, ids: list[int], k: int) -> str:
    return ",".join(map(str, rng.sample(ids, min(k, len(ids)))))


def _figures(times: list[float]) -> dict:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))]
    return {"n": len(times), "p50_ms": round(statistics.median(times), 1), "p99_ms": round(p99, 1)}


def measure(
    shirts: Api, candles: Api, products: list[dict], *, repeat: int, orders: int, simple: int, only=None
) -> dict[str, dict]:
    rng = random.Random(3)
    variant_ids = [v["id"] for p in products for v in p["variants"]]
    n_variants = len(variant_ids)
    product_ids = [p["id"] for p in products]
    ops: dict[str, list] = {}

    def page_of(total: int, limit: int) -> int:
        return rng.randint(1, max(1, -(-total // limit)))

    ops["GET products include=variants (250/page)"] = lambda: shirts.call(
        "GET", f"/v3/catalog/products?include=variants&limit=250&page={page_of(len(products), 250)}"
    )
    ops["GET products id:in (10) include=variants,images,options"] = lambda: shirts.call(
        "GET",
        "/v3/catalog/products?include=variants,images,options&limit=10&id:in=" + _ids(rng, product_ids, 10),
    )
    ops["GET product include=variants,images,videos,options"] = lambda: shirts.call(
        "GET", f"/v3/catalog/products/{rng.choice(product_ids)}?include=variants,images,videos,options"
    )
    ops["GET products name= (of 10,000 simple)"] = lambda: candles.call(
        "GET", f"/v3/catalog/products?name=Candle+{rng.randrange(max(1, simple))}&include=" + FULL
    )
    ops["GET catalog/variants (250/page)"] = lambda: shirts.call(
        "GET", f"/v3/catalog/variants?limit=250&page={page_of(n_variants, 250)}"
    )
    ops["GET catalog/variants id:in (50)"] = lambda: shirts.call(
        "GET", "/v3/catalog/variants?limit=250&id:in=" + _ids(rng, variant_ids, 50)
    )
    ops["GET inventory/items variant_id:in (250)"] = lambda: shirts.call(
        "GET", "/v3/inventory/items?limit=250&variant_id:in=" + _ids(rng, variant_ids, 250)
    )
    ops["GET inventory/items (250/page)"] = lambda: shirts.call(
        "GET", f"/v3/inventory/items?limit=250&page={page_of(n_variants, 250)}"
    )
    ops["PUT adjustments/absolute (250 items)"] = lambda: shirts.call(
        "PUT",
        "/v3/inventory/adjustments/absolute",
        {
            "reason": "bench",
            "items": [
                {"location_id": 1, "variant_id": v, "quantity": rng.randint(500, 1500)}
                for v in rng.sample(variant_ids, min(250, n_variants))
            ],
        },
    )
    ops["POST adjustments/relative (50 items)"] = lambda: shirts.call(
        "POST",
        "/v3/inventory/adjustments/relative",
        {
            "reason": "bench",
            "items": [
                {"location_id": 1, "variant_id": v, "quantity": -1}
                for v in rng.sample(variant_ids, min(50, n_variants))
            ],
        },
    )
    counter = iter(range(10**9))
    ops["POST product (store of 10,000)"] = lambda: candles.call(
        "POST",
        "/v3/catalog/products",
        {"name": f"Late candle {next(counter)}", "type": "physical", "weight": 1, "price": 3},
    )
    if orders:
        ops["GET v2/orders (250/page)"] = lambda: shirts.call(
            "GET", f"/v2/orders?limit=250&page={page_of(orders, 250)}"
        )
        ops["GET v2/orders since a cursor, date_modified:asc"] = lambda: shirts.call(
            "GET", "/v2/orders?limit=250&sort=date_modified:asc&min_date_modified=" + _recent()
        )
        ops["GET v2/orders/{id}"] = lambda: shirts.call("GET", f"/v2/orders/{rng.randrange(100, 100 + orders)}")
    out = {}
    for name, op in ops.items():
        if only and not any(word in name for word in only):
            continue
        op()  # warm
        out[name] = _figures([op()[0] for _ in range(repeat)])
    return out


def _recent() -> str:
    from email.utils import formatdate

    return formatdate(time.time() - 60, usegmt=True).replace(" ", "+").replace(",", "%2C")


@contextlib.contextmanager
def _sigterm_unwinds():
    """A SIGTERM (a timeout) unwinds like Ctrl-C, so the sandbox is stopped on the way out."""

    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main() -> dict:
    from sandbox.testing import SandboxProcess

    variants = int(os.environ.get("BENCH_SANDBOX_VARIANTS", "10000"))
    simple = int(os.environ.get("BENCH_SANDBOX_PRODUCTS", "10000"))
    orders = int(os.environ.get("BENCH_SANDBOX_ORDERS", "3000"))
    repeat = int(os.environ.get("BENCH_SANDBOX_REPEAT", "20"))
    with _sigterm_unwinds(), SandboxProcess(data=os.environ.get("BENCH_SANDBOX_DATA") or None) as sandbox:
        started = time.monotonic()
        shirts, candles = _store(sandbox, "shirts"), _store(sandbox, "candles")
        products = seed_variants(shirts, variants)
        create_times = seed_simple(candles, simple)
        seed_orders(sandbox, shirts.base.rsplit("/", 1)[1], products, orders)
        seeded = time.monotonic() - started
        print(
            f"   seeded {len(products) * 25} variants, {simple} simple products, {orders} orders in {seeded:.0f} s",
            flush=True,
        )
        figures = measure(shirts, candles, products, repeat=repeat, orders=orders, simple=simple)
    figures["POST product (last 100 of the seeding)"] = _figures(create_times)
    for name, f in figures.items():
        print(f"   {name:<52} p50 {f['p50_ms']:>8.1f} ms   p99 {f['p99_ms']:>8.1f} ms   (n={f['n']})", flush=True)
    worst = max(f["p99_ms"] for f in figures.values())
    return {
        "variants": len(products) * 25,
        "products": simple,
        "orders": orders,
        "operations": figures,
        "worst_p99_ms": worst,
        "seeding_s": round(seeded, 1),
    }


def summary(figures: dict) -> list[Row]:
    operations = figures.get("operations") or {}
    name, worst = max(
        ((n, f.get("p99_ms")) for n, f in operations.items()), key=lambda x: x[1] or 0, default=("", None)
    )
    return [
        (
            f"sandbox answer p99, slowest operation ({figures.get('variants', 0):,} variants)",
            f"≤ {QUOTA_PACE_MS:g} ms (one call's share of 150 / 30 s)",
            f"{shown(worst, ' ms')} ({name})" if name else "–",
            at_most(worst, QUOTA_PACE_MS),
        )
    ]
