"""`make serve` (scripts/serve.py): the production stack — gunicorn, a django-q2 cluster per lane, the
sandbox — on PostgreSQL + Redis with production settings, started for real.

One test, so that one stack at a time uses its Redis database: it checks that the release steps ran
(the demo merchant logs in; pages render through whitenoise's compressed manifest storage, with
hashed static URLs that are served and cached for good); then the journey of issue 18's CI, in
Chromium: connect the demo store through the sandbox's install page and the wizard, the initial
sync done by the workers, a Register sale whose stock reaches the sandbox, and /health/ready
ready; then that a request in flight when SIGTERM
arrives still gets its answer (gunicorn's graceful stop), that both clusters stop through their own
shutdown, and that nothing is left running and no port stays busy afterwards.
"""

import os
import re
import signal
import socket
import time
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest
import requests

from conftest import CHROMIUM_PATH, redis_available, require_service
from sandbox.testing import SandboxProcess
from tests.test_run_all import RunAll, descendants, free_port, kill_leftovers, port_in_use, still_running
from tests.waiting import wait_until

STARTUP_TIMEOUT = 240  # migrations, collectstatic and five processes on a loaded machine
pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads the process tree from /proc (Linux)")


@pytest.fixture
def serve_env(tmp_path):
    database_url = os.environ.get("DATABASE_URL", "")
    require_service("postgres", database_url.startswith("postgres"), "needs DATABASE_URL=postgres://… (make serve's)")
    require_service("redis", redis_available(), "needs Redis on REDIS_URL")
    require_service("chromium", os.path.exists(CHROMIUM_PATH), f"needs Debian's chromium at {CHROMIUM_PATH}")
    server = urlsplit(database_url)
    name = f"prod_serve_test_{os.getpid()}"
    redis_url = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379")._replace(path="/13").geturl()
    web = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COMPTOIR_", "BIGCOMMERCE_", "Q_"))}
    env.update(
        {
            "DATABASE_URL": server._replace(path=f"/{name}").geturl(),
            "REDIS_URL": redis_url,
            "PORT": str(web),
            "SANDBOX_PORT": str(next(p for p in iter(free_port, None) if p != web)),
            "SERVE_STATE": str(tmp_path / "serve"),
            "Q_WORKERS": "1",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "2",
        }
    )
    yield env
    with psycopg.connect(server._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def login(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": "demo@comptoir.test", "password": "comptoir-demo"},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
    )
    assert answer.status_code == 200 and "/accounts/login/" not in answer.url, answer.text[-2000:]
    return session


SKU = "DEMO-MUG-SAGE"  # in Comptoir's demo catalog, not in the sandbox's demo store: the sync creates it


def sandbox_level(sandbox_url: str, token: str) -> int | None:
    """The sandbox's stock of SKU, as the merchant's own API client would read it (None: not there yet)."""
    answer = requests.get(
        f"{sandbox_url}/stores/demostore/v3/catalog/variants",
        params={"sku": SKU},
        headers={"X-Auth-Token": token, "Accept": "application/json"},
        timeout=30,
    )
    answer.raise_for_status()
    rows = answer.json()["data"]
    return rows[0]["inventory_level"] if rows else None


def eventually(read, timeout: float = 180):
    """The first truthy value ``read()`` returns, polling (a bound on waiting, never a figure)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(1)


def journey(page, base: str, sandbox_url: str) -> None:
    """Connect, sync, sell: through the production stack, in the browser (the suite's Chromium: one
    Playwright per process, a second sync_playwright() in the same thread is refused)."""
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=login]", "demo@comptoir.test")
        page.fill("input[name=password]", "comptoir-demo")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/integrations/bigcommerce/")
        page.click("button:has-text('Connect')")
        page.wait_for_url(f"{sandbox_url}/login/app/**")
        page.fill("form:has(input[value=login]) input[name=email]", "owner@demo-store.test")
        page.fill("form:has(input[value=login]) input[name=password]", "sandbox")
        page.click("text=Log in and install")
        page.wait_for_url("**/setup/managed-in/")
        page.check("input[value=comptoir]")
        page.click("button:has-text('Continue')")
        page.wait_for_url("**/setup/prices/")
        page.check("input[name=include_prices][value=yes]")
        page.click("button:has-text('Continue')")
        page.wait_for_url("**/setup/products/")
        page.check("input[value=all]")
        page.click("button:has-text('Continue')")
        page.wait_for_url("**/setup/review/")
        # The duplicates check runs on a worker; the sandbox's demo store has some of the products.
        page.wait_for_selector("text=Products to sync to BigCommerce", timeout=120_000)
        for choice in page.locator("input[type=radio][value=link]").all():  # link each one found
            choice.check()
        page.locator("#wizard-step button:has-text('Continue')").last.click()
        # The demo merchant has two shops: the second gets a location created (the step's default).
        page.wait_for_url("**/setup/locations/")
        page.wait_for_selector("text=What your website sells", timeout=60_000)
        page.locator("#wizard-step button:has-text('Continue')").last.click()
        page.wait_for_url("**/setup/finish/")
        page.click("button:has-text('Finish setup')")
        page.wait_for_url(f"{base}/integrations/bigcommerce/", timeout=60_000)
        page.wait_for_selector(".badge-ok")

        # The initial sync runs on the bulk worker: the product reaches the sandbox.
        control = SandboxProcess.__new__(SandboxProcess)
        control.url = sandbox_url
        token = control.api_account("demostore")["access_token"]
        before = eventually(lambda: sandbox_level(sandbox_url, token))
        assert before, f"{SKU} never reached the sandbox with its stock"

        page.goto(f"{base}/register/")
        page.fill("#register-q", SKU)
        page.press("#register-q", "Enter")
        page.wait_for_selector("button.btn-sell:has-text('18.00')")
        page.click("button.btn-sell")
        page.wait_for_selector("text=Sale #")
        # The stock push runs on the urgent lane: BigCommerce's level follows the sale.
        assert eventually(lambda: sandbox_level(sandbox_url, token) == before - 1), (
            before,
            sandbox_level(sandbox_url, token),
        )
    except Exception:
        print("JOURNEY PAGE", page.url, page.inner_text("body")[:3000])
        raise


def slow_login_post(base: str, session: requests.Session) -> tuple[socket.socket, bytes]:
    """A login POST whose body is only half sent: the request is in gunicorn's hands, waiting."""
    page = session.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    body = urlencode({"csrfmiddlewaretoken": token, "login": "demo@comptoir.test", "password": "wrong"}).encode()
    cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    host = urlsplit(base).netloc
    head = (
        f"POST /accounts/login/ HTTP/1.1\r\nHost: {host}\r\nCookie: {cookies}\r\nReferer: {base}/accounts/login/\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    conn = socket.create_connection(("127.0.0.1", int(host.rsplit(":", 1)[1])), timeout=60)
    conn.sendall(head + body[:10])
    return conn, body[10:]


def test_serve_runs_the_production_stack_and_stops_it_draining_a_request_in_flight(serve_env, page):
    base = f"http://127.0.0.1:{serve_env['PORT']}"
    run = RunAll(serve_env, script="scripts/serve.py")
    recorded: dict = {}
    try:
        run.wait_for_output(
            f"Listening at: http://127.0.0.1:{serve_env['PORT']}",
            f"Sandbox listening on http://127.0.0.1:{serve_env['SANDBOX_PORT']}",
            "[django_q:",
            timeout=STARTUP_TIMEOUT,
        )
        assert wait_until(lambda: "".join(run.lines).count(" running.") >= 2, timeout=60), run.output()
        recorded = descendants(run.proc.pid)
        commands = " ".join(open(f"/proc/{pid}/cmdline").read().replace("\0", " ") for pid in recorded)
        assert "-m gunicorn" in commands and commands.count("manage.py qcluster") >= 2, commands

        session = login(base)
        for path in ("/", "/catalog/", "/register/", "/sales/", "/integrations/bigcommerce/"):
            answer = session.get(base + path, timeout=30)
            assert answer.status_code == 200, (path, answer.status_code)
            css = re.search(r'href="(/static/css/comptoir\.[0-9a-f]{12}\.css)"', answer.text)
            assert css, f"{path}: no hashed stylesheet URL"
        sheet = session.get(base + css.group(1), headers={"Accept-Encoding": "gzip"}, timeout=30)
        assert sheet.status_code == 200 and "immutable" in sheet.headers["Cache-Control"]
        assert sheet.headers.get("Content-Encoding") == "gzip"  # the compressed copy collectstatic wrote

        journey(page, base, f"http://127.0.0.1:{serve_env['SANDBOX_PORT']}")
        # Both lanes have run tasks (the sync, the push) and every schedule is in: ready.
        assert wait_until(lambda: requests.get(f"{base}/health/ready", timeout=30).status_code == 200, timeout=60), (
            requests.get(f"{base}/health/ready", timeout=30).text
        )

        conn, rest = slow_login_post(base, session)
        time.sleep(1)  # the worker thread is now reading the body
        run.proc.send_signal(signal.SIGTERM)
        assert wait_until(lambda: "Handling signal: term" in "".join(run.lines), timeout=30), run.output()
        conn.sendall(rest)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
        conn.close()
        # Answered in full after SIGTERM (allauth sends a signed-in session on: 302).
        assert re.match(rb"HTTP/1\.1 302 ", answer) and answer.endswith(b"\r\n\r\n"), answer[:300]
        assert run.proc.wait(timeout=120) == 0, run.output()
        output = "".join(run.lines)
        assert output.count("has stopped.") >= 2, run.output()  # each cluster's own shutdown, not a kill
        assert "Forcing the remaining processes" not in output
        assert still_running(recorded) == [], run.output()
        assert not port_in_use(int(serve_env["PORT"])) and not port_in_use(int(serve_env["SANDBOX_PORT"]))
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
        kill_leftovers(recorded or descendants(run.proc.pid))
