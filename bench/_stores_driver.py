"""The driver of ``bench.many_stores``: BENCH_STORES merchants, each connected to a sandbox store
of its own at the real quota, each with a POS device; Comptoir's web (BENCH_WEB_SERVER: gunicorn,
the Procfile's, with BENCH_WEB_PROCESSES processes; or ``runserver``, that many processes with the
stores spread over them) and one worker host (BENCH_WORKERS workers), every process keeping its
database connections BENCH_CONN_MAX_AGE (60) seconds as ``make serve`` does; then every store
sells one item a second for BENCH_SECONDS through the POS API. Prints one ``RESULT {json}`` line.

    python -m bench._stores_driver

Django's code is imported inside the functions: this module is imported before ``django.setup()``.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from bench import _driver as d
from bench._cpu import CpuMeter


def env_int(name: str, default: int) -> int:
    return int(d.env_number(name, default))


class Tills:
    """The stores' POS devices selling through the API, one request per store and second, spread
    evenly over each second; answers and their time counted."""

    def __init__(self, stores: list[dict], web_urls: list[str]):
        self.stores, self.web_urls = stores, web_urls
        self.local = threading.local()
        self.lock = threading.Lock()
        self.statuses: dict[str, int] = {}
        self.answer_s: list[float] = []

    def sell(self, i: int, n: int) -> None:
        store = self.stores[i]
        session = getattr(self.local, "session", None) or requests.Session()
        self.local.session = session
        variant = store["variants"][n % len(store["variants"])]
        started = time.monotonic()
        try:
            status = str(
                d.pos_sell(
                    session,
                    self.web_urls[i % len(self.web_urls)],
                    store["token"],
                    variant,
                    f"s{i}-{n}-{uuid.uuid4().hex[:6]}",
                )
            )
        except requests.RequestException as exc:
            status = type(exc).__name__
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.answer_s.append(time.monotonic() - started)

    def run(self, seconds: int, threads: int) -> float:
        count = len(self.stores)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for n in range(seconds):
                for i in range(count):
                    time.sleep(max(0.0, started + n + i / count - time.monotonic()))
                    pool.submit(self.sell, i, n)
        return time.monotonic() - started


def stores_connect(sb, count: int, products: int) -> list[dict]:
    stores = []
    started = time.monotonic()
    for i in range(count):
        runner = d.store_connect(sb, products=products, seed=i + 1)
        stores.append(
            {
                "hash": runner.hash,
                "connection": runner.connection.pk,
                "variants": [v.pk for v in runner.variants],
                "token": d.device_token(runner.merchant),
                "since": d.last_request_id(sb, runner.hash),
            }
        )
        if (i + 1) % 20 == 0 or i + 1 == count:
            d.say(f"{i + 1} stores connected ({time.monotonic() - started:.0f} s)")
    return stores


def main() -> int:
    count, seconds = env_int("BENCH_STORES", 200), env_int("BENCH_SECONDS", 120)
    workers = env_int("BENCH_WORKERS", 4)
    server, web_processes = os.environ.get("BENCH_WEB_SERVER") or "gunicorn", env_int("BENCH_WEB_PROCESSES", 2)
    # As a deployment runs (``make serve``): connections kept between requests and tasks.
    os.environ["DATABASE_CONN_MAX_AGE"] = os.environ.get("BENCH_CONN_MAX_AGE") or "60"
    os.environ.setdefault("WEB_CONCURRENCY", str(web_processes))
    with d.driving() as (procs, figures):
        if server == "gunicorn":  # the Procfile's web: WEB_CONCURRENCY processes × GUNICORN_THREADS threads
            web_urls = [procs.web(server="gunicorn")]
        else:
            web_urls = [procs.web()]
            web_urls += [procs.web(d.free_port()) for _ in range(web_processes - 1)]
        figures["web"] = f"{server} × {web_processes}, DATABASE_CONN_MAX_AGE={os.environ['DATABASE_CONN_MAX_AGE']}"
        sb = d.sandbox()
        stores = stores_connect(sb, count, env_int("BENCH_STORE_PRODUCTS", 2))
        for store in stores:  # the setup's pushes are done: a fresh window for each store
            sb.set_rate_limit(store["hash"], *d.quota())
            store["since"] = d.last_request_id(sb, store["hash"])
        procs.workers_ready(figures, bulk=1, urgent=max(1, workers - 1))
        d.say(f"{count} stores; web: {len(web_urls)} process(es); workers: {figures['lanes']}; selling …")
        first = d.last_movement()
        tills = Tills(stores, web_urls)
        cpu = CpuMeter(procs)
        with d.RssSampler(procs) as rss:
            cpu.start()
            took = tills.run(seconds, threads=env_int("BENCH_CLIENT_THREADS", 32))
            connections = [s["connection"] for s in stores]
            left = d.wait_pushes_done(connections, timeout=120)
            figures["cpu"] = cpu.stop(sales=tills.statuses.get("201", 0))
        delays = d.push_delays(connections, first)
        calls = [r for s in stores for r in d.api_calls(sb, s["hash"], s["since"])]
        figures.update(
            stores=count,
            seconds=seconds,
            sales_asked=count * seconds,
            selling_s=round(took, 1),
            answers=tills.statuses,
            pos_answer=d.delays(tills.answer_s),
            sale_to_bigcommerce=d.delays(delays),
            pushes_left=left,
            calls=len(calls),
            http_429=sum(1 for r in calls if r["status"] == 429),
            sandbox_ms_p99=d.answer_ms_p99(calls),
            worker_rss=rss.figures(),
            rss_samples=rss.samples[:: max(1, len(rss.samples) // 60)],
        )
        got = figures["sale_to_bigcommerce"]
        d.say(
            f"{count} stores × {seconds} s: {sum(tills.statuses.values())} sales sent in {figures['selling_s']} s "
            f"(answers {tills.statuses}; POS answer p99 {figures['pos_answer'].get('p99_s')} s); sale → BigCommerce "
            f"median {got.get('median_s')} s, p99 {got.get('p99_s')} s, max {got.get('max_s')} s; pushes left {left}; "
            f"{len(calls)} calls, {figures['http_429']} × 429 (the sandbox answered in {figures['sandbox_ms_p99']} ms, "
            f"p99); worker RSS {figures['worker_rss']}"
        )
        d.say(f"CPU: {figures['cpu']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
