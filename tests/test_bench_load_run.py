"""bench.load_run's ``summary()``: the load run's figures become the table's rows, each goal met (✔),
missed (✖) or without a goal (–). A pure function of the figures (the run itself: ``python -m bench
load_run``; CI runs it at the tiny size)."""

import copy

from bench import load_run

FIGURES = {
    "rates": {"webhook": 50.0, "sale": 20.0},
    "webhooks": {
        "sent": 6000,
        "sent_per_s": 50.0,
        "ok": 6000,
        "p50_ms": 40.0,
        "p99_ms": 300.0,
        "http_5xx": 0,
        "no_answer": 0,
    },
    "sales": {
        "sent": 2400,
        "sent_per_s": 19.5,
        "ok": 2400,
        "p50_ms": 60.0,
        "p99_ms": 500.0,
        "http_5xx": 0,
        "no_answer": 0,
    },
    "push_lag": {"n": 2400, "median_s": 0.4, "p99_s": 2.5},
    "sandbox_deliveries_5xx": 0,
    "levels_equal": True,
    "drain": {"level_mismatches": []},
    "usage": {
        "web": {"cpu_s": 50.0, "peak_rss_mb": 210.0, "processes": 3},
        "worker": {"cpu_s": 40.0, "peak_rss_mb": 480.0, "processes": 6},
        "urgent": {"cpu_s": 60.0, "peak_rss_mb": 490.0, "processes": 6},
        "sandbox": {"cpu_s": 20.0, "peak_rss_mb": 45.0, "processes": 1},
    },
}
FIGURES["webhooks"].update(lost=0, double=0)
FIGURES["sales"].update(lost=0, double=0)


def marks(figures) -> dict[str, bool | None]:
    return {figure.split(" (")[0]: met for figure, _goal, _value, met in load_run.summary(figures)}


def test_every_goal_met_is_a_tick_and_figures_without_a_goal_have_none():
    got = marks(FIGURES)
    assert got == {
        "webhook intake p50": None,
        "webhook intake p99": True,
        "POS API sale p50": None,
        "POS API sale p99": True,
        "push lag p99": True,
        "webhooks sent a second": True,
        "webhooks lost": True,
        "webhooks counted twice": True,
        "sales sent a second": True,
        "sales lost": True,
        "sales counted twice": True,
        "5xx answers": True,
        "requests without an answer": True,
        "BigCommerce levels = ledger's after the drain": True,
        "web: CPU s / peak RSS": None,
        "worker: CPU s / peak RSS": None,
        "urgent: CPU s / peak RSS": None,
        "sandbox: CPU s / peak RSS": None,
    }
    rows = {row[0]: row for row in load_run.summary(FIGURES)}
    assert rows["webhook intake p99 (50 webhooks/s + 20 sales/s)"][1:3] == ("≤ 1000 ms", "300.0 ms")
    assert rows["push lag p99 (sale → BigCommerce)"][1:3] == ("≤ 3 s", "2.5 s")
    assert rows["urgent: CPU s / peak RSS"][2] == "60.0 s / 490.0 MB"
    assert rows["sales sent a second (the load held)"][1:3] == ("≥ 19/s", "19.5/s")


def test_each_missed_goal_is_a_cross():
    bad = copy.deepcopy(FIGURES)
    bad["webhooks"].update(p99_ms=1500.0, lost=2, http_5xx=1)
    bad["sales"].update(p99_ms=1000.5, double=1, no_answer=3, sent_per_s=18.9)
    bad["push_lag"]["p99_s"] = 3.2
    bad["levels_equal"] = False
    bad["drain"]["level_mismatches"] = [{"variant": 1, "bigcommerce": 5, "ledger": 4}]
    got = marks(bad)
    missed = {name for name, met in got.items() if met is False}
    assert missed == {
        "webhook intake p99",
        "POS API sale p99",
        "push lag p99",
        "sales sent a second",
        "webhooks lost",
        "sales counted twice",
        "5xx answers",
        "requests without an answer",
        "BigCommerce levels = ledger's after the drain",
    }
    rows = {row[0]: row for row in load_run.summary(bad)}
    assert rows["BigCommerce levels = ledger's after the drain"][2] == "1 differ"
    assert rows["5xx answers (load and the sandbox's deliveries)"][2] == "1"


def test_a_5xx_to_the_sandboxs_own_deliveries_counts_too():
    figures = copy.deepcopy(FIGURES)
    figures["sandbox_deliveries_5xx"] = 2
    assert marks(figures)["5xx answers"] is False


def test_no_push_measured_has_no_mark_and_a_skipped_run_says_why():
    figures = copy.deepcopy(FIGURES)
    figures["push_lag"] = {"n": 0}
    assert marks(figures)["push lag p99"] is None
    rows = load_run.summary({"skipped": "no PostgreSQL at postgres://…"})
    assert rows == [("load run", "run", "skipped: no PostgreSQL at postgres://…", None)]
