"""Issue 17's benches at a tiny size, so that they cannot rot: each builds its throwaway stack,
runs its driver, returns its figures and summary rows, and leaves nothing behind (no process that
knows its temporary directory, no directory, no database), also when interrupted with Ctrl-C.
The figures themselves are the bench's business (``python -m bench …``); here: rows and calls."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bench import fairness, many_stores, order_intake

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
TINY = {"BENCH_QUOTA": "150", "BENCH_WINDOW_S": "3", "BENCH_TIMEOUT_S": "300"}


def processes_knowing(root: Path) -> list[str]:
    """Our processes whose command line or environment names ``root`` (this one aside)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            seen = Path(f"/proc/{entry}/cmdline").read_bytes() + Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if str(root).encode() in seen:
            found.append(f"{entry}: {Path(f'/proc/{entry}/cmdline').read_bytes()[:200]!r}")
    return found


def nothing_left(root: Path) -> None:
    deadline = time.monotonic() + 20
    while processes_knowing(root) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_knowing(root) == []
    assert list(root.glob("bench-*")) == []


def bench_databases() -> list[str]:
    # Only the PostgreSQL tests call this: psycopg is there.
    import psycopg

    from bench._stack import postgres_server_url

    with psycopg.connect(postgres_server_url(), autocommit=True) as admin:
        rows = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"bench_%_{os.getpid()}_%",))
        return [r[0] for r in rows]


@pytest.fixture
def sizes(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for name, value in TINY.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_order_intake_on_the_embedded_stack(sizes, tmp_path):
    for name, value in {
        "BENCH_STACKS": "embedded",
        "BENCH_ORDER_PHASES": "steady",
        "BENCH_ORDER_RATE": "2",
        "BENCH_ORDER_SECONDS": "3",
        "BENCH_ORDER_PRODUCTS": "2",
        "BENCH_ORDER_WAIT_S": "90",
    }.items():
        sizes.setenv(name, value)
    figures = order_intake.main()
    steady = figures["stacks"]["embedded"]["steady"]
    assert steady["asked"] == 6
    assert steady["placed"] + steady["refused"] == 6
    assert steady["lost"] == 0 and steady["n"] == steady["placed"] > 0
    assert steady["calls"] > 0  # the intake read the orders from BigCommerce
    rows = order_intake.summary(figures)
    assert [r[0] for r in rows][-1] == "orders lost, 2/s [embedded]"
    assert rows[-1][2:] == ("0", True)
    nothing_left(tmp_path)


def test_order_intake_over_three_shops_on_the_embedded_stack(sizes, tmp_path):
    """Issue 19: pickup orders at the 2nd and 3rd shops' locations reach those shops' ledgers, the
    shipped ones the primary shop's, and each location's level is its shop's afterwards."""
    for name, value in {
        "BENCH_STACKS": "embedded",
        "BENCH_ORDER_PHASES": "shops",
        "BENCH_SHOPS": "3",
        "BENCH_PICKUP_SHARE": "0.5",
        "BENCH_ORDER_RATE": "2",
        "BENCH_ORDER_SECONDS": "4",
        "BENCH_ORDER_PRODUCTS": "2",
        "BENCH_ORDER_WAIT_S": "90",
    }.items():
        sizes.setenv(name, value)
    figures = order_intake.main()
    shops = figures["stacks"]["embedded"]["shops"]
    assert shops["placed"] == 8 and len(shops["locations"]) == 3
    assert shops["pickups"] == 4  # every other order, at the 2nd and 3rd shops in turn
    assert sorted(shops["per_shop"].values()) == [2, 2, 4]
    assert (shops["lost"], shops["wrong_shop"], shops["levels_apart"]) == (0, 0, 0)
    rows = {row[0]: row[2:] for row in order_intake.summary(figures)}
    assert rows["orders in another shop's ledger, 3 shops, 4 pickups, 2/s [embedded]"] == ("0", True)
    nothing_left(tmp_path)


@pytest.mark.postgres
@pytest.mark.redis
def test_fairness_on_postgresql_and_redis(sizes, tmp_path):
    for name, value in {
        "BENCH_STACKS": "server",
        "BENCH_FAIRNESS_PRODUCTS": "40",
        "BENCH_FAIRNESS_SALES": "4",
        "BENCH_FAIRNESS_RATE": "2",
        "BENCH_QUOTA": "20",
    }.items():
        sizes.setenv(name, value)
    figures = fairness.main()
    got = figures["stacks"]["server"]
    assert got["b_statuses"] == {"201": 4}
    assert got["b_sale_to_bigcommerce"]["n"] == 4  # each sale's push was answered by BigCommerce
    assert got["a_calls_during"] > 0  # A's initial sync was calling BigCommerce meanwhile
    assert len(fairness.summary(figures)) == 2
    nothing_left(tmp_path)
    assert bench_databases() == []


@pytest.mark.postgres
@pytest.mark.redis
def test_many_stores_on_postgresql_and_redis(sizes, tmp_path):
    for name, value in {
        "BENCH_STACKS": "server",
        "BENCH_STORES": "2",
        "BENCH_SECONDS": "4",
        "BENCH_WORKERS": "2",
    }.items():
        sizes.setenv(name, value)
    figures = many_stores.main()
    got = figures["stacks"]["server"]
    assert got["answers"] == {"201": 8}
    assert got["sale_to_bigcommerce"]["n"] == 8
    assert got["pushes_left"] == 0
    assert got["worker_rss"]["samples"] > 0
    assert [r[0] for r in many_stores.summary(figures)][:2] == [
        "sandbox answer time p99, 2 stores [server]",
        "sale → BigCommerce p99, 2 stores [server]",
    ]
    nothing_left(tmp_path)
    assert bench_databases() == []


def test_ctrl_c_leaves_nothing_behind(tmp_path):
    """Ctrl-C reaches ``python -m bench`` while its driver's web and workers run."""
    env = {
        **os.environ,
        **TINY,
        "TMPDIR": str(tmp_path),
        "BENCH_STACKS": "embedded",
        "BENCH_STORES": "1",
        "BENCH_SECONDS": "600",
        "BENCH_WORKERS": "2",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench", "many_stores"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a terminal's Ctrl-C reaches the foreground group: this one
    )
    try:
        for line in proc.stdout:
            if "selling" in line:
                break
        else:
            pytest.fail("the bench ended before selling")
        assert processes_knowing(tmp_path)  # web, workers, sandbox are running
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    nothing_left(tmp_path)
