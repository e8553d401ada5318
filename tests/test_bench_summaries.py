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
