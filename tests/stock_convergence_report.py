"""What a convergence run prints and writes (``tests.stock_convergence``): its summary lines (the
operations, overall and per shop, each fault's count, the invariants, the drift), its failures,
and the findings dump (operations, figures, requests; every mismatch names its shop and location)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests import stock_drift, stock_drift_causes


class Report:
    """Mixed into ``tests.stock_convergence.Run``."""

    def summary(self, result: dict) -> list[str]:
        cfg = self.cfg
        done = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        places = result["places"]
        shops = "; ".join(
            f"{shop.name} (location {self.shop_location[shop.pk]}): "
            + ", ".join(f"{k} {v}" for k, v in sorted(self.shop_counts[shop.name].items()))
            for shop in self.shops
        )
        lines = [
            f"convergence seed {cfg.seed}: {cfg.operations} operations on {result['variants']} variants "
            f"({cfg.simple_products} without options, "
            f"{cfg.variant_products} products × {cfg.variants_per_product} variants) in {result['shops']} shops "
            f"({places} variant × shop places), "
            f"managed in {cfg.managed_in}, {cfg.clusters} urgent clusters and 1 bulk, "
            f"killed at op {self.figures.get('killed_at_op')} "
            f"(push in flight: {self.figures.get('killed_with_push_in_flight')}), "
            f"restarted at op {self.figures.get('restarted_at_op')}",
            f"operations: {done}",
            f"operations by shop: {shops}",
            f"faults fired: {json.dumps(self.figures.get('faults_fired', {}))}",
            f"calls by route: {json.dumps(self.figures.get('routes', {}))}",
            f"drain: {json.dumps(self.figures.get('drain', {}))}",
            f"clusters that exited unasked (restarted at once): {json.dumps(self.clusters.died or 'none')}",
            f"ledger: {places - len(result['ledger_mismatches'])}/{places} (variant, shop) levels "
            f"equal the sum of their ledger and its last row ({result['ledger_rows']} rows; by shop "
            f"{json.dumps(result.get('rows_by_shop', {}))}); mismatches {len(result['ledger_mismatches'])}",
            f"bigcommerce: {places - len(result['bigcommerce_mismatches'])}/{places} (variant, location) levels "
            f"at max(0, the shop's online level); mismatches {len(result['bigcommerce_mismatches'])}",
        ]
        if result["orders"] is None:
            lines.append("online orders: not run (the BigCommerce → Comptoir side is not on this branch yet)")
        else:
            o = result["orders"]
            pickups = sum(1 for order in self.orders.values() if order["location"] != 1)
            lines.append(
                f"online orders: {len(self.orders)} orders ({pickups} for pickup), {o['lines']} lines, in the "
                f"ledger once (net) in the right shop: {o['lines'] - len(o['mismatches'])}; "
                f"mismatches {len(o['mismatches'])}, unexpected {len(o['unexpected'])}"
            )
        lines.append(f"ledger rows by origin: {json.dumps(result['origins'])}")
        if result.get("drift") is not None:
            lines.append(stock_drift.summary_line(result["drift"]))
        if result.get("drift_causes") is not None:
            lines.append(stock_drift_causes.causes_line(result["drift_causes"]))
        if result.get("writes") is not None:
            lines.append(stock_drift.writes_line(result["writes"]))
        lines.append(
            f"keys: {result['keys']} ledger keys, {len(result['keys_twice'])} twice; {result['pushes']} stock pushes, "
            f"{len(result['pushes_twice'])} movements pushed twice"
        )
        return lines

    def failures(self, result: dict) -> list[str]:
        out = []
        for name in ("ledger_mismatches", "bigcommerce_mismatches", "keys_twice", "pushes_twice"):
            if result[name]:
                out.append(f"{name}: {result[name][:10]}")
        if result["orders"] and (result["orders"]["mismatches"] or result["orders"]["unexpected"]):
            out.append(f"orders: {result['orders']['mismatches'][:10]} {result['orders']['unexpected'][:10]}")
        drift = result.get("drift")
        if drift is not None and not drift["samples"]:
            out.append(f"drift: not measured (no sample; errors {drift.get('errors')})")
        if drift and drift["never_ended"]:
            out.append(f"drift that never ended (still apart after the drain): {drift['never_ended'][:10]}")
        return out

    def adjustment_writes(self) -> dict:
        """Relative and absolute adjustment calls of the run, by author and cause (``tests.stock_drift``)."""
        from django.conf import settings

        from integrations.models import SyncEvent

        journal = list(
            SyncEvent.objects.filter(
                connection=self.connection, kind__in=[SyncEvent.Kind.STOCK_PUSH, SyncEvent.Kind.STOCK_CHECK]
            ).values("kind", "detail")
        )
        requests = self.sandbox.request_log(self.hash, since=self.log_start)
        return stock_drift.adjustment_writes(requests, app_client_id=settings.BIGCOMMERCE_CLIENT_ID, journal=journal)

    def _faults_fired(self) -> dict:
        fired: Counter = Counter()
        routes: Counter = Counter()
        calls = 0
        for r in self.sandbox.request_log(self.hash, since=self.log_start):
            calls += 1
            routes[f"{r['method']} {r['route'] or r['path']} {r['status']}"] += 1
            for kind in r.get("faults") or ():
                fired[kind] += 1
        self.figures["routes"] = dict(routes.most_common())
        seen = set()
        for d in self.sandbox.control("GET", f"/stores/{self.hash}/deliveries?limit=1000000"):
            if d["webhook_id"] in seen:
                continue
            seen.add(d["webhook_id"])
            fired["webhooks"] += 1
            for kind in d.get("faults") or ():
                fired[kind] += 1
        return {"api_calls": calls, **dict(fired)}

    def dump(self, path: Path, result: dict) -> None:
        requests = self.sandbox.request_log(self.hash, since=self.log_start)
        shops = [{"id": s.pk, "name": s.name, "location": self.shop_location[s.pk]} for s in self.shops]
        everything = {
            "figures": self.figures,
            "shops": shops,
            "pickup_methods": self.pickup_methods,
            "result": result,
            "ops": self.ops,
            "requests": requests,
        }
        path.write_text(json.dumps(everything, default=str, indent=1))
