"""The BigCommerce side's operations of a convergence run (``tests.stock_convergence``), as a
shopper and the merchant act there: online orders placed as a shopper does (the sandbox's control
endpoint), shipped (stock from the default location) or, with several shops, for pickup at a
mapped location (a pickup consignment naming that location's pickup method: stock from there);
cancelled and refunded by the merchant (the API); manual stock edits in BigCommerce at a mapped
location (the API's absolute adjustment, as the control panel does)."""

from __future__ import annotations

import time

INBOUND_WEIGHTS = {"online_order": 25, "online_cancel": 6, "online_refund": 5, "bc_edit": 6}
PICKUP_WEIGHTS = {"pickup_order": 10}  # with a location other than the default one
BILLING = {"first_name": "Ada", "last_name": "Shopper", "email": "ada@shop.test"}


class OnlineOperations:
    """Mixed into ``tests.stock_convergence.Run`` (its rng, api, sandbox, orders, locations…)."""

    def _merchant(self, method: str, path: str, body: dict) -> None:
        """A merchant's idempotent write in BigCommerce (an order's status, a counted level): an
        error is met by doing it again, as a person would."""
        from integrations.bigcommerce.api.errors import BigCommerceError

        for attempt in range(10):
            try:
                self.api.request(method, path, json=body, idempotent=True)
                return
            except BigCommerceError:
                if attempt == 9:
                    raise
                time.sleep(0.2)

    def _place(self, n: int, op: str, body: dict, lines, location: int) -> bool:
        shop = self.shop_at[location]
        detail = {"lines": [(v.pk, q) for v, q in lines], "location": location}
        try:
            order = self.sandbox.place_order(self.hash, body)
        except RuntimeError as exc:  # out of stock there: the shop refuses the order (400)
            self._record(n, f"{op}_refused", shop=shop, error=str(exc)[:200], **detail)
            return False
        self.orders[order["id"]] = {"status": "placed", "shop": shop.pk, **detail}
        self._record(n, op, shop=shop, order=order["id"], **detail)
        return True

    def op_online_order(self, n: int) -> bool:
        """A shipped order: BigCommerce takes its stock at the default location."""
        from integrations.models.locations import DEFAULT_LOCATION_ID

        chosen = self.rng.sample(self.variants, self.rng.randint(1, 2))
        lines = [(v, self.rng.randint(1, 2)) for v in chosen]
        body = {
            "channel_id": 1,
            "status_id": 11,  # Awaiting Fulfillment
            "billing_address": BILLING,
            "products": [
                {"product_id": self.product_of[v.pk], "variant_id": self.remote_of[v.pk], "quantity": q}
                for v, q in lines
            ],
        }
        return self._place(n, "online_order", body, lines, DEFAULT_LOCATION_ID)

    def op_pickup_order(self, n: int) -> bool:
        """An order for pickup at a mapped location other than the default one (its pickup method):
        BigCommerce takes the stock there, Comptoir in that location's shop."""
        location = self.rng.choice(sorted(self.pickup_methods))
        chosen = self.rng.sample(self.variants, self.rng.randint(1, 2))
        lines = [(v, self.rng.randint(1, 2)) for v in chosen]
        pickup = {
            "pickup_method_id": self.pickup_methods[location],
            "line_items": [{"variant_id": self.remote_of[v.pk], "quantity": q} for v, q in lines],
        }
        body = {"channel_id": 1, "status_id": 11, "billing_address": BILLING, "consignments": {"pickups": [pickup]}}
        return self._place(n, "pickup_order", body, lines, location)

    def _placed_order(self) -> int | None:
        placed = [oid for oid, o in self.orders.items() if o["status"] == "placed"]
        return self.rng.choice(placed) if placed else None

    def op_online_cancel(self, n: int) -> bool:
        order_id = self._placed_order()
        if order_id is None:
            return False
        self._merchant("PUT", f"/v2/orders/{order_id}", {"status_id": 5})  # Cancelled
        self.orders[order_id]["status"] = "cancelled"
        self._record(n, "online_cancel", shop=self.shop_by_id[self.orders[order_id]["shop"]], order=order_id)
        return True

    def op_online_refund(self, n: int) -> bool:
        order_id = self._placed_order()
        if order_id is None:
            return False
        self._merchant("PUT", f"/v2/orders/{order_id}", {"status_id": 4})  # Refunded
        self.orders[order_id]["status"] = "refunded"
        self._record(n, "online_refund", shop=self.shop_by_id[self.orders[order_id]["shop"]], order=order_id)
        return True

    def op_bc_edit(self, n: int) -> bool:
        """The merchant counts a variant at a mapped location in BigCommerce's control panel."""
        variant = self._variant()
        quantity = self.rng.randint(0, 25)
        locations = sorted(self.shop_at)
        location = locations[0] if len(locations) == 1 else self.rng.choice(locations)
        item = {"location_id": location, "variant_id": self.remote_of[variant.pk], "quantity": quantity}
        self._merchant("PUT", "/v3/inventory/adjustments/absolute", {"items": [item]})
        shop = self.shop_at[location]
        self._record(n, "bc_edit", shop=shop, variant=variant.pk, quantity=quantity, location=location)
        return True
