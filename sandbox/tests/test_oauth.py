"""App install (authorize page, code, token exchange) and the signed JWT callbacks."""

from __future__ import annotations

import time
import urllib.parse

import jwt
import pytest
import requests

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

CLIENT_ID = "comptoir-local"
SECRET = "comptoir-local-secret"


@pytest.fixture
def app_store(sandbox, receiver):
    """A store whose app registration points its callbacks at the local receiver."""
    return sandbox.create_store(
        owner_email=f"owner-{time.monotonic_ns()}@shop.test", owner_password="pw", app={"app_url": receiver.url}
    )


def _install(sandbox, email, password="pw"):
    answer = requests.post(
        f"{sandbox.url}/login/app/{CLIENT_ID}/install",
        data={"action": "login", "email": email, "password": password},
        allow_redirects=False,
    )
    return answer


def _exchange(sandbox, params, **overrides):
    body = {
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "code": params["code"],
        "context": params["context"],
        "scope": params["scope"],
        "grant_type": "authorization_code",
        "redirect_uri": None,
        **overrides,
    }
    return requests.post(f"{sandbox.url}/login/oauth2/token", json={k: v for k, v in body.items() if v})


def _params(location):
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).items()}


def test_install_page_renders_both_forms(sandbox):
    page = requests.get(f"{sandbox.url}/login/app/{CLIENT_ID}/install")
    assert page.status_code == 200 and "Log in" in page.text and "new store" in page.text
    assert requests.get(f"{sandbox.url}/login/app/unknown-app/install").status_code == 404


def test_login_approve_redirects_to_auth_callback_with_code(sandbox, app_store, receiver):
    answer = _install(sandbox, app_store["owner"]["email"])
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(receiver.url + "/integrations/bigcommerce/app/auth/?")
    params = _params(location)
    assert params["context"] == f"stores/{app_store['hash']}"
    assert params["account_uuid"] == app_store["account_uuid"]
    assert "store_v2_products" in params["scope"].split()
    token = _exchange(sandbox, params, redirect_uri=receiver.url + "/integrations/bigcommerce/app/auth/")
    assert token.status_code == 200, token.text
    grant = token.json()
    assert grant["context"] == f"stores/{app_store['hash']}"
    assert grant["user"]["email"] == app_store["owner"]["email"]
    headers = {"X-Auth-Token": grant["access_token"]}
    assert requests.get(f"{sandbox.url}/stores/{app_store['hash']}/v2/store", headers=headers).status_code == 200
    again = _exchange(sandbox, params)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_the_default_app_may_read_locations_and_pickup_methods_but_not_write_them(sandbox, app_store):
    """Comptoir's registration reads where a pickup order takes its stock (the pickup methods,
    read-only) and keeps each shop's location (the locations API, store_inventory)."""
    params = _params(_install(sandbox, app_store["owner"]["email"]).headers["Location"])
    headers = {"X-Auth-Token": _exchange(sandbox, params).json()["access_token"]}
    v3 = f"{sandbox.url}/stores/{app_store['hash']}/v3"
    assert requests.get(f"{v3}/pickup/methods", headers=headers).status_code == 200
    assert requests.get(f"{v3}/inventory/locations", headers=headers).status_code == 200
    method = [{"location_id": 1, "display_name": "Counter"}]
    assert requests.post(f"{v3}/pickup/methods", json=method, headers=headers).status_code == 403


def test_form_encoded_token_exchange_and_bad_inputs(sandbox, app_store):
    params = _params(_install(sandbox, app_store["owner"]["email"]).headers["Location"])
    assert _exchange(sandbox, params, client_secret="wrong").status_code == 400
    assert _exchange(sandbox, params, redirect_uri="http://evil.test/cb").status_code == 400
    assert _exchange(sandbox, params, code="made-up").status_code == 400
    form = requests.post(
        f"{sandbox.url}/login/oauth2/token",
        data={
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "code": params["code"],
            "context": params["context"],
            "scope": params["scope"],
            "grant_type": "authorization_code",
        },
    )
    assert form.status_code == 200 and form.json()["access_token"]


def test_wrong_password_is_refused(sandbox, app_store):
    assert _install(sandbox, app_store["owner"]["email"], "nope").status_code == 401


