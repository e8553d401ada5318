"""Issue 17's order figures: online orders placed in the sandbox store as shoppers place them (its
control endpoint) reach Comptoir's ledger (an ``OrderLineEffect`` row), against the sandbox at
BigCommerce's real quota (150 calls per 30 s), with Comptoir's web (BigCommerce's webhooks) and
workers running as ``make run`` starts them (two workers: the bulk and urgent lanes when the
settings have them).

- steady: BENCH_ORDER_RATE (5) orders a second for BENCH_ORDER_SECONDS (120): from the sandbox's
  answer to the ledger row, median (goal ≤ 1 s) and p99 (≤ 3 s); BigCommerce calls per order (all
  of the store's API calls during the phase, ≤ 0.05); none lost (every order in the ledger within
  BENCH_ORDER_WAIT_S, 180, of the last one placed).
- burst: BENCH_BURST_RATE (50) a second for BENCH_BURST_SECONDS (60), one window after the steady
  phase: the last order in the ledger within 5 s of the last one placed; 0 × 429 after the
  phase's first window.

- shops (issue 19): the steady phase again over BENCH_SHOPS (3) shops, each on its own BigCommerce
  location (the others added while connected: the connector creates their locations), a pickup
  method at each added shop's location, BENCH_PICKUP_SHARE (0.5) of the orders for pickup there in
  turn, the rest shipped (the default location: the primary shop): the same goals, and each order in
  the ledger of the shop whose location BigCommerce took its stock from, each location's level =
  its shop's ledger afterwards. Not run with BENCH_SHOPS=1.

On each stack of BENCH_STACKS (``embedded,server``: SQLite and the ORM broker as ``make run`` has
them, then PostgreSQL and Redis; a stack that cannot be built here is skipped and says why), each
in a throwaway database. Also: BENCH_ORDER_PHASES (``steady,burst,shops``), BENCH_ORDER_PRODUCTS (50),
BENCH_QUOTA (150) and BENCH_WINDOW_S (30).

``python -m bench --tiny`` (BENCH_TINY=1) runs it at the sizes of ``TINY`` below.
"""

from __future__ import annotations

from bench._rows import Row, at_most, equal, per_stack, shown
from bench._stack import stacks_run, tiny

GOALS = {"median_s": 1.0, "p99_s": 3.0, "calls_per_order": 0.05, "burst_last_s": 5.0}
TINY = {  # python -m bench --tiny: each stack once, small
    "BENCH_ORDER_RATE": "2",
    "BENCH_ORDER_SECONDS": "3",
    "BENCH_BURST_RATE": "5",
    "BENCH_BURST_SECONDS": "2",
    "BENCH_ORDER_PRODUCTS": "2",
    "BENCH_ORDER_WAIT_S": "90",
    "BENCH_WINDOW_S": "3",
}


def main() -> dict:
    tiny(TINY)
    return stacks_run("orders", "bench._orders_driver", default="embedded,server", report=report)


def report(kind: str, got: dict) -> list[str]:
    lines = []
    steady, burst = got.get("steady"), got.get("burst")
    if steady:
        lines.append(
            f"[{kind}] {steady['placed']} orders at {steady['rate_per_s']:g}/s → ledger: "
            f"median {steady.get('median_s')} s "
            f"(goal ≤ {GOALS['median_s']:g}), p99 {steady.get('p99_s')} s (≤ {GOALS['p99_s']:g}); "
            f"{steady['calls_per_order']} BigCommerce calls per order (≤ {GOALS['calls_per_order']}); "
            f"lost {steady['lost']} (0); 429s {steady['http_429']}"
        )
    if burst:
        lines.append(
            f"[{kind}] burst {burst['placed']} orders at {burst['rate_per_s']:g}/s: last in the ledger "
            f"{burst['last_after_last_placed_s']} s after the last placed (goal ≤ {GOALS['burst_last_s']:g}; "
            f"None: {burst['lost']} still missing after {burst['waited_s']:g} s); 429s after the first window "
            f"{burst['http_429_after_first_window']} (0); {burst['calls_per_order']} calls per order"
        )
    shops = got.get("shops")
    if shops:
        lines.append(
            f"[{kind}] {shops['placed']} orders at {shops['rate_per_s']:g}/s over {shops['shops']} shops "
            f"({shops['pickups']} for pickup; per shop {shops['per_shop']}) → their shop's ledger: median "
            f"{shops.get('median_s')} s, p99 {shops.get('p99_s')} s; {shops['calls_per_order']} calls per order; "
            f"lost {shops['lost']}; in another shop {shops['wrong_shop']}; locations ≠ their shop's ledger "
            f"{shops['levels_apart']}; 429s {shops['http_429']}"
        )
    return lines


