"""The operations of a convergence run in Comptoir (``tests.stock_convergence``): in-store sales
(now and then sent twice with the same key, as a Register retry does) and refunds (back to the
sale's shop), manual changes (``stock_adjust`` / ``stock_set``, origin manual_comptoir), split on
and off, and with several shops transfers between them (``inventory.transfers.stock_transfer``).
Each picks a shop at random; with one shop no random draw is spent on it, so a one-shop run is the
run it was before shops. The BigCommerce side's operations are ``tests.stock_convergence_online``."""

from __future__ import annotations

import time

OUTBOUND_WEIGHTS = {"sale": 40, "sale_replay": 3, "refund": 10, "adjust": 10, "set": 5, "split_on": 4, "split_off": 3}
SHOPS_WEIGHTS = {"transfer": 8}  # with two shops or more


class ConvergenceError(AssertionError):
    pass


class StoreOperations:
    """Mixed into ``tests.stock_convergence.Run`` (its rng, merchant, variants, shops, ops…)."""

    def _variant(self):
        return self.rng.choice(self.variants)

    def _shop(self):
        """A shop at random (no draw with one shop: a one-shop run stays the run it was)."""
        return self.shops[0] if len(self.shops) == 1 else self.rng.choice(self.shops)

    def _record(self, n: int, op: str, *, shop=None, **detail) -> None:
        """What was done (the findings' list) and, per shop, how many of each operation."""
        shops = shop if isinstance(shop, tuple) else (shop,) if shop is not None else ()
        for one in shops:
            self.shop_counts[one.name][op] += 1
        where = {"shop": [s.name for s in shops] if len(shops) > 1 else shops[0].name} if shops else {}
        self.ops.append({"n": n, "op": op, "at": time.time(), **where, **detail})

    def op_sale(self, n: int) -> bool:
        from inventory.services import sale_create

        shop = self._shop()
        chosen = self.rng.sample(self.variants, self.rng.randint(1, 3))
        lines = [(v, self.rng.randint(1, 3)) for v in chosen]
        key = f"cv:{self.cfg.seed}:sale:{n}"
        sale = sale_create(merchant=self.merchant, lines=lines, idempotency_key=key, shop=shop)
        if sale.shop_id != shop.pk:
            raise ConvergenceError(f"sale {key} recorded in shop {sale.shop_id}, not {shop.name}")
        left = {sl.pk: sl.quantity for sl in sale.lines.all()}
        self.sales.append({"sale": sale, "key": key, "lines": lines, "left": left, "shop": shop})
        self._record(n, "sale", shop=shop, key=key, lines=[(v.pk, q) for v, q in lines])
        return True

    def op_sale_replay(self, n: int) -> bool:
        """The Register sends a sale again (its answer was lost): nothing is counted twice."""
        from inventory.services import sale_create

        if not self.sales:
            return False
        past = self.rng.choice(self.sales[-20:])
        again = sale_create(merchant=self.merchant, lines=past["lines"], idempotency_key=past["key"], shop=past["shop"])
        if again.pk != past["sale"].pk:
            raise ConvergenceError(f"a replayed sale made a new sale: {past['key']}")
        self._record(n, "sale_replay", shop=past["shop"], key=past["key"])
        return True

    def op_refund(self, n: int) -> bool:
        """A refund at the counter of the shop that sold (its stock comes back there)."""
        from inventory.services import refund_create

        open_sales = [s for s in self.sales if any(s["left"].values())]
        if not open_sales:
            return False
        sale = self.rng.choice(open_sales)
        line_id = self.rng.choice([lid for lid, left in sale["left"].items() if left])
        quantity = self.rng.randint(1, sale["left"][line_id])
        line = sale["sale"].lines.get(pk=line_id)
        refund_create(
            merchant=self.merchant,
            sale=sale["sale"],
            lines=[(line, quantity)],
            idempotency_key=f"cv:{self.cfg.seed}:refund:{n}",
            shop=sale["shop"],
        )
        sale["left"][line_id] -= quantity
        self._record(n, "refund", shop=sale["shop"], sale=sale["sale"].pk, variant=line.variant_id, quantity=quantity)
        return True

    def op_adjust(self, n: int) -> bool:
        from inventory.errors import NegativeStock
        from inventory.models import StockOrigin
        from inventory.services import stock_adjust

        variant = self._variant()
        delta = self.rng.choice([-3, -2, -1, 1, 2, 3, 4, 5])
        shop = self._shop()
        try:
            stock_adjust(
                merchant=self.merchant,
                variant=variant,
                delta=delta,
                origin=StockOrigin.MANUAL_COMPTOIR,
                idempotency_key=f"cv:{self.cfg.seed}:adjust:{n}",
                shop=shop,
            )
        except NegativeStock:
            self._record(n, "adjust_refused", shop=shop, variant=variant.pk, delta=delta)
            return False
        self._record(n, "adjust", shop=shop, variant=variant.pk, delta=delta)
        return True

    def op_set(self, n: int) -> bool:
        from inventory.services import stock_set

        variant = self._variant()
        quantity = self.rng.randint(0, 25)
        shop = self._shop()
        key = f"cv:{self.cfg.seed}:set:{n}"
        stock_set(merchant=self.merchant, variant=variant, quantity=quantity, idempotency_key=key, shop=shop)
        self._record(n, "set", shop=shop, variant=variant.pk, quantity=quantity)
        return True

    def op_split_on(self, n: int) -> bool:
        from inventory.errors import InvalidQuantity
        from inventory.models import StockLevel
        from inventory.services import stock_split_set

        variant = self._variant()
        shop = self._shop()
        level = StockLevel.objects.filter(variant=variant, shop=shop).first()
        total = level.quantity if level else 0
        online = self.rng.randint(0, max(0, total))
        try:
            done = stock_split_set(
                merchant=self.merchant,
                variant=variant,
                online_quantity=online,
                idempotency_key=f"cv:{self.cfg.seed}:split:{n}",
                shop=shop,
            )
        except InvalidQuantity:
            # An online order took stock between the read above and the split (a merchant's form
            # would say so): refused, nothing written; not a fault of the run.
            return False
        self._record(n, "split_on", shop=shop, variant=variant.pk, online=online, total=total)
        return done is not None

    def op_split_off(self, n: int) -> bool:
        from inventory.models import StockLevel
        from inventory.services import stock_split_disable

        shop = self._shop()
        split = list(
            StockLevel.objects.filter(variant__in=self.variants, shop=shop, online_quantity__isnull=False).values_list(
                "variant_id", flat=True
            )
        )
        if not split:
            return False
        chosen = self.rng.choice(sorted(split))
        variant = next(v for v in self.variants if v.pk == chosen)
        key = f"cv:{self.cfg.seed}:unsplit:{n}"
        stock_split_disable(merchant=self.merchant, variant=variant, idempotency_key=key, shop=shop)
        self._record(n, "split_off", shop=shop, variant=variant.pk)
        return True

    def op_transfer(self, n: int) -> bool | str:
        """Units of one or two variants from a shop to another (both at random), as one transfer;
        refused when the source has not that many of its own stock: a refusal, counted, not a fault."""
        from inventory.errors import NegativeStock
        from inventory.transfers import stock_transfer

        source, destination = self.rng.sample(self.shops, 2)
        chosen = self.rng.sample(self.variants, self.rng.randint(1, 2))
        lines = [(v, self.rng.randint(1, 5)) for v in chosen]
        key = f"cv:{self.cfg.seed}:transfer:{n}"
        detail = {"lines": [(v.pk, q) for v, q in lines], "key": key}
        try:
            transfer = stock_transfer(
                merchant=self.merchant, from_shop=source, to_shop=destination, lines=lines, idempotency_key=key
            )
        except NegativeStock as exc:
            self._record(n, "transfer_refused", shop=(source, destination), error=str(exc)[:160], **detail)
            return "refused"
        rows = list(transfer.movements.values_list("variant_id", "shop_id", "delta"))
        expected = sorted([(v.pk, source.pk, -q) for v, q in lines] + [(v.pk, destination.pk, q) for v, q in lines])
        if sorted(rows) != expected:
            raise ConvergenceError(f"transfer {key} wrote {sorted(rows)}, not {expected}")
        self._record(n, "transfer", shop=(source, destination), transfer=transfer.pk, **detail)
        return True
