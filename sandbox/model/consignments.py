"""An order's consignments: which of its lines ship to an address, wait at a pickup location, are
downloaded, or are gift certificates sent by email (``reference/orders.v2.oas2.yml``, schemas
``orderConsignment_Get``, ``orderConsignment_Post``; ``docs/integrations/buy-online-pick-up-in-store``).

Orders are placed one of two ways (the POST's description): ``products`` (and optionally
``shipping_addresses``), whose physical lines ship to the first shipping address (or the billing
address), or ``consignments: {pickups: [one pickup]}``, whose lines wait at the pickup location;
these exclude each other. Digital products' lines are downloads either way (one downloads
consignment, to the billing email; the schema allows at most one). Gift certificates are
bought at the storefront only: the sandbox's orders have none, and answer an empty list.

``GET /v2/orders`` and ``/v2/orders/{id}`` carry them with ``include=consignments`` (each
consignment's ``line_items`` as links to the lines) or ``include=consignments.line_items`` (the
lines themselves), in the object structure with ``consignment_structure=object`` and in the
legacy array structure (the same object in a one-element list) without it. How many lines the
include carries is not documented: the sandbox carries at most the store option
``include_line_items_max`` per order (the products endpoint's default page), so clients must
compare with the order's ``items_total`` and read ``/products`` for the rest.
"""

from __future__ import annotations

from ..web import ApiError

INCLUDES = ("consignments", "consignments.line_items", "fees")
PICKUP_TEXT_MAX = 250  # pickupConsignment_Base: pickup_method_display_name, collection_time_description


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def pickups_read(body: dict) -> tuple[list[dict], list[dict]] | None:
    """For an order placed in consignment mode: (its pickup, without lines; its product lines as
    ``products`` would give them). None when the order is placed with ``products``."""
    consignments = body.get("consignments")
    if consignments is None:
        return None
    for excluded in ("products", "shipping_addresses"):
        if excluded in body:
            raise _bad(f"The field '{excluded}' cannot be used together with 'consignments'.")
    if not isinstance(consignments, dict) or not isinstance(consignments.get("pickups"), list):
        raise _bad("The field 'consignments.pickups' is required.")
    pickups = consignments["pickups"]
    if len(pickups) != 1:
        raise _bad("An order can have only one pickup consignment.")
    pickup = pickups[0]
    if not isinstance(pickup, dict):
        raise _bad("The field 'consignments.pickups[0]' must be an object.")
    method = pickup.get("pickup_method_id")
    if not isinstance(method, int) or isinstance(method, bool) or method < 1:
        raise _bad("The field 'consignments.pickups[0].pickup_method_id' is required.")
    lines = pickup.get("line_items")
    if not isinstance(lines, list) or not lines:
        raise _bad("The field 'consignments.pickups[0].line_items' is required.")
    text = {}
    for field in ("pickup_method_display_name", "collection_instructions", "collection_time_description"):
        value = pickup.get(field, "")
        if not isinstance(value, str) or (field != "collection_instructions" and len(value) > PICKUP_TEXT_MAX):
            raise _bad(f"The field 'consignments.pickups[0].{field}' is invalid.")
        text[field] = value
    location = pickup.get("location") or {}
    if not isinstance(location, dict) or any(not isinstance(v, str) for v in location.values()):
        raise _bad("The field 'consignments.pickups[0].location' is invalid.")
    return [{"pickup_method_id": method, **text, "location": location}], lines


def lines_place(
    order: dict, lines: list[dict], *, pickups: list[dict] | None, location: dict | None, body: dict, next_id
) -> None:
    """Give each line its consignment: the pickup (``order_pickup_method_id``), the shipping
    address (``order_address_id``) or the downloads (digital products); keep them on the order.
    ``location``: the pickup method's location; its name, code and address fill what the order
    did not give (pickupConsignmentLocation_Get carries the location's ``id``)."""
    order["_pickups"], order["_addresses"] = [], []
    if pickups:
        given = pickups[0]["location"]
        pickup = {**pickups[0], "location": {**_location_fields(location), **given}, "id": next_id("order_pickup")}
        pickup["location_id"] = location["id"]
        order["_pickups"].append(pickup)
    else:
        given = body.get("shipping_addresses")
        address = dict(given[0]) if isinstance(given, list) and given and isinstance(given[0], dict) else None
        if any(ln["type"] != "digital" for ln in lines):
            address = {**(address or order["billing_address"]), "id": next_id("order_address")}
            order["_addresses"].append(address)
    for line in lines:
        line["order_pickup_method_id"] = 0
        if line["type"] == "digital":
            continue
        if order["_pickups"]:
            line["order_pickup_method_id"] = order["_pickups"][0]["id"]
        else:
            line["order_address_id"] = order["_addresses"][0]["id"]


