"""The lists in-process (no server): a page decodes the records it answers, not the store's.

Inventory items and v2 orders used to decode every record of the store to answer one page, and a
product list every variant's level; they now decide the page on light fields read in SQLite and
decode the page's records only (a product list still decodes every product, its filters read them,
but no longer reads the levels of every product's variants)."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from sandbox import storage
from sandbox.model.orders import order_create
from sandbox.model.products import product_create
from sandbox.storage import Database

STORE = "listreads"


def _fill(app, start: int, stop: int) -> None:
    with app.db.tx():
        for n in range(start, stop):
            body = {
                "name": f"Shirt {n}",
                "type": "physical",
                "weight": 1,
                "price": 25,
                "sku": f"SH{n}",
                "inventory_tracking": "variant",
                "variants": [
                    {
                        "sku": f"SH{n}-{s}",
                        "inventory_level": 10,
                        "option_values": [{"option_display_name": "Size", "label": s}],
                    }
                    for s in ("S", "M", "L")
                ],
            }
            product = product_create(app, STORE, body)
            first = app.db.find(STORE, "variant", parent_id=product["id"])[0]
            order = {"status_id": 11, "billing_address": {"first_name": "Ada", "email": f"ada{n}@shop.test"}}
            order_create(app, STORE, {**order, "products": [{"variant_id": first["id"], "quantity": 1}]})


def _get(app, path: str, query: str) -> tuple[int, object]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/stores/{STORE}{path}",
        "QUERY_STRING": query,
        "HTTP_X_AUTH_TOKEN": app.token,
        "wsgi.input": io.BytesIO(b""),
    }
    status = []
    answer = b"".join(app(environ, lambda line, headers: status.append(int(line.split()[0]))))
    return status[0], json.loads(answer) if answer else None


@contextlib.contextmanager
def _decoded(monkeypatch):
    """How many whole records (JSON objects) storage decodes, and how many statements it runs."""
    counts = {"records": 0, "statements": 0}
    loads, execute = storage.json.loads, Database.execute

    def counting_loads(text, *args, **kwargs):
        if isinstance(text, str) and text.startswith("{"):
            counts["records"] += 1
        return loads(text, *args, **kwargs)

    def counting_execute(self, sql, params=()):
        counts["statements"] += 1
        return execute(self, sql, params)

    monkeypatch.setattr(storage.json, "loads", counting_loads)
    monkeypatch.setattr(Database, "execute", counting_execute)
    try:
        yield counts
    finally:
        monkeypatch.undo()


PAGES = [
    ("/v3/catalog/products", "include=variants&limit=2&page=2"),
    ("/v3/inventory/items", "limit=5&page=2"),
    ("/v3/inventory/locations/1/items", "limit=5&page=2"),
    ("/v2/orders", "limit=3&page=2"),
    ("/v2/orders", "limit=3&sort=date_modified:asc&min_date_modified=Thu%2C+01+Jan+2015+00%3A00%3A00+%2B0000"),
]


@pytest.mark.parametrize(("path", "query"), PAGES)
def test_a_page_decodes_as_many_records_of_a_store_of_60_products_as_of_one_of_6(app, monkeypatch, path, query):
    _fill(app, 0, 6)
    with _decoded(monkeypatch) as small:
        status, answer = _get(app, path, query)
    assert status == 200, answer
    _fill(app, 6, 60)
    with _decoded(monkeypatch) as large:
        assert _get(app, path, query)[0] == 200
    # Before: every product, variant or order of the store (60 products: 240 records, 60 orders).
    grows = 54 if path == "/v3/catalog/products" else 0  # the products its filters read, no variant
    assert large == {**small, "records": small["records"] + grows}, (small, large)
    assert small["records"] < 30, small


def test_sorting_and_filtering_by_inventory_level_still_read_every_products_level(app):
    _fill(app, 0, 4)
    with app.db.tx():
        variant = app.db.find(STORE, "variant", parent_id=3)[0]
        variant["_stock"]["1"] = 500
        app.db.put(STORE, "variant", variant, parent_id=3)
    status, answer = _get(app, "/v3/catalog/products", "sort=inventory_level&direction=desc&limit=1")
    assert status == 200 and [p["id"] for p in answer["data"]] == [3], answer
    assert answer["data"][0]["inventory_level"] == 500 + 10 + 10, answer  # the first variant's order took 1
    status, answer = _get(app, "/v3/catalog/products", "inventory_level:min=100&limit=5")
    assert [p["id"] for p in answer["data"]] == [3] and answer["meta"]["pagination"]["total"] == 1, answer
