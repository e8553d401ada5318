"""GET /v3/inventory/items and /v3/inventory/locations/{id}/items, in-process: the list decides its
page on ids read from an index and reads a variant's SKU and option values for the page only (or when
a filter or a product tracked by product needs them); its answers are those of the plain way, every
product and variant decoded, byte for byte, over filters, pages and locations, and after every kind
of write that changes what an item shows."""

from __future__ import annotations

import json

import pytest

from sandbox.api import inventory
from sandbox.model.levels import level
from sandbox.model.stock import settings_at
from sandbox.tests.test_locations import ADDRESS

STORE = "invreads"
ITEMS = "/v3/inventory/items"
ABSOLUTE = "/v3/inventory/adjustments/absolute"
RELATIVE = "/v3/inventory/adjustments/relative"
LOCATIONS = "/v3/inventory/locations"
PRODUCTS = "/v3/catalog/products"
# name: (tracking, product SKU, variants' SKUs: none for a product without options)
SHOP = {
    "chemise": ("variant", "CH", ("CH-S", "CH-M", "ch-l")),
    "bol": ("product", "BOL", ()),
    "pull": ("product", "PULL", ("PULL-S", "Pull-M", "PULL-L")),
    "carte": ("none", "CARTE", ()),
    "tasse": ("none", "TASSE", ("TASSE-R", "TASSE-V")),
    "écharpe": ("variant", "ÉCH", ("ÉCH-1", "éch-2")),
    "sac": ("variant", "SAC", ()),
}


def _ok(app, method: str, path: str, body=None, query: str = "") -> None:
    status, answer = app.call(method, path, query, body)
    assert status in (200, 201, 204), answer


def _shop(app) -> dict:
    """Products tracked by variant, by product and not, with and without option variants, levels and
    settings at three locations (the third disabled); the ids by name (variants: a list)."""
    ids: dict = {}
    for name, (tracking, sku, skus) in SHOP.items():
        body = {
            "name": name.title(),
            "type": "physical",
            "weight": 1,
            "price": 10,
            "sku": sku,
            "inventory_tracking": tracking,
            "inventory_level": 4 if tracking == "product" else 0,
        }
        if skus:
            body["variants"] = [
                {"sku": s, "inventory_level": 10 + i, "option_values": [{"option_display_name": "Taille", "label": s}]}
                for i, s in enumerate(skus)
            ]
        status, answer = app.call("POST", PRODUCTS, body=body)
        assert status == 200, answer
        product = json.loads(answer)["data"]
        ids[name] = product["id"]
        variants = app.db.find(STORE, "variant", parent_id=product["id"])
        ids[name + "_v"] = [v["id"] for v in variants]
    ids["taille"] = app.db.find(STORE, "option", parent_id=ids["chemise"])[0]["id"]  # the chemise's option
    shop_2 = {"code": "SHOP-2", "label": "Lyon", "type_id": "PHYSICAL", "time_zone": "Europe/Paris", "address": ADDRESS}
    _ok(app, "POST", LOCATIONS, [shop_2, {**shop_2, "code": "DEPOT", "label": "Dépôt"}])
    items = [
        {"location_id": 2, "variant_id": ids["chemise_v"][0], "quantity": 7},
        {"location_id": 2, "product_id": ids["bol"], "quantity": 3},
        {"location_id": 2, "product_id": ids["pull"], "quantity": 5},
        {"location_id": 3, "variant_id": ids["écharpe_v"][1], "quantity": 2},
    ]
    _ok(app, "PUT", ABSOLUTE, {"reason": "t", "items": items})
    settings = [
        {"identity": {"variant_id": ids["chemise_v"][0]}, "safety_stock": 2, "warning_level": 1},
        {"identity": {"product_id": ids["bol"]}, "is_in_stock": False, "bin_picking_number": "B-2"},
    ]
    _ok(app, "PUT", LOCATIONS + "/2/items", {"settings": settings})
    _ok(app, "PUT", LOCATIONS + "/1/items", {"settings": [{"identity": {"sku": "PULL"}, "warning_level": 3}]})
    _ok(app, "PUT", LOCATIONS, [{"id": 3, "enabled": False}])
    return ids


