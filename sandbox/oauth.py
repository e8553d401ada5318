"""The login host (/login/...): the app install/authorize page and the token endpoint."""

from __future__ import annotations

import json

from .apps import app_get
from .model.installs import TokenError, auth_redirect, token_exchange
from .panel.layout import esc, page
from .stores import store_create
from .web import ApiError, Request, Response, route_table


def _app(req: Request, store: dict | None = None) -> dict:
    app = app_get(req.app.db, req.params["client_id"], store)
    if app is None:
        raise ApiError(404, "Unknown app")
    return app


def _install_page(app: dict, error: str = "", status: int = 200) -> Response:
    scopes = "".join(f"<li><code>{esc(s)}</code></li>" for s in app["scopes"])
    body = f"""
<div class='card'><p><strong>{esc(app.get("name", app["client_id"]))}</strong> asks for access to
your store:</p><ul>{scopes}</ul>{f"<p class='error'>{esc(error)}</p>" if error else ""}</div>
<div class='card'><h2>Log in to your store</h2>
<form method='post'><input type='hidden' name='action' value='login'>
<label>Email <input name='email' type='email' required></label>
<label>Password <input name='password' type='password' required></label>
<button>Log in and install</button></form></div>
<div class='card'><h2>…or open a new store</h2>
<form method='post'><input type='hidden' name='action' value='create'>
<label>Store name <input name='name' required></label>
<label>Email <input name='email' type='email' required></label>
<label>Password <input name='password' type='password' required></label>
<label>Default currency <select name='currency'><option>EUR</option><option>USD</option>
<option>GBP</option><option>CHF</option></select></label>
<label><input type='checkbox' name='is_price_entered_with_tax' value='1' checked>
Prices are entered with tax</label>
<button>Create store and install</button></form></div>"""
    return Response.html(page(f"Install {app.get('name', app['client_id'])}", body), status)


def install_get(req: Request) -> Response:
    return _install_page(_app(req))


def install_post(req: Request) -> Response:
    """Log in (or open a store), approve the app, go back to the app's auth callback."""
    form = req.form()
    db = req.app.db
    if form.get("action") == "create":
        if not form.get("name") or not form.get("email") or not form.get("password"):
            return _install_page(_app(req), "Name, email and password are required.", 422)
        if any(s["owner"]["email"].lower() == form["email"].lower() for s in db.store_list()):
            return _install_page(_app(req), "This email already owns a store; log in.", 422)
        store = store_create(
            db,
            name=form["name"],
            currency=form.get("currency", "EUR"),
            is_price_entered_with_tax=form.get("is_price_entered_with_tax") == "1",
            owner_email=form["email"],
            owner_password=form["password"],
        )
    else:
        store = next(
            (
                s
                for s in db.store_list()
                if s["owner"]["email"].lower() == form.get("email", "").lower()
                and s["owner"]["password"] == form.get("password")
            ),
            None,
        )
        if store is None:
            return _install_page(_app(req), "Wrong email or password.", 401)
    state = req.query.get("state", "")  # the form posts back to the install URL, query included
    return Response.redirect(auth_redirect(db, store=store, app=_app(req, store), state=state))


def token(req: Request) -> Response:
    content_type = req.header("content-type") or ""
    if "json" in content_type:
        try:
            fields = json.loads(req.body or b"{}")
        except ValueError:
            fields = None
        if not isinstance(fields, dict):
            return Response.json({"error": "invalid_request", "error_description": "Malformed JSON body"}, 400)
    else:
        fields = req.form()
    try:
        return Response.json(token_exchange(req.app.db, fields))
    except TokenError as exc:
        return Response.json({"error": "invalid_grant", "error_description": str(exc)}, 400)


def build():
    return route_table(
        ("GET", "/app/{client_id}/install", install_get),
        ("POST", "/app/{client_id}/install", install_post),
        ("POST", "/oauth2/token", token),
    )
