"""Control panel: pickup methods (one per location a shopper may collect an order at) and the
fulfilment choice of a placed order: shipped, or picked up at a method's location. The merchant
sets pickup methods up in BigCommerce's control panel; a shopper chooses one at checkout
(``docs/integrations/buy-online-pick-up-in-store``)."""

from __future__ import annotations

from ..model.locations import pickup_method_put
from ..web import ApiError, Request, Response
from .catalog_pages import _store
from .layout import esc, table

SHIP = "ship"


def pickup_methods_card(db, store: dict) -> str:
    """The store's pickup methods, and a form to add one at an enabled location."""
    locations = {loc["id"]: loc for loc in db.find(store["hash"], "location")}
    rows = [
        [
            str(m["id"]),
            esc(m["display_name"]),
            esc(locations.get(m["location_id"], {}).get("label", "—")) + f" #{m['location_id']}",
        ]
        for m in db.find(store["hash"], "pickup_method")
    ]
    options = "".join(
        f"<option value='{loc['id']}'>{esc(loc['label'])} #{loc['id']}</option>"
        for loc in locations.values()
        if loc["enabled"]
    )
    return (
        "<div class='card'><h2>Pickup methods</h2>"
        "<p class='muted'>A shopper can choose to collect an order at a location with a pickup method: "
        "the order takes its stock there.</p>"
        + table(["Id", "Name", "Location"], rows, "No pickup method.")
        + "<form method='post' action='pickup-methods'>"
        f"<label>Location <select name='location_id'>{options}</select></label> "
        "<label>Name <input name='display_name' value='In-store pickup' maxlength='250' required></label> "
        "<button>Add pickup method</button></form></div>"
    )


def pickup_methods_post(req: Request) -> Response:
    store = _store(req)
    form = req.form()
    try:
        location_id = int(form["location_id"])
    except (KeyError, ValueError):
        raise ApiError(422, "Choose a location") from None
    name = (form.get("display_name") or "").strip()
    if not name or len(name) > 250:
        raise ApiError(422, "A pickup method needs a name (at most 250 characters)")
    pickup_method_put(req.app.db, store["hash"], {"location_id": location_id, "display_name": name})
    return Response.redirect(f"/manage/stores/{store['hash']}/locations")


def fulfilment_field(db, store: dict) -> str:
    """The order form's choice: ship to the customer, or pick up with one of the pickup methods."""
    locations = {loc["id"]: loc for loc in db.find(store["hash"], "location")}
    options = [f"<option value='{SHIP}'>Ship to the customer (default location)</option>"]
    for method in db.find(store["hash"], "pickup_method"):
        location = locations.get(method["location_id"])
        if location and location["enabled"]:
            label = f"Pick up: {method['display_name']} at {location['label']}"
            options.append(f"<option value='{method['id']}'>{esc(label)}</option>")
    return f"<label>Fulfilment <select name='fulfilment'>{''.join(options)}</select></label>"


def order_lines_body(form: dict, line: dict) -> dict:
    """The order's lines as ``POST /v2/orders`` takes them: ``products`` (shipped) or one pickup
    consignment with the chosen method."""
    choice = form.get("fulfilment") or SHIP
    if choice == SHIP:
        return {"products": [line]}
    try:
        method = int(choice)
    except ValueError:
        raise ApiError(422, "Choose how the order is fulfilled") from None
    return {"consignments": {"pickups": [{"pickup_method_id": method, "line_items": [line]}]}}
