"""Control panel: stores, orders (place, refund), apps, API accounts, webhooks, API log."""

from __future__ import annotations

import datetime as dt
import json

from .. import auth
from ..apps import app_get, app_list
from ..model import installs
from ..model.orders import STATUSES, order_set_status
from ..model.products import product_out
from ..model.refunds import refund_create, refund_plan
from ..stores import store_create
from ..web import ApiError, Request, Response
from ..webhooks.delivery import delivery_list
from .catalog_pages import _store
from .layout import button_form, esc, page, table
from .pickup_pages import fulfilment_field, order_lines_body


def _when(ts) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else "—"


def stores_page(req: Request) -> Response:
    rows = [
        [
            f"<a href='stores/{esc(s['hash'])}/'>{esc(s['name'])}</a>",
            f"<code>{esc(s['hash'])}</code>",
            esc(s["currency"]),
            "with tax" if s["is_price_entered_with_tax"] else "without tax",
            esc(s["owner"]["email"]),
            esc(", ".join(s.get("installs", {})) or "—"),
        ]
        for s in req.app.db.store_list()
    ]
    body = f"""<div class='card'>{
        table(["Store", "Hash", "Currency", "Prices", "Owner", "Apps"], rows, "No stores yet.")
    }</div>
<div class='card'><h2>Open a store</h2><form method='post' action='stores'>
<label>Name <input name='name' required></label><label>Owner email <input name='email' type='email'></label>
<label>Currency <select name='currency'><option>EUR</option><option>USD</option><option>GBP</option></select></label>
<label><input type='checkbox' name='is_price_entered_with_tax' value='1' checked> Prices entered with tax</label>
<button>Create store</button></form></div>"""
    return Response.html(page("Stores", body))


def stores_post(req: Request) -> Response:
    form = req.form()
    if not form.get("name"):
        raise ApiError(422, "A store needs a name")
    store = store_create(
        req.app.db,
        name=form["name"],
        currency=form.get("currency", "EUR"),
        is_price_entered_with_tax=form.get("is_price_entered_with_tax") == "1",
        owner_email=form.get("email") or None,
    )
    return Response.redirect(f"/manage/stores/{store['hash']}/")


def orders_page(req: Request) -> Response:
    store = _store(req)
    db = req.app.db
    choices = []
    for product in db.find(store["hash"], "product"):
        out = product_out(db, store["hash"], product, {"variants"})
        with_options = [v for v in out["variants"] if v["option_values"]]
        for v in with_options or out["variants"][:1]:
            label = product["name"] + (
                " — " + ", ".join(o["label"] for o in v["option_values"]) if v["option_values"] else ""
            )
            choices.append(
                f"<option value='{v['id']}'>{esc(label)} ({esc(v['sku'])}, stock {v['inventory_level']})</option>"
            )
    rows = [
        [
            f"<a href='orders/{o['id']}'>#{o['id']}</a>",
            esc(o["date_created"]),
            esc(o["status"]),
            str(o["items_total"]),
            f"{esc(o['total_inc_tax'])} {esc(o['currency_code'])}",
            esc(o["refunded_amount"]),
        ]
        for o in reversed(db.find(store["hash"], "order"))
    ]
    body = f"""<div class='card'><h2>Place an order</h2><form method='post' action='orders'>
<label>Item <select name='variant_id'>{"".join(choices)}</select></label>
<label>Quantity <input name='quantity' type='number' min='1' value='1'></label>
{fulfilment_field(db, store)}
<button>Place order</button></form></div>
<div class='card'>{table(["Order", "Date", "Status", "Items", "Total", "Refunded"], rows, "No orders yet.")}</div>"""
    return Response.html(page("Orders", body, store=store))


def orders_post(req: Request) -> Response:
    from ..api.orders import order_create_service

    store = _store(req)
    form = req.form()
    try:
        line = {"variant_id": int(form["variant_id"]), "quantity": int(form.get("quantity", 1))}
    except (KeyError, ValueError):
        raise ApiError(422, "Choose an item and a quantity") from None
    order = order_create_service(
        req.app,
        store,
        {
            "billing_address": {
                "first_name": "Client",
                "last_name": "Boutique",
                "email": "client@example.test",
                "city": "Paris",
                "country": "France",
                "country_iso2": "FR",
                "street_1": "1 rue du Commerce",
                "zip": "75001",
            },
            **order_lines_body(form, line),
            "external_source": "sandbox-control-panel",
        },
    )
    return Response.redirect(f"/manage/stores/{store['hash']}/orders/{order['id']}")