def shops_rows(kind: str, shops: dict) -> list[Row]:
    """The rows of the orders over several shops (BENCH_SHOPS), each reaching its shop's ledger."""
    where = (
        f"{shops.get('shops')} shops, {shops.get('pickups')} pickups, {shown(shops.get('rate_per_s'), '/s', spec='g')}"
    )
    rows: list[Row] = [
        (
            f"order → its shop's ledger {name[:-2]}, {where} [{kind}]",
            f"≤ {GOALS[name]:g} s",
            shown(shops.get(name), " s"),
            at_most(shops.get(name), GOALS[name]),
        )
        for name in ("median_s", "p99_s")
    ]
    per, apart = shops.get("calls_per_order"), shops.get("levels_apart")
    rows += [
        (
            f"BigCommerce calls per order, {where} [{kind}]",
            f"≤ {GOALS['calls_per_order']}",
            shown(per),
            at_most(per, GOALS["calls_per_order"]),
        ),
        (f"orders lost, {where} [{kind}]", "0", shown(shops.get("lost")), equal(shops.get("lost"), 0)),
        (
            f"orders in another shop's ledger, {where} [{kind}]",
            "0",
            shown(shops.get("wrong_shop")),
            equal(shops.get("wrong_shop"), 0),
        ),
        (f"locations whose level ≠ their shop's ledger, {where} [{kind}]", "0", shown(apart), equal(apart, 0)),
    ]
    return rows


def summary(figures: dict) -> list[Row]:
    def rows_of(kind: str, got: dict) -> list[Row]:
        rows: list[Row] = []
        steady, burst = got.get("steady"), got.get("burst")
        if steady:
            rate = shown(steady.get("rate_per_s"), "/s", spec="g")
            per, lost = steady.get("calls_per_order"), steady.get("lost")
            rows += [
                (
                    f"order → ledger {name[:-2]}, {rate} [{kind}]",
                    f"≤ {GOALS[name]:g} s",
                    shown(steady.get(name), " s"),
                    at_most(steady.get(name), GOALS[name]),
                )
                for name in ("median_s", "p99_s")
            ]
            rows += [
                (
                    f"BigCommerce calls per order [{kind}]",
                    f"≤ {GOALS['calls_per_order']}",
                    shown(per),
                    at_most(per, GOALS["calls_per_order"]),
                ),
                (
                    f"sandbox answer time p99, {rate} [{kind}]",
                    "not the limit",
                    shown(steady.get("sandbox_ms_p99"), " ms"),
                    None,
                ),
                (f"orders lost, {rate} [{kind}]", "0", shown(lost), equal(lost, 0)),
            ]
        if burst:
            rate = shown(burst.get("rate_per_s"), "/s", spec="g")
            last, late = burst.get("last_after_last_placed_s"), burst.get("http_429_after_first_window")
            rows += [
                (
                    f"last order in ledger after last placed, {rate} [{kind}]",
                    f"≤ {GOALS['burst_last_s']:g} s",
                    f"{last} s" if last is not None else f"{burst.get('lost')} missing",
                    at_most(last, GOALS["burst_last_s"]) if last is not None else False,
                ),
                (f"429s after the first window, {rate} [{kind}]", "0", shown(late), equal(late, 0)),
            ]
        if got.get("shops"):
            rows += shops_rows(kind, got["shops"])
        return rows

    return per_stack(figures, "order intake", rows_of)