def _decoding_refs(req) -> list[tuple[dict, dict]]:
    """(identity, holder) of every item the filters keep, the plain way: every product and variant
    decoded, as the list read them before it read light records."""
    db, q = req.app.db, req.query
    product_ids = set(req.query_ints("product_id:in")) if q.get("product_id:in") else None
    variant_ids = set(req.query_ints("variant_id:in")) if q.get("variant_id:in") else None
    skus = {s.lower() for s in req.query_list("sku:in")}
    refs = []
    for product in db.find(req.store_hash, "product"):
        if product_ids is not None and product["id"] not in product_ids:
            continue
        variants = db.find(req.store_hash, "variant", parent_id=product["id"])
        for variant in variants:
            by_variant = product["inventory_tracking"] == "variant"
            sku = variant["sku"] if variant["option_values"] else product["sku"]
            if variant_ids is not None and variant["id"] not in variant_ids:
                continue
            if q.get("sku:in") and (sku or "").lower() not in skus:
                continue
            identity = {
                "sku": sku,
                "variant_id": variant["id"],
                "product_id": product["id"],
                "sku_id": variant["sku_id"],
            }
            if not by_variant and variant["option_values"]:
                if variant is not variants[0]:
                    continue
                identity = {"sku": product["sku"], "product_id": product["id"], "sku_id": None}
            refs.append((identity, variant if by_variant else product))
    return refs


def _decoding_items(req, refs: list[tuple[dict, dict]], locations: list[dict]) -> list[dict]:
    """The items of these refs, written out here as `inventory._items` writes them: the reference
    shares no code with the list it checks."""

    def at(holder: dict, location_id: int) -> dict:
        settings, onhand = settings_at(holder, location_id), level(holder, location_id)
        return {
            "available_to_sell": max(0, onhand - settings["safety_stock"]),
            "total_inventory_onhand": onhand,
            "settings": settings,
        }

    return [
        {
            "identity": identity,
            "locations": [
                {
                    "location_id": loc["id"],
                    "location_code": loc["code"],
                    "location_name": loc["label"],
                    "location_enabled": loc["enabled"],
                    **at(holder, loc["id"]),
                }
                for loc in locations
            ],
        }
        for identity, holder in refs
    ]


def _plain(app, path: str, query: str) -> tuple[int, bytes]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inventory, "_item_refs", _decoding_refs)
        patch.setattr(inventory, "_items", _decoding_items)
        return app.call("GET", path, query)


LOCATION_2 = LOCATIONS + "/2/items"
READS = (
    (ITEMS, ""),
    (ITEMS, "limit=250"),
    (ITEMS, "limit=2&page=3"),
    (ITEMS, "limit=4&page=2"),
    (ITEMS, "limit=3&page=99"),
    (ITEMS, "limit=abc"),
    (ITEMS, "product_id:in={pull},{tasse},{chemise},99"),
    (ITEMS, "variant_id:in={chemise_v[1]},{pull_v[0]},{pull_v[1]},{tasse_v[1]},{bol_v[0]},{sac_v[0]},999"),
    (ITEMS, "variant_id:in={chemise_v[2]},{écharpe_v[0]}&product_id:in={chemise}"),
    (ITEMS, "variant_id:in=abc"),
    (ITEMS, "sku:in=CH-S,pull-s,bol,%C3%89CH-2,SAC,CARTE"),
    (ITEMS, "sku:in=PULL,TASSE,Pull-M"),
    (ITEMS, "sku:in=,"),
    (ITEMS, "sku:in=CH-S,CH-M&limit=1&page=2"),
    (ITEMS, "sku:in=CH-M&variant_id:in={chemise_v[1]},{chemise_v[0]}&product_id:in={chemise},{bol}"),
    (ITEMS, "location_id:in=2,3"),
    (ITEMS, "location_code:in=DEPOT&limit=3"),
    (ITEMS, "is_active=false"),
    (ITEMS, "is_active=maybe"),
    (LOCATION_2, ""),
    (LOCATION_2, "limit=3&page=2"),
    (LOCATION_2, "sku:in=ch-s,PULL-S&product_id:in={chemise},{pull}"),
    (LOCATIONS + "/3/items", "variant_id:in={écharpe_v[1]},{pull_v[0]}"),
    (LOCATIONS + "/1/items", "limit=250"),
    (LOCATIONS + "/99/items", ""),
)


@pytest.mark.parametrize(("path", "query"), READS)
def test_the_items_answer_the_bytes_of_decoding_every_product_and_variant(app, path, query):
    ids = _shop(app)
    query = query.format(**ids)
    status, answer = app.call("GET", path, query)
    assert (status, answer) == _plain(app, path, query)
    assert status in (200, 400, 404), answer


