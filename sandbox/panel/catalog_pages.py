"""Control panel: the product list and a product's page (stock, channels, visibility)."""

from __future__ import annotations

from ..model.levels import DEFAULT_LOCATION, variant_level
from ..model.products import product_out
from ..model.rows import product_save
from ..model.stock import stock_write
from ..web import ApiError, Request, Response
from ..webhooks.events import emit
from .layout import button_form, esc, page, table


def _store(req: Request) -> dict:
    store = req.app.db.store_get(req.params["store_hash"])
    if store is None:
        raise ApiError(404, "Store not found")
    return store


def _product(req: Request, store: dict) -> dict:
    product = req.app.db.get(store["hash"], "product", int(req.params["product_id"]))
    if product is None:
        raise ApiError(404, "Product not found")
    return product


def products_page(req: Request) -> Response:
    store = _store(req)
    db = req.app.db
    channels = {c["id"]: c["name"] for c in db.find(store["hash"], "channel")}
    categories = {c["id"]: c["name"] for c in db.find(store["hash"], "category")}
    others = [loc for loc in db.find(store["hash"], "location") if loc["id"] != DEFAULT_LOCATION]
    rows = []
    for product in db.find(store["hash"], "product"):
        out = product_out(db, store["hash"], product, {"variants"})
        variants = "<br>".join(
            f"{esc(v['sku'])} ({esc(', '.join(o['label'] for o in v['option_values']))}): {v['inventory_level']}"
            for v in out["variants"]
            if v["option_values"]
        )
        rows.append(
            [
                f"<a href='products/{product['id']}'>{esc(product['name'])}</a>",
                esc(product["sku"]),
                f"{product['price']:.2f} {esc(store['currency'])}",
                esc(", ".join(channels.get(c, str(c)) for c in product["_channels"])) or "—",
                esc(", ".join(categories.get(c, str(c)) for c in product["categories"])) or "—",
                "yes" if product["is_visible"] else "no",
                esc(product["inventory_tracking"]),
                str(out["inventory_level"]) + _other_locations(db, store["hash"], product, others),
                variants or "—",
            ]
        )
    body = (
        "<div class='card'>"
        + table(
            ["Name", "SKU", "Price", "Channels", "Categories", "Visible", "Tracking", "Stock", "Variants"],
            rows,
            "No products yet.",
        )
        + "</div>"
    )
    return Response.html(page(f"Products — {store['name']}", body, store=store))


def _other_locations(db, store_hash: str, product: dict, others: list[dict]) -> str:
    """The product's total at each location other than the default (the Catalog's level)."""
    if not others or product["inventory_tracking"] == "none":
        return ""
    variants = db.find(store_hash, "variant", parent_id=product["id"])
    if product["inventory_tracking"] != "variant":
        variants = variants[:1]
    parts = [f"{esc(loc['code'])}: {sum(variant_level(product, v, loc['id']) for v in variants)}" for loc in others]
    return "<br><span class='muted'>" + " · ".join(parts) + "</span>"


def product_page(req: Request) -> Response:
    store = _store(req)
    db = req.app.db
    product = _product(req, store)
    out = product_out(db, store["hash"], product, {"variants", "images", "channels"})
    base = f"/manage/stores/{store['hash']}/products/{product['id']}"
    locations = db.find(store["hash"], "location")
    variants = {v["id"]: v for v in db.find(store["hash"], "variant", parent_id=product["id"])}
    stock_rows = []
    for variant in out["variants"]:
        if product["inventory_tracking"] != "variant" and variant["option_values"]:
            continue
        label = ", ".join(o["label"] for o in variant["option_values"]) or "(product)"
        variant_id = variant["id"] if product["inventory_tracking"] == "variant" else ""
        stored = variants.get(variant["id"], variant)
        stock_rows.append(
            [esc(label), esc(variant["sku"])]
            + [_level_cell(base, loc, variant_id, variant_level(product, stored, loc["id"])) for loc in locations]
        )
    channel_boxes = "".join(
        f"<label><input type='checkbox' name='channel' value='{c['id']}'"
        f"{' checked' if c['id'] in product['_channels'] else ''}> {esc(c['name'])} "
        f"<span class='pill'>{esc(c['type'])}/{esc(c['platform'])}</span></label>"
        for c in db.find(store["hash"], "channel")
    )
    images = "".join(
        f"<img src='{esc(i['url_thumbnail'])}' alt='' style='height:70px;margin:4px'>" for i in out["images"]
    )
    body = f"""
<div class='card'><p>SKU <code>{esc(product["sku"])}</code> · price {product["price"]:.2f}
{esc(store["currency"])} · tracking <code>{esc(product["inventory_tracking"])}</code> ·
visible: {"yes" if product["is_visible"] else "no"}
{button_form(base + "/visibility", "Hide" if product["is_visible"] else "Make visible", css="light")}</p>
{images}<div class='muted'>{esc(product["description"])}</div></div>
<div class='card'><h2>Stock</h2>{
        table(
            ["Variant", "SKU"] + [_location_header(loc) for loc in locations],
            stock_rows,
            "Stock is not tracked for this product.",
        )
    }</div>
<div class='card'><h2>Channels</h2><form method='post' action='{base}/channels'>{channel_boxes}
<button>Update channels</button></form></div>"""
    return Response.html(page(product["name"], body, store=store))


