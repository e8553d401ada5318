"""Each bench's ``summary(figures)`` gives rows, never an exception, whatever figure is missing: a
stack skipped (no PostgreSQL or Redis here), a phase not run, a bench stopped half way. The table of
``python -m bench`` is built from these rows after a run of an hour; a KeyError there would lose it."""

import importlib

import pytest

from bench.__main__ import modules, table

# Figures as benches leave them when part of the run did not happen.
PARTIAL = [
    {},
    {"stacks": {}},
    {"stacks": {"server": {"skipped": "no PostgreSQL at postgres://…"}}},
    {"stacks": {"embedded": {"stack": "embedded", "steady": {"rate_per_s": 2.0}, "burst": {}}}},
    {"stacks": {"server": {"stack": "server"}}},
    {"outbound": {"n": 0}, "rate_per_s": 5},
    {"initial_sync": {"calls_per_product": 1.01}, "memory": {"1000": {"rss_peak_mb": 90.0}}},
    {"memory": {"ratio": 1.1, "1000": {"rss_peak_mb": 90.0}, "10000": {"rss_peak_mb": 99.0}}},
    {"journal, first page": {"queries_100": 5}},
    {"catalog": {"queries_small": 7}},
    {"operations": {"GET product": {"n": 3}}},
    {"drift": {}, "faults": {}},
    {"calls": 3, "sales": 0},
    {"outbound": {"n": 0}, "rate_per_s": 5, "shops": {"shops": 3, "n": 0}},
    {"stacks": {"embedded": {"stack": "embedded", "shops": {"shops": 3}}}},
    {"stacks": {"server": {"stack": "server", "cpu": {"cpu_ms_per_sale": {"web": 1.5}, "cores": 2}}}},
]


def test_every_bench_has_a_summary():
    assert [name for name in modules() if not hasattr(importlib.import_module(f"bench.{name}"), "summary")] == []


@pytest.mark.parametrize("name", modules())
def test_a_summary_gives_rows_whatever_figure_is_missing(name):
    summary = importlib.import_module(f"bench.{name}").summary
    for figures in PARTIAL:
        rows = summary(figures)
        assert rows, (name, figures)
        for row in rows:
            assert len(row) == 4 and all(isinstance(cell, str) for cell in row[:3]), (name, figures, row)
            assert row[3] in (True, False, None), (name, figures, row)
        table([(name, *row) for row in rows])


def test_a_missing_figure_is_shown_as_not_measured_not_as_met():
    from bench import product_sync, stock_propagation

    rows = {row[0]: row for row in stock_propagation.summary({"outbound": {"n": 0}, "rate_per_s": 5})}
    assert rows["sale → BigCommerce p50, 5/s, 0 sales [None]"][2:] == ("–", None)
    memory = {"ratio": 1.1, "1000": {"rss_peak_mb": 90.0}, "10000": {"rss_peak_mb": 99.0}}
    rows = {row[0]: row for row in product_sync.summary({"memory": memory})}
    assert rows["worker peak memory, 10,000 vs 1,000 products"][2:] == ("1.1× (99.0 MB)", True)
    assert rows["calls per product, initial sync (0)"][2:] == ("–", None)


SHOPS_SALES = {
    "n": 498,
    "median_s": 0.21,
    "p99_s": 1.4,
    "wrong_location": 1,
    "never_seen": 1,
    "shops": 3,
    "sales": 500,
    "calls": 250,
    "calls_per_1000_sales": 510.0,
    "http_429": 0,
    "levels_apart": 0,
}


def test_the_sales_over_several_shops_have_their_rows_against_the_same_goals():
    from bench import stock_propagation

    figures = {"outbound": {"n": 500, "median_s": 0.2}, "rate_per_s": 5, "broker": "Redis", "shops": SHOPS_SALES}
    rows = {row[0]: row[1:] for row in stock_propagation.summary(figures)}
    where = "3 shops, 5/s, 500 sales [Redis]"
    assert rows[f"sale → its location p50, {where}"] == ("≤ 0.5 s", "0.21 s", True)
    assert rows[f"sale → its location p99, {where}"] == ("≤ 1 s", "1.4 s", False)
    assert rows[f"sales at another location or never seen, {where}"] == ("0", "2", False)
    assert rows[f"locations whose level ≠ their shop's ledger, {where}"] == ("0", "0", True)
    assert rows[f"429 answers, {where}"] == ("0", "0", True)
    # The single-shop rows are the same as before.
    assert rows["sale → BigCommerce p50, 5/s, 500 sales [Redis]"] == ("≤ 0.5 s", "0.2 s", True)
    without = stock_propagation.summary({**figures, "shops": None})
    assert [r for r in without if "shops" in r[0]] == []


def test_the_orders_over_several_shops_have_their_rows_against_the_same_goals():
    from bench import order_intake

    shops = {"shops": 3, "pickups": 300, "rate_per_s": 5.0, "median_s": 0.3, "p99_s": 0.9, "calls_per_order": 0.4}
    shops |= {"lost": 0, "wrong_shop": 2, "levels_apart": 0}
    rows = {row[0]: row[1:] for row in order_intake.summary({"stacks": {"server": {"shops": shops}}})}
    where = "3 shops, 300 pickups, 5/s [server]"
    assert rows[f"order → its shop's ledger median, {where}"] == ("≤ 1 s", "0.3 s", True)
    assert rows[f"order → its shop's ledger p99, {where}"] == ("≤ 3 s", "0.9 s", True)
    assert rows[f"BigCommerce calls per order, {where}"] == ("≤ 0.05", "0.4", False)
    assert rows[f"orders lost, {where}"] == ("0", "0", True)
    assert rows[f"orders in another shop's ledger, {where}"] == ("0", "2", False)
    assert rows[f"locations whose level ≠ their shop's ledger, {where}"] == ("0", "0", True)
