"""The lists in-process (no server): a page decodes the records it answers, not the store's.

Inventory items and v2 orders used to decode every record of the store to answer one page, and a
product list every variant's level; they now decide the page on light fields read in SQLite and
decode the page's records only (a product list still decodes every product, its filters read them,
but no longer reads the levels of every product's variants)."""

from __future__ import annotations

import contextlib
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
    status, answer = app.call("GET", path, query)
    return status, json.loads(answer) if answer else None


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


# A product list with include=variants splices each variant's answer made when it was written
# (records.answer) instead of decoding and encoding every variant of the page again.
VARIANTS = "/v3/catalog/products"


def _shop(app) -> dict[str, int]:
    """Products tracked by variant, by product (a base variant) and by product with option variants,
    with prices, sale prices and weights of their own or their product's; their ids by name."""
    with app.db.tx():
        for n, tracking in enumerate(("variant", "product", "product", "none")):
            body = {
                "name": f"Chemise été {n}",
                "type": "physical",
                "weight": 1.5 + n,
                "price": 25 + n / 7,
                "sale_price": 19.99 if n == 2 else 0,
                "sku": f"CH{n}",
                "inventory_tracking": tracking,
                "inventory_level": 4 + n,
                "description": "<p>“Quoted” ünïcode</p>",
            }
            if n != 1:
                body["variants"] = [
                    {
                        "sku": f"CH{n}-{size}",
                        "inventory_level": 10 + i,
                        "price": 30.5 if i == 1 else None,
                        "weight": 2.25 if i == 2 else None,
                        "sale_price": 9.5 if i == 0 else None,
                        "option_values": [{"option_display_name": "Taille", "label": size}],
                    }
                    for i, size in enumerate(("S", "M", "L"))
                ]
            product_create(app, STORE, body)
    variants = app.db.find(STORE, "variant", parent_id=1)
    option = app.db.find(STORE, "option", parent_id=1)[0]
    return {"option": option["id"], "value": option["option_values"][0]["id"], "variant": variants[0]["id"]}


