"""Comptoir → BigCommerce product export against the sandbox (issue 9's figures).

1. Initial sync of P products (one option of three values, so three variants, and two 8×8 PNG
   images each, served over a local HTTP server the sandbox downloads them from) under a
   QUOTA / WINDOW store quota: BigCommerce calls per product (goal ≤ 1.05), share of the quota
   used (≥ 90 %), 429 answers after the first window (0), wall time against the quota's floor
   (calls / quota × window).
2. An update of U of those products (their description changed): calls per changed product
   (goal ≤ 0.15: product fields go ten to a PUT).
3. The worker's peak memory (ru_maxrss of the process that runs the export task) for a small and
   a large catalogue, products without images, under a raised quota (goal: flat, ≤ 1.2×).

The memory phase's wall time is the sandbox's: its create gets slower as the store fills (it is a
single process at 100 % CPU by 10,000 products), so only its memory figures count.

Every phase runs in its own process against a throwaway SQLite file and a sandbox with its own
temporary data file; all of it is removed at the end.

Sizes: by default P=1,000 and U=500 at 150 per 30 s (the BigCommerce default; about 4 minutes),
and memory for 1,000 vs 10,000 products as issue 18's table asks (the 10,000 take the sandbox a
while). Environment: BENCH_PRODUCTS, BENCH_UPDATE, BENCH_QUOTA (150), BENCH_WINDOW_S (30; e.g. 3
for a quick run: the figures are ratios against the floor), BENCH_MEMORY_SIZES ("1000,10000"),
BENCH_PHASES ("sync,memory": either or both).
"""

from __future__ import annotations

import functools
import http.server
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from bench import _driver as d
from bench._rows import Row, at_least, at_most, equal, shown

ROOT = Path(__file__).resolve().parent.parent


def _media_server(root: Path):
    """Serves ``root`` at /media/ as the public site does (BigCommerce downloads images from it)."""
    site = root.parent / "site"
    site.mkdir(exist_ok=True)
    (site / "media").symlink_to(root)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/media/"