def _location_fields(location: dict) -> dict:
    """pickupConsignmentLocation_Base's fields from an inventory location."""
    address = location.get("address", {})
    return {
        "name": location["label"],
        "code": location["code"],
        "address_line_1": address.get("address1", ""),
        "address_line_2": address.get("address2", ""),
        "city": address.get("city", ""),
        "state": address.get("state", ""),
        "postal_code": address.get("zip", ""),
        "country_alpha2": (address.get("country_code") or "")[:2],
        "email": address.get("email", ""),
        "phone": address.get("phone", ""),
    }


def includes_read(query: dict) -> tuple[set[str], bool]:
    """(what ``include`` asks for, whether in the object structure), or the 400 BigCommerce gives."""
    raw = query.get("include", "")
    asked = {part.strip() for part in raw.split(",") if part.strip()} if raw else set()
    for value in sorted(asked):
        if value not in INCLUDES:
            raise _bad(f"The value '{value}' is not valid for the field 'include'.")
    structure = query.get("consignment_structure")
    if structure is not None and structure != "object":
        raise _bad(f"The value '{structure}' is not valid for the field 'consignment_structure'.")
    return asked, structure == "object"


def _line_link(api: str, line: dict) -> dict:
    return {"url": f"{api}/products/{line['id']}", "resource": f"/orders/{line['order_id']}/products/{line['id']}"}


def _number(text) -> float:
    return float(text or 0)


def consignments_out(order: dict, *, api: str, with_lines: bool, line_out, lines_max: int) -> dict:
    """The ``orderConsignment_Get`` object of an order (``api``: the order's URL)."""
    carried = {ln["id"] for ln in order["_lines"][:lines_max]} if with_lines else set()

    def items(lines):
        if with_lines:
            return [line_out(ln) for ln in lines if ln["id"] in carried]
        return [_line_link(api, ln) for ln in lines]

    lines = order["_lines"]
    pickups = [
        {
            "id": pickup["id"],
            "pickup_method_id": pickup["pickup_method_id"],
            "pickup_method_display_name": pickup["pickup_method_display_name"],
            "collection_instructions": pickup["collection_instructions"],
            "collection_time_description": pickup["collection_time_description"],
            "location": {"id": pickup.get("location_id", pickup["pickup_method_id"]), **pickup["location"]},
            "line_items": items([ln for ln in lines if ln.get("order_pickup_method_id") == pickup["id"]]),
        }
        for pickup in order.get("_pickups", [])
    ]
    shipping = []
    for address in order.get("_addresses", []):
        shipped = [ln for ln in lines if ln.get("order_address_id") == address["id"] and ln["type"] != "digital"]
        shipping.append(
            {
                "id": address["id"],
                **{
                    f: str(address.get(f, ""))
                    for f in (
                        "first_name",
                        "last_name",
                        "company",
                        "street_1",
                        "street_2",
                        "city",
                        "state",
                        "zip",
                        "country",
                        "country_iso2",
                        "phone",
                        "email",
                    )
                },
                "form_fields": [],
                "shipping_method": "Free Shipping",
                "line_items": items(shipped),
                "items_total": sum(ln["quantity"] for ln in shipped),
                "items_shipped": sum(ln["quantity_shipped"] for ln in shipped),
                "base_cost": _number(order["base_shipping_cost"]),
                "cost_ex_tax": _number(order["shipping_cost_ex_tax"]),
                "cost_inc_tax": _number(order["shipping_cost_inc_tax"]),
                "cost_tax": 0.0,
                "cost_tax_class_id": 0,
                "base_handling_cost": 0.0,
                "handling_cost_ex_tax": 0.0,
                "handling_cost_inc_tax": 0.0,
                "handling_cost_tax": 0.0,
                "handling_cost_tax_class_id": 0,
                "shipping_zone_id": 1,
                "shipping_zone_name": str(address.get("country", "")),
                "shipping_quotes": {
                    "url": f"{api}/consignments/shipping/{address['id']}/shipping_quotes",
                    "resource": f"/orders/{order['id']}/consignments/shipping/{address['id']}/shipping_quotes",
                },
            }
        )
    digital = [ln for ln in lines if ln["type"] == "digital"]
    downloads = [{"recipient_email": order["billing_address"].get("email", ""), "line_items": items(digital)}]
    return {
        "pickups": pickups,
        "shipping": shipping,
        "downloads": downloads if digital else [],
        "email": {"gift_certificates": []},
    }


def order_includes_add(out: dict, order: dict, *, asked: set[str], as_object: bool, api: str, line_out, lines_max):
    """Add what ``include`` asked for to an order's answer (``out``); otherwise the link to its
    consignments, as BigCommerce answers by default."""
    if asked & {"consignments", "consignments.line_items"}:
        found = consignments_out(
            order, api=api, with_lines="consignments.line_items" in asked, line_out=line_out, lines_max=lines_max
        )
        out["consignments"] = found if as_object else [found]
    else:
        out["consignments"] = {"url": f"{api}/consignments", "resource": f"/orders/{order['id']}/consignments"}
    if "fees" in asked:
        out["fees"] = []
    return out