def _plain(app, query: str) -> bytes:
    """The answer through the decoding path (each variant decoded, answered and encoded in the list)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sandbox.api.products.variant_answers", lambda *args, **kwargs: None)
        status, answer = app.call("GET", VARIANTS, query)
    assert status in (200, 400, 422), answer
    return answer


LIST_QUERIES = (
    "include=variants&limit=250",
    "include=variants&limit=2&page=2",
    "include=variants,images,options,videos,custom_fields,channels,modifiers,primary_image",
    "include=variants&sort=price&direction=desc",
    "include=variants&sort=inventory_level",
    "include=variants&inventory_level:min=12",
    "include=variants&include_fields=name,price",
    "include=variants&exclude_fields=variants",
    "include=variants&exclude_fields=name,sku",
    "include=variants&id:in=1,3,99",
    "include=variants&name=Chemise+%C3%A9t%C3%A9+2",
    "include=variants&sku=CH3&keyword=chemise",
    "include=variants&page=9",
    "include=variants&limit=abc",
    "include=variants&sort=nope",
)


def _read(app, monkeypatch, query: str) -> tuple[int, bytes, dict]:
    with _decoded(monkeypatch) as counts:
        status, answer = app.call("GET", VARIANTS, query)
    return status, answer, counts


def _without_variants(query: str) -> str:
    return query.replace("include=variants,", "include=").replace("include=variants", "include=")


@pytest.mark.parametrize("query", LIST_QUERIES)
def test_a_list_of_products_with_their_variants_answers_the_bytes_of_decoding_them(app, monkeypatch, query):
    _shop(app)
    status, answer, counts = _read(app, monkeypatch, query)
    assert answer == _plain(app, query)
    # No variant decoded (9 in the store), and one more statement: their answers.
    _, _, alone = _read(app, monkeypatch, _without_variants(query))
    assert counts == {"records": alone["records"], "statements": alone["statements"] + (status == 200)}


def _read_back(app, monkeypatch) -> bytes:
    query = "include=variants&limit=250"
    status, answer, counts = _read(app, monkeypatch, query)
    assert status == 200 and answer == _plain(app, query)
    # No variant decoded: every answer was made by the write.
    assert counts == {**_read(app, monkeypatch, "limit=250")[2], "statements": counts["statements"]}, counts
    return answer


V = VARIANTS + "/1/variants"
WRITES = {
    "product create": [("POST", VARIANTS, {"name": "Neuf", "type": "physical", "weight": 1, "price": 3})],
    # Each field its variants' answers show, alone.
    "product price": [("PUT", VARIANTS + "/1", {"price": 31.5})],
    "product sale price": [("PUT", VARIANTS + "/1", {"sale_price": 29})],
    "product weight": [("PUT", VARIANTS + "/1", {"weight": 4})],
    "product SKU (its base variant's)": [("PUT", VARIANTS + "/2", {"sku": "CH1-NEW"})],
    "product level (its base variant's)": [("PUT", VARIANTS + "/2", {"inventory_level": 77})],
    "product tracking": [("PUT", VARIANTS + "/2", {"inventory_tracking": "variant"})],
    "products batch update": [("PUT", VARIANTS, [{"id": 3, "price": 40}])],
    "product delete": [("DELETE", VARIANTS + "/1", None)],
    "variant create": [
        ("POST", VARIANTS + "/1/options/{option}/values", {"label": "XL"}),
        ("POST", V, {"sku": "CH0-XL", "price": 7, "option_values": [{"option_display_name": "Taille", "label": "XL"}]}),
    ],
    "variant update": [("PUT", V + "/{variant}", {"price": 12.5, "sale_price": 11, "inventory_level": 3})],
    "variants batch update": [("PUT", "/v3/catalog/variants", [{"id": "{variant}", "weight": 8}])],
    "variant delete": [("DELETE", V + "/{variant}", None)],
    "option value rename": [("PUT", VARIANTS + "/1/options/{option}/values/{value}", {"label": "Petit"})],
    "absolute adjustment": [
        (
            "PUT",
            "/v3/inventory/adjustments/absolute",
            {"reason": "t", "items": [{"location_id": 1, "variant_id": "{variant}", "quantity": 42}]},
        )
    ],
    "relative adjustment": [
        (
            "POST",
            "/v3/inventory/adjustments/relative",
            {"reason": "t", "items": [{"location_id": 1, "product_id": 2, "quantity": -2}]},
        )
    ],
    "location settings": [
        (
            "PUT",
            "/v3/inventory/locations/1/items",
            {"settings": [{"identity": {"variant_id": "{variant}"}, "warning_level": 4, "bin_picking_number": "B4"}]},
        )
    ],
    "order placed": [
        (
            "POST",
            "/v2/orders",
            {
                "status_id": 11,
                "billing_address": {"first_name": "Ada", "last_name": "Shopper", "email": "ada@shop.test"},
                "products": [{"product_id": 1, "variant_id": "{variant}", "quantity": 2}],
            },
        )
    ],
}


def _filled(value, ids: dict[str, int]):
    """The write's body and path with the shop's ids in place of "{name}"."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _filled(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, ids) for v in value]
    return value


@pytest.mark.parametrize("write", WRITES)
def test_a_list_read_after_a_write_shows_it_from_the_answers_the_write_made(app, monkeypatch, write):
    ids = _shop(app)
    before = _read_back(app, monkeypatch)
    for method, path, body in WRITES[write]:
        status, answer = app.call(method, path.format(**ids), body=_filled(body, ids))
        assert status in (200, 201, 204), answer
    assert _read_back(app, monkeypatch) != before


def test_a_file_written_before_the_answers_answers_the_same_and_a_write_makes_them(app, monkeypatch):
    _shop(app)
    query = "include=variants&limit=250"
    made = app.call("GET", VARIANTS, query)[1]
    for column in ("answer", "answer_basis"):
        app.db.conn.execute(f"ALTER TABLE records DROP COLUMN {column}")
    Database(app.db.path).conn.close()  # opened by this code: the columns come back, empty
    alone = _read(app, monkeypatch, "limit=250")[2]["records"]
    _, answer, counts = _read(app, monkeypatch, query)
    assert answer == made and counts["records"] == alone + 10, counts  # every variant decoded on the way
    status, _ = app.call("PUT", VARIANTS + "/1", body={"is_visible": True})  # its variants' answers made
    assert status == 200
    _, answer, counts = _read(app, monkeypatch, query)
    assert answer == made and counts["records"] == alone + 7, counts  # the other products' variants
