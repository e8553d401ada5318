"""The end of a convergence run (``tests.stock_convergence``): the drain (the store healthy again,
the outbox empty, webhooks settled, orders polled, a stock check) and the invariants, per
``(variant, shop)``: the shop's level is the sum of its ledger rows and its last row's
``level_after``; BigCommerce's level at the shop's location is max(0, the shop's online level);
every online order line is in the ledger once (net, per the order's final state), in the shop of
the location it took its stock from; no idempotency key twice; no movement pushed twice."""

from __future__ import annotations

import contextlib
import time
from collections import Counter, defaultdict

from tests.stock_convergence_procs import queue_size

PUSH_FIELDS = ("pk", "movement_id", "location_id", "delta", "state", "attempts", "batch", "created_at", "sent_at")
LEDGER_FIELDS = ("pk", "shop_id", "origin", "delta", "level_after", "online_after", "allocation", "created_at")


class Checks:
    """Mixed into ``tests.stock_convergence.Run``."""

    # -- drain --------------------------------------------------------------------------------
    def drain(self) -> None:
        """Quiescence: the store is healthy again, the outbox empties (sweeps), webhooks settle,
        orders are polled; then (with the inbound side) a stock check, and the outbox once more."""
        from integrations.models import StockPush, WebhookEvent

        started = time.monotonic()
        self.sandbox.set_faults(self.hash, [])
        open_states = [StockPush.State.PENDING, StockPush.State.UNKNOWN]
        self.figures["drain"] = {"sweeps": self._quiesce(started + self.cfg.drain_timeout_s)}
        if self.inbound:
            self.figures["drain"]["stock_check"] = self._reconcile()
            self.figures["drain"]["sweeps_after_check"] = self._quiesce(time.monotonic() + self.cfg.drain_timeout_s)
        self.figures["drain"].update(
            seconds=round(time.monotonic() - started, 1),
            left={
                str(k): v
                for k, v in Counter(
                    StockPush.objects.filter(state__in=open_states).values_list("state", flat=True)
                ).items()
            },
            webhooks_unprocessed=WebhookEvent.objects.filter(connection=self.connection, status="received").count(),
        )

    def _quiesce(self, deadline: float) -> int:
        """Sweeps until nothing moves: no push open, no task queued, no check waiting. Returns the sweeps run."""
        from integrations import tasks
        from integrations.models import StockPush, VariantLink, WebhookEvent

        open_states = [StockPush.State.PENDING, StockPush.State.UNKNOWN]
        sweeps = 0
        stuck_since = quiet_since = None
        while True:
            self.clusters.supervise("drain")
            tasks.bigcommerce_stock_push_sweep()
            if self.inbound:
                tasks.bigcommerce_stock_sweep()  # the order poll and the checks still waiting
            sweeps += 1
            time.sleep(1.0)
            with contextlib.suppress(RuntimeError):
                self.sandbox.deliveries_settled(self.hash, timeout=5)
            left = Counter(StockPush.objects.filter(state__in=open_states).values_list("state", flat=True))
            events = WebhookEvent.objects.filter(connection=self.connection, status="received").count()
            queued = queue_size(self.cluster_name)
            checks = VariantLink.objects.filter(
                link__connection=self.connection, stock_check_requested_at__isnull=False
            ).count()
            if not left and not queued and not checks:
                # Stored webhooks whose task was lost (in the killed cluster) stay "received": nothing
                # takes them again. Once the queue is empty they are counted, not waited for.
                quiet_since = quiet_since or time.monotonic()
                if not events or time.monotonic() - quiet_since > 5:
                    break
            else:
                quiet_since = None
            # Unknown rows the settling could not decide (attempts 2) are left to the stock check.
            undecided = StockPush.objects.filter(state=StockPush.State.UNKNOWN, attempts__gte=2).count()
            only_undecided = undecided and undecided == sum(left.values()) and not queued
            stuck_since = (stuck_since or time.monotonic()) if only_undecided else None
            if stuck_since and time.monotonic() - stuck_since > 2 * self.cfg.settle_after_s + 5:
                break
            if time.monotonic() > deadline:
                break
        return sweeps

    def _reconcile(self) -> dict:
        """The stock check of every synced variant (as its schedule and "Check stock now" start it),
        run by the clusters; returns its journal figures."""
        from integrations.bigcommerce.stock.check import stock_reconcile_start
        from integrations.models import SyncEvent, SyncRun

        run = stock_reconcile_start(connection=self.connection)
        deadline = time.monotonic() + self.cfg.drain_timeout_s
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status != SyncRun.Status.RUNNING:
                break
            time.sleep(0.5)
        event = (
            SyncEvent.objects.filter(connection=self.connection, kind=SyncEvent.Kind.STOCK_CHECK, detail__run_id=run.pk)
            .order_by("-pk")
            .first()
        )
        return {
            "status": run.status,
            **({k: event.detail.get(k) for k in ("checked", "corrected", "busy")} if event else {}),
        }

    # -- invariants ---------------------------------------------------------------------------
    def _places(self) -> list[tuple]:
        """Every (variant, shop, location) the run checks: each variant in each shop, at its location."""
        return [(v.pk, shop, self.shop_location[shop.pk]) for v in self.variants for shop in self.shops]

    def _remote_levels(self) -> dict[tuple[int, int], int]:
        """Per (remote variant, location), BigCommerce's level read through its API."""
        remote_ids = sorted(self.remote_of.values())
        locations = set(self.shop_at)
        levels = {}
        for start in range(0, len(remote_ids), 50):
            chunk = remote_ids[start : start + 50]
            params = {"variant_id:in": ",".join(map(str, chunk)), "limit": 250}
            for item in self.api.iter_pages("/v3/inventory/items", params):
                for loc in item["locations"]:
                    if loc["location_id"] in locations:
                        levels[item["identity"]["variant_id"], loc["location_id"]] = loc["total_inventory_onhand"]
        return levels

    def _ledger(self) -> dict[tuple[int, int], dict]:
        """Per (variant, shop id), its level row beside its ledger rows' sum and last row."""
        from django.db.models import Count, Sum

        from inventory.models import StockLevel, StockMovement

        rows = StockMovement.objects.filter(variant__in=self.variants).values_list("variant_id", "shop_id")
        sums = {(v, s): t for v, s, t in rows.annotate(t=Sum("delta")).values_list("variant_id", "shop_id", "t")}
        counts = {(v, s): c for v, s, c in rows.annotate(c=Count("id")).values_list("variant_id", "shop_id", "c")}
        last = {}
        for m in StockMovement.objects.filter(variant__in=self.variants).order_by("variant_id", "shop_id", "-id"):
            last.setdefault((m.variant_id, m.shop_id), m)
        levels = {(lv.variant_id, lv.shop_id): lv for lv in StockLevel.objects.filter(variant__in=self.variants)}
        out = {}
        unknown = (set(counts) | set(levels)) - {(v, shop.pk) for v, shop, _loc in self._places()}
        if unknown:  # a row in a shop the run does not know: counted as a mismatch below
            out.update({key: {"level": None, "ledger_sum": sums.get(key), "unknown_shop": True} for key in unknown})
        for variant, shop, location in self._places():
            key = (variant, shop.pk)
            level, m, total = levels.get(key), last.get(key), sums.get(key, 0)
            out[key] = {
                "shop": shop.name,
                "location": location,
                "level": level.quantity if level else 0,
                "online_quantity": level.online_quantity if level else None,
                "ledger_sum": total,
                "rows": counts.get(key, 0),
                "last_level_after": m.level_after if m else 0,
                "last_online_after": m.online_after if m else None,
                "ledger_online": (m.online_after if m.online_after is not None else total) if m else 0,
            }
        return out

    def _bigcommerce_mismatches(self) -> list[dict]:
        remote = self._remote_levels()
        out = []
        for (v, shop_id), row in self._ledger().items():
            if row.get("unknown_shop"):
                continue
            seen = remote.get((self.remote_of[v], row["location"]))
            if seen != max(0, row["ledger_online"]):
                out.append(
                    {
                        "variant": v,
                        "shop": row["shop"],
                        "shop_id": shop_id,
                        "location": row["location"],
                        "bigcommerce": seen,
                        "expected": max(0, row["ledger_online"]),
                    }
                )
        return out

    def check(self) -> dict:
        from django.db.models import Count

        from integrations.models import StockPush
        from inventory.models import StockMovement

        ledger = self._ledger()
        bad_ledger = [
            {"variant": v, "shop_id": s, **row}
            for (v, s), row in ledger.items()
            if row.get("unknown_shop")
            or row["level"] != row["ledger_sum"]
            or row["level"] != row["last_level_after"]
            or row["online_quantity"] != row["last_online_after"]
        ]
        bad_remote = self._bigcommerce_mismatches()
        twice = list(
            StockMovement.objects.filter(merchant=self.merchant)
            .values("idempotency_key")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("idempotency_key", "n")
        )
        pushes_twice = list(
            StockPush.objects.filter(connection=self.connection)
            .values("movement_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("movement_id", "n")
        )
        orders = self._order_lines() if self.inbound else None
        suspects = {m["variant"] for m in bad_remote} | {m["variant"] for m in bad_ledger}
        suspects |= {m["variant"] for m in (orders or {}).get("mismatches", ())}
        movements = StockMovement.objects.filter(merchant=self.merchant)
        return {
            "variants": len(self.variants),
            "shops": len(self.shops),
            "places": len(self._places()),
            "ledger_rows": sum(r.get("rows", 0) for r in ledger.values()),
            "ledger_mismatches": bad_ledger,
            "bigcommerce_mismatches": bad_remote,
            "keys": movements.count(),
            "keys_twice": twice,
            "pushes": StockPush.objects.filter(connection=self.connection).count(),
            "pushes_twice": pushes_twice,
            "orders": orders,
            "evidence": self.evidence(suspects),
            "origins": dict(Counter(movements.values_list("origin", flat=True))),
            "rows_by_shop": {
                self.shop_by_id[s].name: n
                for s, n in Counter(movements.values_list("shop_id", flat=True)).items()
                if s in self.shop_by_id
            },
            "journal": self._journal(),
        }

    def queued(self) -> int:
        """Tasks waiting in the clusters' broker."""
        return queue_size(self.cluster_name)

    def evidence(self, variants) -> dict:
        """What happened to ``variants``: their pushes (with their location) and ledger rows (with
        their shop), with times."""
        from integrations.models import StockPush
        from inventory.models import StockMovement

        return {
            v: {
                "pushes": list(
                    StockPush.objects.filter(variant_link__variant_id=v).order_by("pk").values(*PUSH_FIELDS)
                ),
                "ledger": list(StockMovement.objects.filter(variant_id=v).order_by("pk").values(*LEDGER_FIELDS)),
                "remote_variant": self.remote_of[v],
            }
            for v in variants
        }

    def _journal(self) -> list[dict]:
        from integrations.models import SyncEvent

        return list(
            SyncEvent.objects.filter(connection=self.connection, kind=SyncEvent.Kind.STOCK_PUSH)
            .order_by("pk")
            .values("pk", "created_at", "status", "message", "detail")
        )

    def _order_lines(self) -> dict:
        """Every online order line's net effect in the ledger, against the order's final state, and
        in the shop whose location the order took its stock from (a pickup order's: the pickup
        location's shop; any other's: the default location's)."""
        from integrations.models import OrderLineEffect

        # What each order line did is its OrderLineEffect row (never read from a ledger key or reason).
        rows = OrderLineEffect.objects.filter(connection=self.connection).values_list(
            "order_id", "movement__variant_id", "movement__shop_id", "movement__delta"
        )
        net: dict[tuple[int, int, int], int] = defaultdict(int)
        for order_id, variant_id, shop_id, delta in rows:
            net[(order_id, variant_id, shop_id)] += delta
        lines, bad = 0, []
        for order_id, order in self.orders.items():
            for variant_id, quantity in order["lines"]:
                lines += 1
                taken = self.order_takes
                returned = taken and self.order_returns and order["status"] in ("cancelled", "refunded")
                expected = -quantity if taken and not returned else 0
                if net.pop((order_id, variant_id, order["shop"]), 0) != expected:
                    bad.append(
                        {
                            "order": order_id,
                            "variant": variant_id,
                            "shop": self.shop_by_id[order["shop"]].name,
                            "location": order["location"],
                            "expected": expected,
                            "status": order["status"],
                        }
                    )
        unexpected = [{"order": o, "variant": v, "shop_id": s, "net": t} for (o, v, s), t in net.items() if t]
        return {"lines": lines, "mismatches": bad, "unexpected": unexpected}
