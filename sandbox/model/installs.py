"""App installs: authorization codes, tokens, and the signed load/uninstall/remove_user
callbacks (HS256 JWTs keyed with the app's client secret)."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from .. import auth
from ..apps import app_get
from ..storage import dumps
from ..web import ApiError
from ..webhooks.events import emit

CODE_TTL = 300  # seconds an authorization code stays valid
# The key is whatever client secret the app registered; short local secrets are fine here.
warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)


def code_issue(db, *, store: dict, app: dict) -> str:
    code = secrets.token_urlsafe(18)
    db.execute(
        "INSERT INTO auth_codes (code, data) VALUES (?,?)",
        (
            code,
            dumps(
                {
                    "client_id": app["client_id"],
                    "store_hash": store["hash"],
                    "scopes": app["scopes"],
                    "expires_at": time.time() + CODE_TTL,
                    "used": False,
                }
            ),
        ),
    )
    return code


def auth_redirect(db, *, store: dict, app: dict, state: str = "") -> str:
    """The app's auth callback with a fresh code; an install link that carried ``state`` (an
    install started from the app) gets it back unchanged, one started here has none."""
    fields = {
        "code": code_issue(db, store=store, app=app),
        "scope": " ".join(app["scopes"]),
        "context": f"stores/{store['hash']}",
        "account_uuid": store["account_uuid"],
    }
    if state:
        fields["state"] = state
    query = urllib.parse.urlencode(fields)
    return f"{app['auth_callback']}?{query}"


class TokenError(Exception):
    pass


def token_exchange(db, fields: dict) -> dict:
    """POST /oauth2/token: trade a single-use code for the store's access token."""
    if fields.get("grant_type") != "authorization_code":
        raise TokenError("grant_type must be authorization_code")
    row = db.execute("SELECT data FROM auth_codes WHERE code=?", (fields.get("code") or "",)).fetchone()
    grant = json.loads(row["data"]) if row else None
    if grant is None or grant["used"] or grant["expires_at"] < time.time():
        raise TokenError("Invalid verification code")
    store = db.store_get(grant["store_hash"])
    app = app_get(db, grant["client_id"], store)
    if fields.get("client_id") != app["client_id"] or fields.get("client_secret") != app["client_secret"]:
        raise TokenError("Invalid client id or client secret")
    if fields.get("context") and fields["context"] != f"stores/{store['hash']}":
        raise TokenError("Invalid context")
    if fields.get("redirect_uri") and fields["redirect_uri"] != app["auth_callback"]:
        raise TokenError("Invalid redirect_uri")
    grant["used"] = True
    db.execute("UPDATE auth_codes SET data=? WHERE code=?", (dumps(grant), fields["code"]))
    auth.account_revoke(db, store_hash=store["hash"], client_id=app["client_id"])
    account = auth.account_create(
        db,
        store_hash=store["hash"],
        scopes=grant["scopes"],
        client_id=app["client_id"],
        client_secret=app["client_secret"],
        name=app.get("name", app["client_id"]),
        kind="app",
    )
    owner = store["owner"]
    store["installs"][app["client_id"]] = {"installed_at": int(time.time()), "scopes": grant["scopes"]}
    db.store_put(store)
    user = {"id": owner["id"], "username": owner["email"], "email": owner["email"]}
    return {
        "access_token": account["access_token"],
        "scope": " ".join(grant["scopes"]),
        "user": user,
        "owner": user,
        "context": f"stores/{store['hash']}",
        "account_uuid": store["account_uuid"],
    }


def signed_payload(store: dict, app: dict, *, url: str = "/", channel_id: int | None = None) -> str:
    now = int(time.time())
    owner = store["owner"]
    claims = {
        "aud": app["client_id"],
        "iss": "bc",
        "iat": now,
        "nbf": now,
        "exp": now + 86400,
        "jti": str(uuid.uuid4()),
        "sub": f"stores/{store['hash']}",
        "user": {"id": owner["id"], "email": owner["email"], "locale": "fr-FR"},
        "owner": {"id": owner["id"], "email": owner["email"]},
        "url": url,
        "channel_id": channel_id,
    }
    return jwt.encode(claims, app["client_secret"], algorithm="HS256")


def _installed_app(db, store: dict, client_id: str) -> dict:
    app = app_get(db, client_id, store)
    if app is None or client_id not in store.get("installs", {}):
        raise ApiError(404, "The app is not installed on this store")
    return app


def load_url(db, store: dict, client_id: str, channel_id: int | None = None) -> str:
    app = _installed_app(db, store, client_id)
    token = signed_payload(store, app, channel_id=channel_id)
    return f"{app['load_callback']}?{urllib.parse.urlencode({'signed_payload_jwt': token})}"


def _server_callback(url: str, token: str) -> dict:
    """A server-side GET, as BigCommerce calls uninstall and remove_user."""
    full = f"{url}?{urllib.parse.urlencode({'signed_payload_jwt': token})}"
    try:
        request = urllib.request.Request(full, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return {"url": full, "status": answer.status}
    except urllib.error.HTTPError as exc:
        return {"url": full, "status": exc.code}
    except Exception as exc:  # the app may be down; BigCommerce uninstalls anyway
        return {"url": full, "status": None, "error": f"{type(exc).__name__}: {exc}"}


def uninstall(app_obj, store_hash: str, client_id: str) -> dict:
    """Uninstall: revoke the token, delete the client's webhooks, call the app back."""
    db = app_obj.db
    with db.tx():
        store = db.store_get(store_hash)
        app = _installed_app(db, store, client_id)
        emit(app_obj, store_hash, "store/app/uninstalled", {"type": "app"}, outlives_hook=True)
        for hook in db.find(store_hash, "hook"):
            if hook["client_id"] == client_id:
                db.delete(store_hash, "hook", hook["id"])
        auth.account_revoke(db, store_hash=store_hash, client_id=client_id)
        del store["installs"][client_id]
        db.store_put(store)
        token = signed_payload(store, app)
    return _server_callback(app["uninstall_callback"], token)  # outside the lock


def remove_user(app_obj, store_hash: str, client_id: str) -> dict:
    db = app_obj.db
    with db.tx():
        store = db.store_get(store_hash)
        app = _installed_app(db, store, client_id)
        token = signed_payload(store, app)
    return _server_callback(app["remove_user_callback"], token)
