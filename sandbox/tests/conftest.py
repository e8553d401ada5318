"""Fixtures: one sandbox subprocess per session, a fresh store per test, a webhook receiver.

These tests talk real HTTP and need no Django (run with `-p no:django`).
"""

from __future__ import annotations

import functools
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from sandbox.testing import SandboxProcess

# Retries run 50 000 times faster: the whole 48 h schedule takes ~3.5 s.
TIME_SCALE = "50000"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "contract: checks the sandbox's answers against BigCommerce's OpenAPI files "
        "(skips when no bigcommerce/docs copy is found; see sandbox/tests/contract.py)",
    )


def _in_process(app, store_hash: str, method: str, path: str, query: str = "", body=None) -> tuple[int, bytes]:
    """(status, body) of an API call to the in-process sandbox: `path` under the store's."""
    raw = b"" if body is None else json.dumps(body).encode()
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": f"/stores/{store_hash}{path}",
        "QUERY_STRING": query,
        "HTTP_X_AUTH_TOKEN": app.token,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }
    status = []
    answer = b"".join(app(environ, lambda line, headers: status.append(int(line.split()[0]))))
    return status[0], answer


@pytest.fixture
def app(tmp_path, request):
    """The sandbox in-process (no server) on a file of its own, with the test module's store
    (``STORE``), a token for it (``app.token``) and its API (``app.call(method, path, query, body)``:
    status and body)."""
    from sandbox import auth
    from sandbox.app import Sandbox
    from sandbox.config import Config
    from sandbox.storage import Database
    from sandbox.stores import store_create

    db = Database(str(tmp_path / "s.sqlite3"))
    app = Sandbox(db, Config(data=db.path, port=0, base_url="http://127.0.0.1:1"))
    with db.tx():
        store_create(db, store_hash=request.module.STORE)
        app.token = auth.account_create(db, store_hash=request.module.STORE)["access_token"]
    app.call = functools.partial(_in_process, app, request.module.STORE)
    yield app
    db.conn.close()


@pytest.fixture(scope="session")
def sandbox():
    with SandboxProcess(extra_args=["--webhook-time-scale", TIME_SCALE, "--seed", "7"]) as process:
        yield process


class Api:
    """A BigCommerce API client bound to one store and token (thin on purpose)."""

    def __init__(self, base_url: str, store_hash: str, token: str):
        self.store_hash = store_hash
        self.base = f"{base_url}/stores/{store_hash}"
        self.session = requests.Session()
        self.session.headers.update({"X-Auth-Token": token, "Accept": "application/json"})

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.base + path, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def create_product(self, **fields) -> dict:
        body = {"name": "Product", "type": "physical", "weight": 1, "price": 10, **fields}
        answer = self.post("/v3/catalog/products", json=body)
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]


@pytest.fixture
def store(sandbox):
    return sandbox.create_store(name="Test store")


@pytest.fixture
def api(sandbox, store) -> Api:
    account = sandbox.api_account(store["hash"])
    client = Api(sandbox.url, store["hash"], account["access_token"])
    client.account = account
    return client


class Receiver:
    """A local HTTP endpoint that records what it receives and answers with the next
    status from `statuses` (then 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        self.lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with receiver.lock:
                    receiver.requests.append(
                        {
                            "method": self.command,
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": body,
                        }
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.lock.notify_all()
                return status

            def do_POST(self):
                status = self._record()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self):
                path = self.path.split("?")[0]
                if path in receiver.files:
                    data, content_type = receiver.files[path]
                    self.send_response(200)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                status = self._record()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict]:
        with self.lock:
            self.lock.wait_for(lambda: len(self.requests) >= count, timeout=timeout)
            return list(self.requests)

    def payloads(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests if r["method"] == "POST"]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()
