"""The sandbox's answers checked against BigCommerce's own OpenAPI files (bigcommerce/docs
`reference/`), read where they are and never copied here. Without a copy of that repository
on the machine these tests skip and say so; test_spec_values.py and the other plain tests
keep the same rules without the files."""

from __future__ import annotations

import json

import pytest

from sandbox.tests import contract
from sandbox.tests.test_media import PNG
from sandbox.tests.test_orders import BILLING

pytestmark = pytest.mark.contract

PRODUCTS = "reference/catalog/products_catalog.v3.yml"
VARIANTS = "reference/catalog/product-variants_catalog.v3.yml"
OPTIONS = "reference/catalog/product-variant-options_catalog.v3.yml"
TREES = "reference/catalog/category-trees_catalog.v3.yml"
# products_catalog.v3.yml types base_variant_id as an integer, and its description says:
# "This value is `null` for complex products."
COMPLEX_BASE = ("base_variant_id",)
# inventory.v3.yml types identity.sku_id as an integer, and says: "`null` if the item is a base variant."
BASE_SKU = ("sku_id",)


@pytest.fixture(scope="module", autouse=True)
def specs():
    try:
        contract.docs_location()
        contract.openapi(PRODUCTS)
    except contract.SpecsMissing as exc:
        pytest.skip(str(exc))
    except ImportError as exc:  # openapi-core not installed
        pytest.skip(f"openapi-core is needed for the contract tests: {exc}")


def check(spec, response, **kw):
    found = contract.violations(spec, response, **kw)
    assert not found, f"{response.request.method} {response.request.url} answers {response.status_code} " + (
        "against " + spec + ":\n  " + "\n  ".join(found) + "\n" + contract.pretty(response)
    )


@pytest.fixture
def catalog(api, receiver):
    receiver.files["/p.png"] = (PNG, "image/png")
    simple = api.create_product(
        name="Simple",
        sku="SIM",
        inventory_tracking="product",
        inventory_level=3,
        custom_fields=[{"name": "Glaze", "value": "matte"}],
        images=[{"image_url": receiver.url + "/p.png", "is_thumbnail": True}],
        videos=[{"video_id": "dQw4w9WgXcQ", "type": "youtube"}],
    )
    sized = api.create_product(
        name="Taillé",
        sku="TAI",
        inventory_tracking="variant",
        variants=[
            {"sku": "TAI-S", "inventory_level": 2, "option_values": [{"option_display_name": "T", "label": "S"}]},
            {"sku": "TAI-M", "cost_price": 4, "option_values": [{"option_display_name": "T", "label": "M"}]},
        ],
    )
    return simple, sized


def test_products(api, catalog):
    simple, sized = catalog
    every = "variants,images,custom_fields,videos,options,primary_image"
    check(PRODUCTS, api.get(f"/v3/catalog/products?include={every}"), documented=COMPLEX_BASE)
    check(PRODUCTS, api.get(f"/v3/catalog/products/{simple['id']}?include={every}"))
    check(PRODUCTS, api.get(f"/v3/catalog/products/{sized['id']}"), documented=COMPLEX_BASE)
    check(PRODUCTS, api.put(f"/v3/catalog/products/{simple['id']}", json={"price": 3, "is_visible": False}))
    check(PRODUCTS, api.put("/v3/catalog/products", json=[{"id": simple["id"], "price": 4}]))
    check(PRODUCTS, api.get(f"/v3/catalog/products/{simple['id']}/images"))
    check(PRODUCTS, api.get(f"/v3/catalog/products/{simple['id']}/custom-fields"))
    check(PRODUCTS, api.get(f"/v3/catalog/products/{simple['id']}/videos"))


def test_product_create_and_partial_success(sandbox, api):
    body = {"name": "Neuf", "type": "physical", "weight": 1, "price": 2, "inventory_level": 2}
    check(PRODUCTS, api.post("/v3/catalog/products", json=body))
    sandbox.set_faults(api.store_hash, [{"kind": "partial_success", "path": "/v3/catalog/products", "count": 1}])
    partial = api.post("/v3/catalog/products", json={**body, "name": "Partiel"})
    assert partial.status_code == 207
    check(PRODUCTS, partial)


def test_product_errors(api, catalog):
    simple, _ = catalog
    check(PRODUCTS, api.post("/v3/catalog/products", json={"name": "x"}))  # 422
    check(
        PRODUCTS, api.post("/v3/catalog/products", json={"name": "Simple", "type": "physical", "weight": 1, "price": 1})
    )
    check(PRODUCTS, api.get("/v3/catalog/products/999999"))  # 404
    check(PRODUCTS, api.put("/v3/catalog/products", json=[{"id": simple["id"]}] * 11))  # 413