def _order(req: Request, store: dict) -> dict:
    order = req.app.db.get(store["hash"], "order", int(req.params["order_id"]))
    if order is None:
        raise ApiError(404, "Order not found")
    return order


def order_page(req: Request) -> Response:
    store = _store(req)
    order = _order(req, store)
    rows = [
        [
            esc(ln["name"]),
            esc(ln["sku"]),
            str(ln["quantity"]),
            str(ln["quantity_refunded"]),
            esc(ln["price_inc_tax"]),
            f"<input name='qty_{ln['id']}' type='number' min='0' max='{ln['quantity'] - ln['quantity_refunded']}'"
            f" value='0' size='4'>",
        ]
        for ln in order["_lines"]
    ]
    statuses = "".join(
        f"<option value='{i}'{' selected' if i == order['status_id'] else ''}>{esc(n)}</option>"
        for i, n in STATUSES.items()
    )
    body = f"""<div class='card'><p>Status <strong>{esc(order["status"])}</strong> · total
{esc(order["total_inc_tax"])} {esc(order["currency_code"])} · refunded {esc(order["refunded_amount"])}</p>
<form method='post' action='{order["id"]}/status'><select name='status_id'>{statuses}</select>
<button class='light'>Change status</button></form></div>
<div class='card'><h2>Refund</h2><form method='post' action='{order["id"]}/refund'>
{table(["Item", "SKU", "Ordered", "Refunded", "Price", "Refund qty"], rows)}
<p><button class='danger'>Refund</button></p></form></div>"""
    return Response.html(page(f"Order #{order['id']}", body, store=store))


def order_refund_post(req: Request) -> Response:
    store = _store(req)
    order = _order(req, store)
    items = [
        {"item_type": "PRODUCT", "item_id": ln["id"], "quantity": int(q)}
        for ln in order["_lines"]
        if (q := req.form().get(f"qty_{ln['id']}", "0")).isdigit() and int(q) > 0
    ]
    total, _, _ = refund_plan(order, {"items": items})
    payments = [{"provider_id": "custom", "amount": total, "offline": True}]  # as the panel's "Manual" refund
    refund_create(req.app, store["hash"], order, {"items": items, "payments": payments})
    return Response.redirect(f"/manage/stores/{store['hash']}/orders/{order['id']}")


def order_status_post(req: Request) -> Response:
    store = _store(req)
    order = _order(req, store)
    order_set_status(req.app, store["hash"], order, int(req.form().get("status_id", 1)))
    return Response.redirect(f"/manage/stores/{store['hash']}/orders/{order['id']}")


def apps_page(req: Request) -> Response:
    store = _store(req)
    rows = []
    for registered in app_list(req.app.db):
        app = app_get(req.app.db, registered["client_id"], store)
        cid = app["client_id"]
        if cid in store.get("installs", {}):
            actions = (
                f"<a href='apps/{esc(cid)}/open'>Open</a> "
                + button_form(f"apps/{cid}/remove-user", "Remove user", css="light")
                + " "
                + button_form(f"apps/{cid}/uninstall", "Uninstall", css="danger")
            )
        else:
            actions = f"<a href='/login/app/{esc(cid)}/install'>Install</a>"
        rows.append(
            [
                esc(app.get("name", cid)),
                f"<code>{esc(cid)}</code>",
                esc(app["app_url"]),
                "installed" if cid in store.get("installs", {}) else "—",
                actions,
            ]
        )
    body = "<div class='card'>" + table(["App", "Client id", "App URL", "State", ""], rows) + "</div>"
    return Response.html(page("Apps", body, store=store))


def app_open(req: Request) -> Response:
    store = _store(req)
    return Response.redirect(installs.load_url(req.app.db, store, req.params["client_id"]))