def _location_header(location: dict) -> str:
    """Plain text (the table escapes its headers): label, code and what limits edits there."""
    flags = [] if location["enabled"] else ["disabled"]
    if location["managed_by_external_source"]:
        flags.append("managed by an app")
    return " · ".join([f"{location['label']} ({location['code']})", *flags])


def locations_page(req: Request) -> Response:
    """Each location, its flags and address, and the stock it holds (items with a level, units)."""
    store = _store(req)
    db = req.app.db
    holders = db.find(store["hash"], "product") + db.find(store["hash"], "variant")
    rows = []
    for location in db.find(store["hash"], "location"):
        levels = [h["_stock"][str(location["id"])] for h in holders if str(location["id"]) in h.get("_stock", {})]
        address = location.get("address", {})
        rows.append(
            [
                str(location["id"]),
                f"<code>{esc(location['code'])}</code>",
                esc(location["label"]) + (" <span class='pill'>default</span>" if location.get("is_default") else ""),
                esc(location["type_id"]),
                "yes" if location["enabled"] else "no",
                "yes" if location["storefront_visibility"] else "no",
                "yes" if location["managed_by_external_source"] else "no",
                esc(", ".join(p for p in (address.get("city"), address.get("country_code")) if p)) or "—",
                str(sum(1 for level in levels if level > 0)),
                str(sum(levels)),
            ]
        )
    headers = ["Id", "Code", "Label", "Type", "Enabled", "Storefront", "Managed by an app", "Address"]
    body = "<div class='card'>" + table([*headers, "Items in stock", "Units"], rows) + "</div>"
    from .pickup_pages import pickup_methods_card  # a cycle: pickup_pages takes _store from here

    body += pickup_methods_card(db, store)
    return Response.html(page(f"Locations — {store['name']}", body, store=store))


def _level_cell(base: str, location: dict, variant_id, level: int) -> str:
    """A location's level, with a form to set it unless an app manages the location's stock
    (locations.v3.yml: managed_by_external_source disables manual edits) or it is disabled."""
    if location["managed_by_external_source"] or not location["enabled"]:
        return str(level)
    return (
        f"<form class='inline' method='post' action='{base}/stock'>"
        f"<input type='hidden' name='variant_id' value='{variant_id}'>"
        f"<input type='hidden' name='location_id' value='{location['id']}'>"
        f"<input name='level' type='number' min='0' size='6' value='{level}' "
        f"aria-label='Stock at {esc(location['label'])}'> <button>Set</button></form>"
    )


def product_stock_post(req: Request) -> Response:
    store = _store(req)
    product = _product(req, store)
    form = req.form()
    try:
        location_id = int(form.get("location_id") or DEFAULT_LOCATION)
    except ValueError:
        raise ApiError(422, "Unknown location") from None
    location = req.app.db.get(store["hash"], "location", location_id)
    if location is None or not location["enabled"]:
        raise ApiError(422, "Unknown or disabled location")
    if location["managed_by_external_source"]:
        raise ApiError(422, f"{location['label']}'s stock is managed by an app: edit it there")
    variant = req.app.db.get(store["hash"], "variant", int(form["variant_id"])) if form.get("variant_id") else None
    try:
        new_level = int(form.get("level", ""))
    except ValueError:
        raise ApiError(422, "Stock must be a whole number") from None
    if product["inventory_tracking"] == "none":
        raise ApiError(422, "Stock is not tracked for this product")
    stock_write(req.app, store["hash"], product=product, variant=variant, new_level=new_level, location_id=location_id)
    return Response.redirect(f"/manage/stores/{store['hash']}/products/{product['id']}")


def product_channels_post(req: Request) -> Response:
    store = _store(req)
    product = _product(req, store)
    wanted = {int(c) for c in req.form_lists().get("channel", [])}
    current = set(product["_channels"])
    product["_channels"] = sorted(wanted)
    product_save(req.app.db, store["hash"], product)
    for channel_id in sorted(wanted - current):
        emit(req.app, store["hash"], f"store/channel/{channel_id}/product/assigned", {"product_id": product["id"]})
    for channel_id in sorted(current - wanted):
        emit(req.app, store["hash"], f"store/channel/{channel_id}/product/unassigned", {"product_id": product["id"]})
    return Response.redirect(f"/manage/stores/{store['hash']}/products/{product['id']}")


def product_visibility_post(req: Request) -> Response:
    from ..model.products import product_update

    store = _store(req)
    product = _product(req, store)
    product_update(req.app, store["hash"], product, {"is_visible": not product["is_visible"]})
    return Response.redirect(f"/manage/stores/{store['hash']}/products/{product['id']}")