def test_variants_and_options(api, catalog):
    simple, sized = catalog
    check(VARIANTS, api.get(f"/v3/catalog/products/{sized['id']}/variants"))
    check(VARIANTS, api.get(f"/v3/catalog/products/{sized['id']}/variants/{sized['variants'][0]['id']}"))
    check(VARIANTS, api.get("/v3/catalog/variants"))
    check(VARIANTS, api.put("/v3/catalog/variants", json=[{"id": sized["variants"][0]["id"], "price": 9}]))
    check(OPTIONS, api.get(f"/v3/catalog/products/{sized['id']}/options"))


def test_inventory_and_locations(api, catalog):
    simple, sized = catalog
    check("reference/inventory.v3.yml", api.get("/v3/inventory/items"), documented=BASE_SKU)
    check("reference/inventory.v3.yml", api.get("/v3/inventory/locations/1/items"), documented=BASE_SKU)
    item = {"location_id": 1, "product_id": simple["id"], "quantity": 2}
    check("reference/inventory.v3.yml", api.put("/v3/inventory/adjustments/absolute", json={"items": [item]}))
    check("reference/inventory.v3.yml", api.post("/v3/inventory/adjustments/relative", json={"items": [item]}))
    too_far = {**item, "quantity": -999}
    check("reference/inventory.v3.yml", api.post("/v3/inventory/adjustments/relative", json={"items": [too_far]}))
    api.post("/v3/inventory/locations", json=[{"code": "SHOP-2", "label": "Shop 2"}])
    check("reference/locations.v3.yml", api.get("/v3/inventory/locations"))


def test_locations_settings_and_pickup_methods(api, catalog):
    """Every answer of the locations operations, the per-location settings and pickup methods,
    successes and refusals, as the files document them."""
    from sandbox.tests.test_locations import ADDRESS

    simple, _ = catalog
    locations = "reference/locations.v3.yml"
    inventory = "reference/inventory.v3.yml"
    new = {"code": "SHOP-2", "label": "Lyon", "type_id": "PHYSICAL", "time_zone": "Europe/Paris", "address": ADDRESS}
    check(locations, api.post("/v3/inventory/locations", json=[new]))
    check(locations, api.post("/v3/inventory/locations", json=[new]))  # 422: the code is taken
    check(locations, api.get("/v3/inventory/locations?is_default=false&managed_by_external_source=false"))
    [shop] = api.get("/v3/inventory/locations?location_code:in=SHOP-2").json()["data"]
    check(locations, api.put("/v3/inventory/locations", json=[{"id": shop["id"], "managed_by_external_source": True}]))
    check(locations, api.put("/v3/inventory/locations", json=[{"id": 77, "label": "Nowhere"}]))
    check(locations, api.delete("/v3/inventory/locations?location_id:in=1"))
    check(locations, api.delete("/v3/inventory/locations?location_id:in=77"))
    item = {"location_id": shop["id"], "product_id": simple["id"], "quantity": 4}
    check(inventory, api.put("/v3/inventory/adjustments/absolute", json={"items": [item]}))
    setting = {"settings": [{"identity": {"product_id": simple["id"]}, "safety_stock": 1, "bin_picking_number": "A"}]}
    check(inventory, api.put(f"/v3/inventory/locations/{shop['id']}/items", json=setting))
    check(inventory, api.put(f"/v3/inventory/locations/{shop['id']}/items", json={"settings": [{"identity": {}}]}))
    check(inventory, api.put("/v3/inventory/locations/77/items", json=setting))
    check(inventory, api.get(f"/v3/inventory/items?location_id:in={shop['id']}"), documented=BASE_SKU)
    check(inventory, api.get(f"/v3/inventory/locations/{shop['id']}/items"), documented=BASE_SKU)
    methods = "reference/pickup_methods.v3.yml"
    check(methods, api.post("/v3/pickup/methods", json=[{"location_id": shop["id"], "display_name": "Retrait"}]))
    check(methods, api.get("/v3/pickup/methods"))
    check(methods, api.delete("/v3/pickup/methods?id:in=2"))
    check(locations, api.delete(f"/v3/inventory/locations?location_id:in={shop['id']}"))


def test_channels_hooks_settings_and_trees(api, receiver):
    check(
        "reference/channels.v3.yml", api.post("/v3/channels", json={"name": "POS", "type": "pos", "platform": "custom"})
    )
    check("reference/channels.v3.yml", api.get("/v3/channels"))
    check(
        "reference/webhooks.v3.yml", api.post("/v3/hooks", json={"scope": "store/sku/*", "destination": receiver.url})
    )
    check("reference/webhooks.v3.yml", api.get("/v3/hooks"))
    check("reference/settings.v3.yml", api.get("/v3/settings/inventory"))
    check("reference/settings.v3.yml", api.put("/v3/settings/inventory", json={"refund_order_stock_adjustment": True}))
    check(TREES, api.get("/v3/catalog/trees"))