def app_uninstall_post(req: Request) -> Response:
    store = _store(req)
    installs.uninstall(req.app, store["hash"], req.params["client_id"])
    return Response.redirect(f"/manage/stores/{store['hash']}/apps")


def app_remove_user_post(req: Request) -> Response:
    store = _store(req)
    installs.remove_user(req.app, store["hash"], req.params["client_id"])
    return Response.redirect(f"/manage/stores/{store['hash']}/apps")


def api_accounts_page(req: Request) -> Response:
    store = _store(req)
    rows = [
        [
            esc(a["name"]),
            esc(a["kind"]),
            f"<code>{esc(a['client_id'])}</code>",
            f"<code>{esc(a['access_token'])}</code>",
            esc(" ".join(a["scopes"])),
            _when(a["created_at"]),
        ]
        for a in auth.account_list(req.app.db, store["hash"])
    ]
    body = (
        f"<div class='card'>{table(['Name', 'Kind', 'Client id', 'Access token', 'Scopes', 'Created'], rows)}"
        f"</div><div class='card'><form method='post' action='api-accounts'>"
        f"<label>Name <input name='name' value='Local API account'></label>"
        f"<button>Create API account (all scopes)</button></form></div>"
    )
    return Response.html(page("API accounts", body, store=store))


def api_accounts_post(req: Request) -> Response:
    store = _store(req)
    auth.account_create(req.app.db, store_hash=store["hash"], name=req.form().get("name", ""))
    return Response.redirect(f"/manage/stores/{store['hash']}/api-accounts")


def webhooks_page(req: Request) -> Response:
    store = _store(req)
    hooks = [
        [
            str(h["id"]),
            esc(h["scope"]),
            esc(h["destination"]),
            f"<code>{esc(h['client_id'])}</code>",
            "active" if h["is_active"] else "<span class='error'>inactive</span>",
        ]
        for h in req.app.db.find(store["hash"], "hook")
    ]
    deliveries = [
        [
            str(d["id"]),
            esc(d["scope"]),
            str(d["hook_id"]),
            esc(d["status"]),
            str(len(d["attempts"])),
            esc(d["attempts"][-1]["status"] or d["attempts"][-1]["error"]) if d["attempts"] else "—",
            _when(d["next_at"]) if d["status"] == "pending" else "—",
            esc(", ".join(d["faults"])),
        ]
        for d in delivery_list(req.app.db, store["hash"], limit=200)
    ]
    hooks_table = table(["Id", "Scope", "Destination", "Client", "State"], hooks)
    retry = button_form("webhooks/retry-now", "Retry pending now", css="light")
    deliveries_table = table(
        ["Id", "Scope", "Hook", "Status", "Attempts", "Last answer", "Next try", "Faults"], deliveries
    )
    body = (
        f"<div class='card'><h2>Subscriptions</h2>{hooks_table}</div>"
        f"<div class='card'><h2>Deliveries</h2><p>{retry}</p>{deliveries_table}</div>"
    )
    return Response.html(page("Webhooks", body, store=store))


def webhooks_retry_post(req: Request) -> Response:
    store = _store(req)
    req.app.db.on_commit(lambda: req.app.webhooks.retry_now(store["hash"]))
    return Response.redirect(f"/manage/stores/{store['hash']}/webhooks")


def requests_page(req: Request) -> Response:
    store = _store(req)
    rows = req.app.db.execute(
        "SELECT id, data FROM requests WHERE store_hash=? ORDER BY id DESC LIMIT 300", (store["hash"],)
    ).fetchall()
    entries = [json.loads(r["data"]) for r in rows]
    body = (
        "<div class='card'>"
        + table(
            ["Time", "Method", "Path", "Status", "ms", "Items in/out", "Faults"],
            [
                [
                    _when(e["at"]),
                    esc(e["method"]),
                    esc(e["path"] + ("?" + e["query"] if e["query"] else "")),
                    str(e["status"]),
                    str(e["ms"]),
                    f"{e['items_in']}/{e['items_out'] if e['items_out'] is not None else '—'}",
                    esc(", ".join(e["faults"])),
                ]
                for e in entries
            ],
            "No API requests yet.",
        )
        + "</div>"
    )
    return Response.html(page("API request log", body, store=store))
