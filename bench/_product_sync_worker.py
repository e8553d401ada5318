"""The two processes of ``bench.product_sync``: ``fill`` (a merchant connected to a sandbox store,
and its products) and ``export`` (a django-q2 worker's view: the export task run inline, its peak
memory measured). Each prints one JSON line; ``bench.product_sync`` starts them.

    python -m bench._product_sync_worker fill --products 1000 --images 2
    python -m bench._product_sync_worker export --connection 1 [--update 500]

Environment (set by ``bench.product_sync``): DATABASE_URL (a throwaway SQLite file), MEDIA_ROOT,
COMPTOIR_MEDIA_PUBLIC_URL, BENCH_SANDBOX_URL.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

VALUES = ("S", "M", "L")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    os.environ.setdefault("Q_SYNC", "1")  # tasks inline: this process is the worker
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # as a worker runs (DEBUG keeps every query in memory)
    url = os.environ["BENCH_SANDBOX_URL"]
    settings.BIGCOMMERCE_API_URL = url
    settings.BIGCOMMERCE_LOGIN_URL = url + "/login"
    settings.BIGCOMMERCE_CLIENT_ID = "comptoir-local"
    settings.BIGCOMMERCE_CLIENT_SECRET = "comptoir-local-secret"
    settings.COMPTOIR_PUBLIC_URL = "http://127.0.0.1:8000"


def _sandbox():
    from sandbox.testing import SandboxProcess

    class Attached(SandboxProcess):
        """The control endpoint of the sandbox the orchestrator started."""

        def __init__(self, url: str):
            self.url = url

    return Attached(os.environ["BENCH_SANDBOX_URL"])


def _png(path, colour) -> None:
    from PIL import Image

    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.new("RGB", (8, 8), colour).save(path, "PNG")


def products_make(*, merchant, count: int, images: int, start: int = 0) -> None:
    """``count`` products with one option of three values (three variants), ``images`` PNGs each;
    bulk inserts, in slices so that the filler's own memory stays small."""
    from decimal import Decimal

    from django.conf import settings

    from catalog.models import OptionValue, Product, ProductImage, ProductOption, Variant
    from inventory.models import StockLevel
    from portal.services import shop_primary

    shop = shop_primary(merchant=merchant)
    through = Variant.option_values.through
    step = 500
    for first in range(start, start + count, step):
        numbers = range(first, min(start + count, first + step))
        products = Product.objects.bulk_create(
            [
                Product(
                    merchant=merchant,
                    name=f"Bench product {n:05}",
                    description=f"<p>Product number {n}.</p>",
                    vat_rate=Decimal("20.00"),
                    shipping_weight_grams=250,
                    seo_title=f"Bench {n}",
                )
                for n in numbers
            ]
        )
        options = ProductOption.objects.bulk_create([ProductOption(product=p, name="Size") for p in products])
        values = OptionValue.objects.bulk_create(
            [OptionValue(option=o, value=v, position=i) for o in options for i, v in enumerate(VALUES)]
        )
        variants = Variant.objects.bulk_create(
            [
                Variant(merchant=merchant, product=p, sku=f"B{n:05}-{v}", price=1000 + n, position=i)
                for p, n in zip(products, numbers, strict=True)
                for i, v in enumerate(VALUES)
            ]
        )
        through.objects.bulk_create(
            [through(variant_id=var.pk, optionvalue_id=val.pk) for var, val in zip(variants, values, strict=True)]
        )
        StockLevel.objects.bulk_create(
            [StockLevel(merchant=merchant, shop=shop, variant=v, quantity=5) for v in variants]
        )
        rows = []
        for p, n in zip(products, numbers, strict=True):
            for k in range(images):
                name = f"products/bench/{n:05}-{k}.png"
                _png(os.path.join(settings.MEDIA_ROOT, name), ((n * 7) % 256, (k * 90) % 256, 120))
                rows.append(ProductImage(product=p, image=name, alt_text=f"View {k + 1}", position=k))
        ProductImage.objects.bulk_create(rows)