def test_the_shop_shows_every_kind_of_item(app):
    ids = _shop(app)
    items = json.loads(app.call("GET", ITEMS, "limit=250")[1])["data"]
    identities = [(i["identity"].get("variant_id"), i["identity"]["sku"]) for i in items]
    # Tracked by variant: each variant; by product or not tracked: the product (its base variant
    # when it has no options, else no variant_id).
    assert identities == [
        *zip(ids["chemise_v"], SHOP["chemise"][2], strict=True),
        (ids["bol_v"][0], "BOL"),
        (None, "PULL"),
        (ids["carte_v"][0], "CARTE"),
        (None, "TASSE"),
        *zip(ids["écharpe_v"], SHOP["écharpe"][2], strict=True),
        (ids["sac_v"][0], "SAC"),
    ]
    assert [loc["location_id"] for loc in items[0]["locations"]] == [1, 2, 3]


V = PRODUCTS + "/{chemise}/variants"
WRITES = {
    "absolute adjustment, a variant at location 2": [
        ("PUT", ABSOLUTE, {"reason": "t", "items": [{"location_id": 2, "variant_id": "{chemise_v[1]}", "quantity": 9}]})
    ],
    "absolute adjustment, a product at location 1": [
        ("PUT", ABSOLUTE, {"reason": "t", "items": [{"location_id": 1, "product_id": "{pull}", "quantity": 8}]})
    ],
    "relative adjustment": [
        ("POST", RELATIVE, {"reason": "t", "items": [{"location_id": 2, "product_id": "{bol}", "quantity": -2}]})
    ],
    "safety stock at location 2": [
        ("PUT", LOCATION_2, {"settings": [{"identity": {"variant_id": "{chemise_v[2]}"}, "safety_stock": 1}]})
    ],
    "warning level at location 1": [
        ("PUT", LOCATIONS + "/1/items", {"settings": [{"identity": {"sku": "BOL"}, "warning_level": 2}]})
    ],
    "product SKU": [("PUT", PRODUCTS + "/{pull}", {"sku": "PULL-NEUF"})],
    "product tracking": [("PUT", PRODUCTS + "/{chemise}", {"inventory_tracking": "product"})],
    "product level": [("PUT", PRODUCTS + "/{bol}", {"inventory_level": 40})],
    "product create": [("POST", PRODUCTS, {"name": "Neuf", "type": "physical", "weight": 1, "price": 3, "sku": "N"})],
    "product delete": [("DELETE", PRODUCTS + "/{tasse}", None)],
    "variant SKU": [("PUT", V + "/{chemise_v[0]}", {"sku": "CH-XS"})],
    "variant level": [("PUT", V + "/{chemise_v[0]}", {"inventory_level": 0})],
    "variants batch update": [("PUT", "/v3/catalog/variants", [{"id": "{écharpe_v[0]}", "sku": "ÉCH-ZÉRO"}])],
    "variant create": [
        ("POST", PRODUCTS + "/{chemise}/options/{taille}/values", {"label": "XL"}),
        ("POST", V, {"sku": "CH-XL", "option_values": [{"option_display_name": "Taille", "label": "XL"}]}),
    ],
    "variant delete": [("DELETE", V + "/{chemise_v[1]}", None)],
    "order placed": [
        (
            "POST",
            "/v2/orders",
            {
                "status_id": 11,
                "billing_address": {"first_name": "Ada", "last_name": "Shopper", "email": "ada@shop.test"},
                "products": [{"product_id": "{chemise}", "variant_id": "{chemise_v[2]}", "quantity": 2}],
            },
        )
    ],
    "location renamed": [("PUT", LOCATIONS, [{"id": 2, "label": "Lyon 2", "code": "SHOP-LYON"}])],
    "location enabled": [("PUT", LOCATIONS, [{"id": 3, "enabled": True}])],
    "location created": [
        (
            "POST",
            LOCATIONS,
            [{"code": "SHOP-4", "label": "Nantes", "type_id": "PHYSICAL", "time_zone": "UTC", "address": ADDRESS}],
        )
    ],
    "location deleted": [("DELETE", LOCATIONS, None, "location_id:in=3")],
}


def _filled(value, ids: dict):
    """The write's body with the shop's ids in place of "{name}" / "{name[i]}"."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return int(value.format(**ids))
    if isinstance(value, dict):
        return {k: _filled(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, ids) for v in value]
    return value


def _read_back(app) -> list[bytes]:
    answers = []
    for path, query in ((ITEMS, "limit=250"), (LOCATION_2, "limit=250"), (ITEMS, "limit=3&page=2")):
        status, answer = app.call("GET", path, query)
        assert status == 200 and (status, answer) == _plain(app, path, query)
        answers.append(answer)
    return answers


@pytest.mark.parametrize("write", WRITES)
def test_a_read_after_a_write_shows_it(app, write):
    ids = _shop(app)
    before = _read_back(app)
    for method, path, body, *query in WRITES[write]:
        _ok(app, method, path.format(**ids), _filled(body, ids), *query)
    assert _read_back(app)[:2] != before[:2]