def _worker(env: dict, *args: str) -> dict:
    command = [sys.executable, "-m", "bench._product_sync_worker", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    line = next(x for x in reversed(done.stdout.splitlines()) if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def _phase_env(tmp: Path, name: str, sandbox_url: str, media: Path, media_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": f"sqlite:///{tmp / (name + '.sqlite3')}",
            "MEDIA_ROOT": str(media),
            "COMPTOIR_MEDIA_PUBLIC_URL": media_url,
            "BENCH_SANDBOX_URL": sandbox_url,
            "Q_SYNC": "1",
        }
    )
    return env


def main() -> dict:
    from sandbox.testing import SandboxProcess

    products = int(os.environ.get("BENCH_PRODUCTS", "1000"))
    update = int(os.environ.get("BENCH_UPDATE", str(products // 2)))
    quota = int(os.environ.get("BENCH_QUOTA", "150"))
    window_s = float(os.environ.get("BENCH_WINDOW_S", "30"))
    sizes = [int(x) for x in os.environ.get("BENCH_MEMORY_SIZES", "1000,10000").split(",")]
    phases = os.environ.get("BENCH_PHASES", "sync,memory").split(",")
    figures: dict = {"products": products, "update": update, "quota": quota, "window_s": window_s}
    tmp = Path(tempfile.mkdtemp(prefix="bench-product-sync-"))
    media = tmp / "media"
    media.mkdir()
    server, media_url = _media_server(media)
    try:
        with SandboxProcess(
            data=str(tmp / "sandbox.sqlite3"),
            extra_args=["--rate-limit", f"{quota}/{window_s:g}"],
            env={"SANDBOX_APP_URL": "http://127.0.0.1:8000"},
        ) as sandbox:
            if "sync" in phases:
                figures.update(_sync_and_update(sandbox, tmp, media, media_url, products, update, quota, window_s))
            if "memory" in phases:
                figures["memory"] = _memory(sandbox, tmp, media, media_url, sizes)
    finally:
        server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    return figures


def _sync_and_update(sandbox, tmp, media, media_url, products, update, quota, window_s) -> dict:
    env = _phase_env(tmp, "sync", sandbox.url, media, media_url)
    made = _worker(env, "fill", "--products", str(products), "--images", "2")
    store = made["store"]
    sandbox.set_rate_limit(store, quota, int(window_s * 1000))  # a fresh window at the real quota
    since = d.last_request_id(sandbox, store)
    result = _worker(env, "export", "--connection", str(made["connection"]))
    calls = d.api_calls(sandbox, store, since)
    first_at = calls[0]["at"] if calls else 0
    late_429 = d.late_429(calls, window_s)
    floor_s = len(calls) / quota * window_s
    span_s = (calls[-1]["at"] - first_at) if calls else 0.0
    windows = max(1, math.ceil(span_s / window_s)) if calls else 1
    sync = {
        "calls": len(calls),
        "calls_per_product": round(len(calls) / products, 3),
        "http_429": sum(1 for r in calls if r["status"] == 429),
        "http_429_after_first_window": late_429,
        "wall_s": result["seconds"],
        "floor_s": round(floor_s, 1),
        "wall_over_floor": round(result["seconds"] / floor_s, 3) if floor_s else None,
        "quota_share_used": round(floor_s / result["seconds"], 3) if result["seconds"] else None,
        "quota_share_of_windows": round(len(calls) / (quota * windows), 3),
        "windows": windows,
        "synced": result["synced"],
        "failed": result["failed"],
        "run": result["run"],
        "routes": d.routes(calls),
    }
    print(f"   initial sync: {products} products × 3 variants × 2 images, quota {quota} per {window_s:g} s")
    print(
        f"   {sync['calls']} calls = {sync['calls_per_product']} per product (goal ≤ 1.05); "
        f"synced {sync['synced']}, failed {sync['failed']}; run {result['run']}"
    )
    print(
        f"   wall {sync['wall_s']} s vs floor {sync['floor_s']} s (calls / quota × window) = "
        f"{sync['wall_over_floor']}×; quota used {sync['quota_share_used']:.1%} (goal ≥ 90 %; "
        f"{sync['quota_share_of_windows']:.1%} of {windows} whole window(s); the first window's calls go at "
        "once, so the wall time can be just under this floor)"
    )
    print(f"   429 answers: {sync['http_429']}, after the first window: {late_429} (goal 0)")
    print(f"   by route: {json.dumps(sync['routes'])}")

    since = d.last_request_id(sandbox, store)
    result = _worker(env, "export", "--connection", str(made["connection"]), "--update", str(update))
    calls = d.api_calls(sandbox, store, since)
    upd = {
        "calls": len(calls),
        "calls_per_changed_product": round(len(calls) / update, 3) if update else None,
        "http_429": sum(1 for r in calls if r["status"] == 429),
        "wall_s": result["seconds"],
        "dirty_left": result["dirty_left"],
        "routes": d.routes(calls),
    }
    print(
        f"   update of {update} changed products: {upd['calls']} calls = {upd['calls_per_changed_product']} "
        f"per changed product (goal ≤ 0.15); {upd['wall_s']} s; 429s {upd['http_429']}; "
        f"left dirty {upd['dirty_left']}"
    )
    print(f"   by route: {json.dumps(upd['routes'])}")
    return {"initial_sync": sync, "update_sync": upd}


def _memory(sandbox, tmp, media, media_url, sizes) -> dict:
    out = {}
    for size in sizes:
        env = _phase_env(tmp, f"memory-{size}", sandbox.url, media, media_url)
        made = _worker(env, "fill", "--products", str(size), "--images", "0")
        sandbox.set_rate_limit(made["store"], 1_000_000, 1000)  # memory, not pacing, is measured here
        result = _worker(env, "export", "--connection", str(made["connection"]))
        out[size] = {
            "rss_peak_mb": round(result["rss_peak_kb"] / 1024, 1),
            "rss_growth_mb": round((result["rss_peak_kb"] - result["rss_before_kb"]) / 1024, 1),
            "seconds": result["seconds"],
            "synced": result["synced"],
        }
        print(
            f"   worker memory, {size} products (no images): peak RSS {out[size]['rss_peak_mb']} MB "
            f"(+{out[size]['rss_growth_mb']} MB during the export), {result['seconds']} s, synced {result['synced']}"
        )
    small, large = out[sizes[0]], out[sizes[-1]]
    ratio = round(large["rss_peak_mb"] / small["rss_peak_mb"], 3)
    out["ratio"] = ratio
    print(f"   peak memory {sizes[-1]} vs {sizes[0]} products: {ratio}× (goal ≤ 1.2×)")
    return out


def summary(figures: dict) -> list[Row]:
    sync, upd, memory = figures.get("initial_sync") or {}, figures.get("update_sync") or {}, figures.get("memory")
    per, share = sync.get("calls_per_product"), sync.get("quota_share_used")
    late, changed = sync.get("http_429_after_first_window"), upd.get("calls_per_changed_product")
    rows: list[Row] = [
        (f"calls per product, initial sync ({figures.get('products', 0):,})", "≤ 1.05", shown(per), at_most(per, 1.05)),
        ("share of the quota used, initial sync", "≥ 90 %", shown(share, spec=".1%"), at_least(share, 0.9)),
        ("429 answers after the first window, initial sync", "0", shown(late), equal(late, 0)),
        (
            f"calls per changed product, update ({figures.get('update', 0):,})",
            "≤ 0.15",
            shown(changed),
            at_most(changed, 0.15),
        ),
    ]
    sizes = sorted(int(k) for k in (memory or {}) if k != "ratio")
    ratio = (memory or {}).get("ratio")
    large = (memory or {}).get(str(sizes[-1]), (memory or {}).get(sizes[-1], {})) if sizes else {}
    rows.append(
        (
            f"worker peak memory, {sizes[-1]:,} vs {sizes[0]:,} products" if sizes else "worker peak memory",
            "≤ 1.2×",
            f"{shown(ratio, '×')} ({shown(large.get('rss_peak_mb'), ' MB')})",
            at_most(ratio, 1.2),
        )
    )
    return rows