def fill(args) -> dict:
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from integrations.models import BigCommerceConnection
    from integrations.tests.connect_helpers import connect_from_comptoir, new_store, walk_wizard
    from portal.tests.factories import MembershipFactory, MerchantFactory

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    setup_test_environment()
    sandbox = _sandbox()
    store = new_store(sandbox)
    sandbox.set_rate_limit(store["hash"], 100_000, 1000)  # connecting is not what is measured
    merchant = MerchantFactory(currency="EUR")
    client = Client()
    client.force_login(MembershipFactory(merchant=merchant).user)
    connect_from_comptoir(client, sandbox, store)
    walk_wizard(client)  # managed in Comptoir, all products, prices not included; no products yet
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.status == "connected", connection.status
    started = time.monotonic()
    products_make(merchant=merchant, count=args.products, images=args.images)
    return {"connection": connection.pk, "store": store["hash"], "fill_s": round(time.monotonic() - started, 1)}


def tasks_one_after_another() -> None:
    """Run the tasks this process enqueues as a worker does: one after the other, each once the one
    before has returned. django-q2's sync mode runs a task inside the call that enqueues it, so
    an export whose every round enqueues the next would nest one round's frames (and all they hold)
    in the next: memory would grow with the number of rounds, which no worker does."""
    from collections import deque

    from integrations.services import queue

    inline = queue.async_task
    pending: deque = deque()
    running = False

    def trampoline(*args, **kwargs):
        nonlocal running
        pending.append((args, kwargs))
        if running:
            return None
        running = True
        try:
            while pending:
                args, kwargs = pending.popleft()
                inline(*args, **kwargs)
        finally:
            running = False
        return None

    queue.async_task = trampoline


def export(args) -> dict:
    """The initial sync (``export_initial_start`` as Finish setup calls it; its task runs on
    commit and hands over to fresh tasks, one after the other), or an update of ``--update``
    products."""
    import tracemalloc

    from django.db import transaction
    from django.db.models import F

    from catalog.models import Product
    from integrations.bigcommerce.api.pacing_backends import default_pacer
    from integrations.bigcommerce.products import export as exporter
    from integrations.models import BigCommerceConnection, ProductLink, SyncRun

    tasks_one_after_another()
    connection = BigCommerceConnection.objects.select_related("merchant").get(pk=args.connection)
    default_pacer().backend.reset(connection.store_hash)  # what the filler's fast quota taught it
    if args.update:
        linked = ProductLink.objects.filter(connection=connection).order_by("product_id")
        ids = list(linked.values_list("product_id", flat=True)[: args.update])
        Product.objects.filter(pk__in=ids).update(description=F("name"), revision=F("revision") + 1)
    if args.tracemalloc:
        tracemalloc.start()
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    if args.update:
        exporter.export_kick(connection=connection)  # the task a change enqueues (inline here)
    else:
        with transaction.atomic():
            exporter.export_initial_start(connection=connection)
    elapsed = time.monotonic() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    traced = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
    links = ProductLink.objects.filter(connection=connection)
    run = SyncRun.objects.filter(connection=connection).order_by("-id").first()
    return {
        "seconds": round(elapsed, 2),
        "rss_before_kb": baseline_kb,
        "rss_peak_kb": peak_kb,
        "traced_peak_kb": traced // 1024 if traced is not None else None,
        "synced": links.filter(state="synced").count(),
        "failed": links.filter(state="failed").count(),
        "dirty_left": exporter.dirty_links(connection=connection).count(),
        "run": {"status": run.status, "done": run.done, "failed": run.failed, "total": run.total} if run else None,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fill")
    f.add_argument("--products", type=int, required=True)
    f.add_argument("--images", type=int, default=0)
    e = sub.add_parser("export")
    e.add_argument("--connection", type=int, required=True)
    e.add_argument("--update", type=int, default=0)
    e.add_argument("--tracemalloc", action="store_true")
    e.add_argument("--profile", help="write a cProfile of the export to this file")
    args = parser.parse_args(argv)
    _setup()
    if getattr(args, "profile", None):
        import cProfile

        with cProfile.Profile() as profile:
            result = export(args)
        profile.dump_stats(args.profile)
    else:
        result = fill(args) if args.command == "fill" else export(args)
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
