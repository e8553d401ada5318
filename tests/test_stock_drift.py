"""The drift arithmetic of the convergence run (``tests.stock_drift``), fed made-up samples, and
its sampler against a real sandbox store."""

import pytest

from integrations.tests import connect_helpers
from tests.stock_drift import DriftSampler, DriftTracker, adjustment_writes, percentile, summary_line

sandbox = connect_helpers.sandbox  # fixture


def _feed(tracker: DriftTracker, rows: list[tuple[float, dict, dict]]) -> None:
    for at, expected, seen in rows:
        tracker.observe(at, expected, seen, seen)


def test_an_episode_runs_from_the_first_sample_apart_to_the_first_sample_together_again():
    tracker = DriftTracker(started=0.0)
    _feed(
        tracker,
        [
            (0.0, {1: 5, 2: 3}, {1: 5, 2: 3}),
            (0.1, {1: 4, 2: 3}, {1: 5, 2: 3}),  # a sale: 1 apart
            (0.2, {1: 4, 2: 3}, {1: 5, 2: 2}),  # an online order: 2 apart
            (0.3, {1: 4, 2: 3}, {1: 4, 2: 2}),  # 1 pushed: together after 0.2 s
            (0.9, {1: 4, 2: 2}, {1: 4, 2: 2}),  # 2 read: together after 0.7 s
            (1.0, {1: 4, 2: 2}, {1: 4, 2: 2}),
        ],
    )
    figures = tracker.figures(interval_s=0.1, settle_s=3)
    assert figures["samples"] == 6 and figures["compared"] == 12 and figures["ambiguous"] == 0
    assert figures["episodes"] == 2
    assert [round(e.duration, 3) for e in tracker.episodes] == [0.2, 0.7]
    assert figures["max_s"] == 0.7 and figures["p99_s"] == 0.7 and figures["p50_s"] == 0.2
    assert figures["open_at_end"] == [] and figures["never_ended"] == []
    assert figures["goal_met"] is True
    assert figures["drifting_share"] == round(4 / 12, 4)  # 1 at 0.1 s, both at 0.2 s, 2 at 0.3 s


def test_a_variant_whose_bigcommerce_level_moved_during_the_sample_keeps_its_state():
    tracker = DriftTracker()
    tracker.observe(0.0, {1: 5}, {1: 5}, {1: 5})
    tracker.observe(0.1, {1: 4}, {1: 5}, {1: 4})  # the push landed between the two reads: no verdict
    tracker.observe(0.2, {1: 4}, {1: 4}, {1: 4})
    assert tracker.ambiguous == 1 and tracker.compared == 2 and tracker.episodes == [] and tracker.open == {}


def test_drift_still_open_at_the_end_is_reported_and_never_ended_past_the_settle_window():
    tracker = DriftTracker()
    _feed(
        tracker,
        [(0.0, {1: 5, 2: 1}, {1: 5, 2: 0}), (2.0, {1: 5, 2: 1}, {1: 6, 2: 0}), (10.0, {1: 5, 2: 1}, {1: 6, 2: 0})],
    )
    figures = tracker.figures(interval_s=0.1, settle_s=9)
    assert figures["episodes"] == 0 and figures["p99_s"] is None and figures["goal_met"] is None
    assert {s["variant"]: s["for_s"] for s in figures["open_at_end"]} == {1: 8.0, 2: 10.0}
    assert [s["variant"] for s in figures["never_ended"]] == [2]
    assert figures["never_ended"][0]["seen"] == 0 and figures["never_ended"][0]["expected"] == 1


def test_episodes_are_counted_by_the_phase_they_began_in_and_the_goal_reads_p99():
    tracker = DriftTracker()
    at = 0.0
    for n in range(100):  # 100 episodes of 1 s in operations
        tracker.observe(at, {1: n}, {1: n + 1}, {1: n + 1})
        tracker.observe(at + 1, {1: n}, {1: n}, {1: n})
        at += 2
    tracker.phase = "drain"
    tracker.observe(at, {1: 0}, {1: 9}, {1: 9})
    tracker.observe(at + 7, {1: 0}, {1: 0}, {1: 0})
    figures = tracker.figures(interval_s=0.1, settle_s=3)
    assert figures["episodes"] == 101
    assert figures["by_phase"]["operations"]["episodes"] == 100 and figures["by_phase"]["drain"]["max_s"] == 7
    assert figures["p99_s"] == 1 and figures["max_s"] == 7 and figures["goal_met"] is True
    longest = figures["longest"][0]
    assert (longest["variant"], longest["s"], longest["at_s"], longest["phase"]) == (1, 7.0, 200.0, "drain")
    assert (longest["seen"], longest["expected"], longest["from"], longest["to"]) == (
        9,
        0,
        "00:03:20.000",
        "00:03:27.000",
    )
    assert "101 drift episodes" in summary_line({**figures, "failed_reads": 0})


def test_percentile_is_the_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.5) == 50 and percentile(values, 0.99) == 99 and percentile([3.0], 0.99) == 3


def test_a_failed_read_skips_the_sample_and_is_counted():
    calls = []

    def broken():
        calls.append(1)
        raise ConnectionError("sandbox gone")

    sampler = DriftSampler(read_bigcommerce=broken, read_comptoir=dict, remote_of={}, interval_s=0.1)
    assert sampler.sample() is False
    figures = sampler.figures(settle_s=1)
    assert calls == [1] and figures["samples"] == 0 and figures["failed_reads"] == 1
    assert "sandbox gone" in figures["errors"][0]


