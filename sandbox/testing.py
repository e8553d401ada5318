"""Run the sandbox as a subprocess for tests and benchmarks, and drive its control endpoint.

with SandboxProcess() as sandbox:
    store = sandbox.create_store()
    token = sandbox.api_account(store["hash"])["access_token"]
    ...
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LISTENING = "Sandbox listening on "


class SandboxProcess:
    def __init__(
        self,
        *,
        data: str | None = None,
        extra_args: list[str] | None = None,
        startup_timeout: float = 60.0,
        env: dict | None = None,
    ):
        self._tmpdir = None if data else tempfile.TemporaryDirectory(prefix="sandbox-")
        self.data = data or os.path.join(self._tmpdir.name, "sandbox.sqlite3")
        self.extra_args = extra_args or []
        self.startup_timeout = startup_timeout
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.output: list[str] = []

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> SandboxProcess:
        cmd = [sys.executable, "-m", "sandbox", "--port", "0", "--data", self.data, *self.extra_args]
        self.proc = subprocess.Popen(
            cmd,
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(self.env or {})},
        )
        found = threading.Event()

        def read_output() -> None:
            for line in self.proc.stdout:
                self.output.append(line)
                if not found.is_set() and line.startswith(LISTENING):
                    self.url = line[len(LISTENING) :].strip()
                    found.set()

        threading.Thread(target=read_output, daemon=True).start()
        if not found.wait(self.startup_timeout):
            self.stop()
            raise RuntimeError("sandbox did not start:\n" + "".join(self.output))
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- control endpoint ----------------------------------------------------------
    def control(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/_sandbox{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{method} {path}: {exc.code} {exc.read().decode()}") from None
        return json.loads(raw) if raw else None

    def create_store(self, **fields) -> dict:
        """A fresh store (unique hash unless given) so each test is isolated."""
        fields.setdefault("hash", "t" + uuid.uuid4().hex[:12])
        return self.control("POST", "/stores", fields)

    def api_account(self, store_hash: str, scopes: list[str] | None = None) -> dict:
        body = {} if scopes is None else {"scopes": scopes}
        return self.control("POST", f"/stores/{store_hash}/api-accounts", body)

    def set_faults(self, store_hash: str, faults: list[dict | str]) -> list[dict]:
        return self.control("PUT", f"/stores/{store_hash}/faults", faults)

    def set_options(self, store_hash: str, **options) -> dict:
        """Store options (README "Store options"), e.g. refund_restocks=True."""
        return self.control("PUT", f"/stores/{store_hash}/options", options)

    def set_rate_limit(self, store_hash: str, quota: int, window_ms: int = 30000) -> dict:
        return self.control("PUT", f"/stores/{store_hash}/rate-limit", {"quota": quota, "window_ms": window_ms})

    def request_log(self, store_hash: str, since: int = 0) -> list[dict]:
        return self.control("GET", f"/stores/{store_hash}/requests?since={since}")

    def stock_levels(self, store_hash: str, location_id: int = 1) -> dict[int, int]:
        """Every variant's level at a location, by variant id, read from the sandbox's storage
        (no API call: no quota, nothing in the request log)."""
        answer = self.control("GET", f"/stores/{store_hash}/stock?location_id={location_id}")
        return {int(k): v for k, v in answer["variants"].items()}

    def location_levels(self, store_hash: str) -> dict[int, dict[int, int]]:
        """Every location's levels, {location_id: {variant_id: level}}, read from storage."""
        answer = self.control("GET", f"/stores/{store_hash}/locations/stock")
        return {loc["id"]: {int(k): v for k, v in loc["variants"].items()} for loc in answer["locations"]}

    def counters(self, store_hash: str) -> dict:
        return self.control("GET", f"/stores/{store_hash}/counters")

    def reset(self, store_hash: str, what: list[str] | None = None) -> dict:
        return self.control("POST", f"/stores/{store_hash}/reset", {"what": what} if what else {})

    def deliveries(self, store_hash: str) -> list[dict]:
        return self.control("GET", f"/stores/{store_hash}/deliveries")

    def deliveries_settled(self, store_hash: str, *, timeout: float = 30.0) -> list[dict]:
        """The store's deliveries once none is pending or being sent (every queued webhook has
        been delivered, dropped, cancelled or has failed); RuntimeError after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            deliveries = self.deliveries(store_hash)
            if not any(d["status"] in ("pending", "sending") for d in deliveries):
                return deliveries
            if time.monotonic() > deadline:
                raise RuntimeError(f"deliveries still queued after {timeout} s: {deliveries}")
            time.sleep(0.05)

    def retry_webhooks_now(self, store_hash: str) -> dict:
        return self.control("POST", f"/stores/{store_hash}/webhooks/retry-now")

    def place_order(self, store_hash: str, order: dict) -> dict:
        return self.control("POST", f"/stores/{store_hash}/orders", order)

    def delete_store(self, store_hash: str) -> None:
        self.control("DELETE", f"/stores/{store_hash}")