def test_open_a_new_store_on_the_install_page(sandbox):
    email = f"new-{time.monotonic_ns()}@shop.test"
    answer = requests.post(
        f"{sandbox.url}/login/app/{CLIENT_ID}/install",
        allow_redirects=False,
        data={"action": "create", "name": "Nouvelle boutique", "email": email, "password": "pw", "currency": "USD"},
    )
    assert answer.status_code == 302
    params = _params(answer.headers["Location"])
    grant = _exchange(sandbox, params).json()
    info = requests.get(
        f"{sandbox.url}/stores/{params['context'].split('/')[1]}/v2/store",
        headers={"X-Auth-Token": grant["access_token"]},
    ).json()
    assert info["name"] == "Nouvelle boutique" and info["currency"] == "USD"
    assert info["is_price_entered_with_tax"] is False  # the box was left unticked


def test_load_jwt_claims(sandbox, app_store, receiver):
    _exchange(sandbox, _params(_install(sandbox, app_store["owner"]["email"]).headers["Location"]))
    url = sandbox.control("POST", f"/stores/{app_store['hash']}/apps/{CLIENT_ID}/load-url", {"channel_id": 1})["url"]
    assert url.startswith(receiver.url + "/integrations/bigcommerce/app/load/?signed_payload_jwt=")
    token = _params(url)["signed_payload_jwt"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience=CLIENT_ID, issuer="bc")
    assert claims["sub"] == f"stores/{app_store['hash']}"
    assert claims["exp"] - claims["iat"] == 86400 and claims["nbf"] <= claims["iat"]
    assert claims["user"]["email"] == app_store["owner"]["email"] and "locale" in claims["user"]
    assert claims["owner"]["id"] == claims["user"]["id"]
    assert claims["url"] == "/" and claims["channel_id"] == 1 and len(claims["jti"]) == 36
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "other-secret", algorithms=["HS256"], audience=CLIENT_ID)
    panel = requests.get(
        f"{sandbox.url}/manage/stores/{app_store['hash']}/apps/{CLIENT_ID}/open", allow_redirects=False
    )
    assert panel.status_code == 302 and "signed_payload_jwt=" in panel.headers["Location"]


def test_uninstall_calls_back_revokes_token_and_deletes_the_apps_hooks(sandbox, app_store, receiver):
    grant = _exchange(sandbox, _params(_install(sandbox, app_store["owner"]["email"]).headers["Location"])).json()
    headers = {"X-Auth-Token": grant["access_token"]}
    base = f"{sandbox.url}/stores/{app_store['hash']}"
    hook = requests.post(
        base + "/v3/hooks",
        headers=headers,
        json={"scope": "store/app/uninstalled", "destination": receiver.url + "/wh"},
    ).json()["data"]
    other = sandbox.api_account(app_store["hash"])
    other_headers = {"X-Auth-Token": other["access_token"]}
    requests.post(
        base + "/v3/hooks",
        headers=other_headers,
        json={"scope": "store/product/created", "destination": receiver.url + "/other"},
    )
    result = sandbox.control("POST", f"/stores/{app_store['hash']}/apps/{CLIENT_ID}/uninstall")
    assert result["status"] == 200
    receiver.wait_for(2)
    callback = next(r for r in receiver.requests if r["method"] == "GET")
    assert callback["path"].startswith("/integrations/bigcommerce/app/uninstall/?signed_payload_jwt=")
    token = _params(callback["path"])["signed_payload_jwt"]
    assert jwt.decode(token, SECRET, algorithms=["HS256"], audience=CLIENT_ID)["sub"] == f"stores/{app_store['hash']}"
    uninstalled = next(r for r in receiver.requests if r["method"] == "POST")
    assert b"store/app/uninstalled" in uninstalled["body"]
    assert requests.get(base + "/v2/store", headers=headers).status_code == 401
    assert hook["id"] not in [h["id"] for h in requests.get(base + "/v3/hooks", headers=other_headers).json()["data"]]
    assert len(requests.get(base + "/v3/hooks", headers=other_headers).json()["data"]) == 1


def test_remove_user_callback(sandbox, app_store, receiver):
    _exchange(sandbox, _params(_install(sandbox, app_store["owner"]["email"]).headers["Location"]))
    sandbox.control("POST", f"/stores/{app_store['hash']}/apps/{CLIENT_ID}/remove-user")
    call = receiver.wait_for(1)[0]
    assert call["path"].startswith("/integrations/bigcommerce/app/remove-user/?signed_payload_jwt=")