def test_the_sampler_reads_the_sandbox_store_without_an_api_call(sandbox):
    store = connect_helpers.new_store(sandbox)
    api = connect_helpers.api(sandbox, store)
    product = api.post(
        "/v3/catalog/products",
        json={"name": "Bougie", "type": "physical", "weight": 1, "price": 5, "inventory_tracking": "product"},
    )["data"]
    remote = product["base_variant_id"]
    api.put(
        "/v3/inventory/adjustments/absolute", json={"items": [{"location_id": 1, "variant_id": remote, "quantity": 4}]}
    )
    logged = len(sandbox.request_log(store["hash"]))
    comptoir = {7: 4}
    sampler = DriftSampler(
        read_bigcommerce=lambda: sandbox.stock_levels(store["hash"]),
        read_comptoir=lambda: dict(comptoir),
        remote_of={7: remote},
        interval_s=0.05,
    )
    sampler.tracker.started = 0.0
    assert sampler.sample()
    comptoir[7] = 3  # a sale in Comptoir, not pushed yet
    assert sampler.sample() and sampler.tracker.open.keys() == {7}
    api.post(
        "/v3/inventory/adjustments/relative", json={"items": [{"location_id": 1, "variant_id": remote, "quantity": -1}]}
    )
    assert sampler.sample() and sampler.tracker.open == {} and len(sampler.tracker.episodes) == 1
    assert len(sandbox.request_log(store["hash"])) == logged + 1  # the relative adjustment only


@pytest.mark.parametrize(
    ("request_row", "kind", "applied"),
    [
        (
            {"route": "/stores/{h}/v3/inventory/adjustments/relative", "status": 200, "client_id": "app"},
            "relative (connector)",
            1,
        ),
        (
            {
                "route": "/stores/{h}/v3/inventory/adjustments/absolute",
                "status": 500,
                "client_id": "app",
                "faults": ["error_after"],
            },
            "absolute (connector)",
            1,
        ),
        (
            {
                "route": "/stores/{h}/v3/inventory/adjustments/absolute",
                "status": 500,
                "client_id": "app",
                "faults": ["error_before"],
            },
            "absolute (connector)",
            0,
        ),
        (
            {"route": "/stores/{h}/v3/inventory/adjustments/absolute", "status": 200, "client_id": "someone"},
            "absolute (merchant in BigCommerce)",
            1,
        ),
    ],
)
def test_adjustment_writes_tell_authors_and_applied_calls_apart(request_row, kind, applied):
    row = {"path": "", "items_in": 2, **request_row}
    writes = adjustment_writes(
        [row, {"route": "/stores/{h}/v2/orders", "path": "", "status": 200}], app_client_id="app", journal=[]
    )
    assert writes[kind] == {"calls": 1, "applied": applied, "items_applied": 2 * applied}
    assert len([k for k in writes if k != "connector absolute items by cause"]) == 1


def test_adjustment_writes_say_why_the_connector_wrote_absolute_levels():
    journal = [
        {"kind": "stock_push", "detail": {"method": "absolute"}},
        {"kind": "stock_push", "detail": {"method": "relative"}},
        {"kind": "stock_check", "detail": {"items": [{"variant_id": 1}, {"variant_id": 2}]}},
        {"kind": "stock_check", "detail": {"checked": 50}},
    ]
    causes = adjustment_writes([], app_client_id="app", journal=journal)["connector absolute items by cause"]
    assert causes == {"push: no level yet in BigCommerce": 1, "stock check: undecided or refused pushes": 2}


def test_the_queue_length_is_sampled_with_the_levels():
    lengths = iter([3, 40, 7])
    sampler = DriftSampler(
        read_bigcommerce=lambda: {70: 1},
        read_comptoir=lambda: {7: 1},
        remote_of={7: 70},
        read_queue=lambda: next(lengths),
    )
    assert all(sampler.sample() for _ in range(3))
    assert sampler.figures(settle_s=1)["queue"] == {"p50": 7, "p99": 40, "max": 40}


def test_episodes_longer_than_the_goal_are_listed_in_clock_time_with_their_cause_and_what_ended_them():
    from tests import stock_drift_causes as causes

    tracker = DriftTracker(started=0.0, wall_offset=1000.0)
    _feed(
        tracker,
        [(0.0, {1: 5, 2: 3}, {1: 4, 2: 2}), (1.0, {1: 5, 2: 3}, {1: 5, 2: 2}), (7.0, {1: 5, 2: 3}, {1: 5, 2: 3})],
    )
    (long,) = tracker.figures(interval_s=0.1, settle_s=3)["long"]  # 2's 7 s, not 1's 1 s
    assert (long["variant"], long["s"], long["start_ts"], long["end_ts"]) == (2, 7.0, 1000.0, 1007.0)
    # A lost answer before it, the settling's read deciding it was not applied, then the push again.
    timeline = [
        (-3.0, "push answer lost"),
        (0.5, "op sale"),
        (6.5, "settle: lost answer decided (resent)"),
        (6.9, "push sent (relative)"),
    ]
    assert (causes._cause(timeline), causes._settled_by(timeline, 7.0)) == ("lost answer", "push")
    # The merchant's edit, found by the stock check of that variant.
    timeline = [(-0.2, "op bc_edit"), (6.8, "ledger manual_online +3")]
    assert (causes._cause(timeline), causes._settled_by(timeline, 7.0)) == (
        "merchant edit in BigCommerce",
        "stock check correction (edit)",
    )
    assert causes._cause([(0.1, "push marked -2")]) == "Comptoir change (push lag)"
