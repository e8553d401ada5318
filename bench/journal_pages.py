"""Queries and time per sync-journal page with 100 and 100,000 journal entries.

Runs in a throwaway test database. The query count must be the same at both sizes (indexes and
no N+1); the time is the figure to watch at 100,000 (a year of a busy store's journal).
"""

import os

from bench._pages import measure, signed_in_merchant, throwaway_database
from bench._rows import Row, shown

SIZES = (10, 1_000) if os.environ.get("BENCH_TINY") == "1" else (100, 100_000)
BATCH = 5000


def _fill(merchant, connection, start, count):
    from integrations.models import SyncEvent

    statuses = ("ok", "ok", "ok", "failed")
    kinds = ("product_export", "webhook", "product_import", "error")
    for first in range(start, start + count, BATCH):
        rows = [
            SyncEvent(
                merchant=merchant,
                connection=connection,
                kind=kinds[i % 4],
                status=statuses[i % 4],
                direction="to_bigcommerce",
                message=f"Product {i} sent",
                message_i18n={"en": f"Product {i} sent", "fr": f"Produit {i} envoyé"},
                product_id=i,
                product_name=f"Product {i:06}",
                sku=f"SKU-{i}",
                detail={"request": {"name": f"Product {i}"}},
            )
            for i in range(first, min(first + BATCH, start + count))
        ]
        SyncEvent.objects.bulk_create(rows)
    return SyncEvent.objects.filter(merchant=merchant).order_by("-id").first()


def main() -> dict:
    figures = {}
    with throwaway_database():
        merchant, bc, client = signed_in_merchant()
        journal = "/integrations/bigcommerce/journal/"
        results = {}
        filled = 0
        for size in SIZES:
            newest = _fill(merchant, bc, filled, size - filled)
            filled = size
            pages = {
                "journal, first page": journal,
                "journal, failed only": f"{journal}?status=failed",
                "journal, page 2": f"{journal}?page=2",
                "journal, SKU search": f"{journal}?q=SKU-7",
                "journal entry": f"{journal}{newest.pk}/",
                "overview": "/integrations/bigcommerce/",
            }
            results[size] = {name: measure(client, url, repeat=3) for name, url in pages.items()}
        small, large = results[SIZES[0]], results[SIZES[1]]
        print(f"   {'page':<24} {'queries@100':>11} {'queries@100k':>13} {'ms@100':>8} {'ms@100k':>9}  constant?")
        for name in small:
            same = "same" if small[name][0] == large[name][0] else "GROWS"
            print(
                f"   {name:<24} {small[name][0]:>11} {large[name][0]:>13} "
                f"{small[name][1]:>8.1f} {large[name][1]:>9.1f}  {same}"
            )
            figures[name] = {
                "queries_100": small[name][0],
                "queries_100k": large[name][0],
                "ms_100": small[name][1],
                "ms_100k": large[name][1],
            }
    return figures


def summary(figures: dict) -> list[Row]:
    small, large = f"{SIZES[0]:,}", f"{SIZES[1]:,}"
    pages = {name: f for name, f in figures.items() if isinstance(f, dict)}
    grows = [name for name, f in pages.items() if f.get("queries_100") != f.get("queries_100k")]
    first = pages.get("journal, first page", {}).get("ms_100k")
    return [
        (
            f"journal page queries, {small} vs {large} entries",
            "the same",
            (f"grow: {', '.join(grows)}" if grows else "the same") if pages else "–",
            not grows if pages else None,
        ),
        (f"journal first page at {large} entries", "–", shown(first, " ms", spec=".0f"), None),
    ]