def test_store_information(api):
    check("reference/store_information.v2.yml", api.get("/v2/store"))


def test_refunds(api):
    product = api.create_product(name="Rbt", sku="RBT", price=10)
    order = api.post(
        "/v2/orders", json={"billing_address": BILLING, "products": [{"product_id": product["id"], "quantity": 2}]}
    ).json()
    line = api.get(f"/v2/orders/{order['id']}/products").json()[0]
    base = f"/v3/orders/{order['id']}/payment_actions"
    items = [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 1}]
    spec = "reference/orders.v3.yml"
    check(spec, api.post(base + "/refund_quotes", json={"items": items}))
    check(spec, api.post(base + "/refunds", json={"items": items}))  # 422: payments are required
    payments = [{"provider_id": "custom", "amount": 10, "offline": True}]
    check(spec, api.post(base + "/refunds", json={"items": items, "payments": payments}))
    order_item = [{"item_type": "ORDER", "item_id": order["id"], "amount": 2.5}]
    check(spec, api.post(base + "/refunds", json={"items": order_item, "payments": [{**payments[0], "amount": 2.5}]}))
    check(spec, api.get(base + "/refunds"))
    check(spec, api.get("/v3/orders/payment_actions/refunds"))


ORDERS_V2 = "reference/orders.v2.oas2.yml"


def _one_of_chosen(data, choose):
    """The orders file offers ``oneOf`` between alternatives that overlap (an order's
    ``consignments``: the link ``{url, resource}`` or the consignments object, neither with a
    required field; a consignment's ``line_items``: links or lines, where every line is also a
    valid link): openapi-core then takes any object for the link and checks nothing inside the
    consignments. Each answer is checked against the alternative its request asked for:
    ``choose`` picks it from the alternatives' ``$ref`` names."""

    def walk(node):
        if isinstance(node, dict):
            alternatives = node.get("oneOf")
            if isinstance(alternatives, list):
                refs = [json.dumps(a, sort_keys=True) for a in alternatives]
                picked = choose(refs)
                if picked is not None:
                    node.pop("oneOf")
                    node.update(alternatives[picked])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        return node

    return walk(data)


def _pick(*names):
    def choose(refs):
        for name in names:
            found = [n for n, ref in enumerate(refs) if f'/{name}"' in ref]
            if found and len(refs) == 2 and any("_Resource" in r for r in refs):
                return found[0]
        return None

    return choose


def with_lines(data):
    return _one_of_chosen(data, _pick("orderConsignment_Get", "orderProducts"))


def with_links(data):
    return _one_of_chosen(data, _pick("orderConsignment_Get", "products_Resource"))


def linked(data):
    return _one_of_chosen(data, _pick("orderConsignments_Resource"))


def test_orders_with_consignments(sandbox, api):
    sandbox.set_options(api.store_hash, include_line_items_max=2)
    mug = api.create_product(name="Mug", sku="MUG", price=12, inventory_tracking="product", inventory_level=50)
    ebook = api.create_product(name="Guide", sku="EBOOK", type="digital", price=5, weight=0)
    shipped = api.post(
        "/v2/orders",
        json={
            "billing_address": BILLING,
            "products": [{"product_id": mug["id"], "quantity": 2}, {"product_id": ebook["id"], "quantity": 1}]
            + [{"product_id": mug["id"], "quantity": 1}],
        },
    ).json()
    pickup = {
        "pickup_method_id": 1,
        "pickup_method_display_name": "Click & collect",
        "location": {"name": "Atelier", "code": "AT-1", "country_alpha2": "FR"},
        "line_items": [{"product_id": mug["id"], "quantity": 1}],
    }
    collected = sandbox.place_order(api.store_hash, {"billing_address": BILLING, "consignments": {"pickups": [pickup]}})
    lines = "include=consignments.line_items&consignment_structure=object"
    links = "include=consignments&consignment_structure=object"
    for order in (shipped, collected):
        check(ORDERS_V2, api.get(f"/v2/orders/{order['id']}?{lines}"), reading=with_lines)
        check(ORDERS_V2, api.get(f"/v2/orders/{order['id']}?{links}"), reading=with_links)
        check(ORDERS_V2, api.get(f"/v2/orders/{order['id']}"), reading=linked)
        check(ORDERS_V2, api.get(f"/v2/orders/{order['id']}/products"))
    check(ORDERS_V2, api.get(f"/v2/orders?sort=date_modified:asc&limit=250&{lines}"), reading=with_lines)
    check(ORDERS_V2, api.get(f"/v2/orders?{links}"), reading=with_links)
    check(ORDERS_V2, api.get("/v2/orders"), reading=linked)
    bad = api.get("/v2/orders?include=lines&consignment_structure=object")
    assert bad.status_code == 400 and bad.json()[0]["status"] == 400
