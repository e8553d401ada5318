"""Inventory services: the one way to change stock (STYLE rule 2), in-store sales and refunds.

Every stock change goes through ``_movement_record``: it locks the variant's level row
(``select_for_update``), writes the ledger row and the new level in one transaction, and is
idempotent by a key that the database keeps unique per merchant. A retry with the same key
returns the movement already written — also under a race, where the loser's insert hits the
unique constraint inside a savepoint and reads the winner's row instead.

Why a row moved is a code and its parameters (``reason_code``, ``reason_params``; see
``inventory.reasons``) that the page renders in the reader's language; ``reason`` keeps only what a
person typed. ``stock_note_record`` writes a row that moves nothing, to say why stock did not move.

Stock is per shop (``portal.models.Shop``): every service that changes stock takes the ``shop``
(keyword). ``shop=None`` means the merchant's primary shop, and is for callers that have no shop
of their own: online orders, BigCommerce edits, reconciliation — until issue 19 maps each shop to a
BigCommerce location, the connector reads and writes the primary shop's levels only. In-store
callers (the Register, POS devices, the stock page) always say which shop.

Stock tracking off (``Product.track_stock=False``): stock is not counted. Sales and refunds of
such products are recorded (lines, totals) but write no ledger row and leave the level alone;
manual changes are refused. Turning tracking back on resumes counting from the level as it was;
the stock page asks the merchant to set counts.
"""

import copy
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, Variant
from catalog.services.products import product_track_stock_set
from inventory.errors import (
    EmptySale,
    IdempotencyConflict,
    InvalidPrice,
    InvalidQuantity,
    InventoryError,
    NegativeStock,
    RefundExceedsSale,
    ShopClosed,
    StockNotTracked,
    UnknownShop,
    UnknownVariant,
)
from inventory.models import (
    ONLINE_ORIGINS,
    Allocation,
    Refund,
    RefundLine,
    Sale,
    SaleLine,
    StockLevel,
    StockMovement,
    StockOrigin,
    Transfer,
)
from inventory.reasons import ReasonCode
from inventory.signals import stock_changed, stock_changing
from portal.models import Device, Merchant, Shop
from portal.money import MAX_PRICE, format_money
from portal.services import shop_primary

logger = logging.getLogger(__name__)

MAX_LINE_QUANTITY = 9_999
MAX_SALE_LINES = 200
MAX_STOCK_QUANTITY = 1_000_000_000
MAX_KEY_LENGTH = 200
MAX_SALE_TOTAL = 2**63 - 1  # totals are 64-bit integers in the database
# Manual changes may not take a level below zero; sales may (the shelf is the truth, the count catches up).
MANUAL_ORIGINS = {StockOrigin.MANUAL_COMPTOIR, StockOrigin.MANUAL_ONLINE}


def _allocation_for(level: StockLevel, origin: str) -> str:
    if not level.is_split:
        return Allocation.SHARED
    return Allocation.ONLINE if origin in ONLINE_ORIGINS else Allocation.STORE


def _allocation_level(level: StockLevel, allocation: str) -> int:
    if allocation == Allocation.ONLINE:
        return level.online_quantity
    if allocation == Allocation.STORE:
        return level.store_quantity
    return level.quantity


def _check_key(idempotency_key: str) -> None:
    if not idempotency_key or len(idempotency_key) > MAX_KEY_LENGTH:
        raise ValueError(f"idempotency_key must be 1 to {MAX_KEY_LENGTH} characters")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _movement_by_key(*, merchant: Merchant, idempotency_key: str) -> StockMovement | None:
    return StockMovement.objects.filter(merchant=merchant, idempotency_key=idempotency_key).first()


def stock_shop(*, merchant: Merchant, shop: Shop | None, moving: bool = True) -> Shop:
    """The shop a change is for: ``shop``, or the merchant's primary shop for a caller that has none
    (see the module's docstring). Refuses another merchant's shop and, for a change that moves
    stock (``moving``), a deactivated one: its stock stays as it was, readable."""
    if shop is None:
        return shop_primary(merchant=merchant)
    if shop.merchant_id != merchant.pk:
        raise UnknownShop(_("This shop does not exist."), field="shop")
    if moving and not shop.is_active:
        raise ShopClosed(_("“%(name)s” is deactivated: its stock cannot change.") % {"name": shop.name}, field="shop")
    return shop


def _locked_level(*, merchant: Merchant, variant: Variant, shop: Shop) -> StockLevel:
    """The variant's level row in ``shop``, locked until the end of the transaction; created at 0 if missing."""
    level = StockLevel.objects.select_for_update().filter(variant=variant, shop=shop).first()
    if level is None:
        # get_or_create inserts in a savepoint and falls back to a read when a concurrent insert won.
        StockLevel.objects.get_or_create(variant=variant, shop=shop, defaults={"merchant": merchant})
        level = StockLevel.objects.select_for_update().get(variant=variant, shop=shop)
    level.shop = shop  # the same row: its flags are read below without a query
    return level


def stock_level_lock(*, merchant: Merchant, variant: Variant, shop: Shop) -> StockLevel:
    """Inside the caller's transaction: lock the variant's level row in ``shop`` (created at 0 if
    missing) and return it, for an operation that checks several levels before it changes them
    through ``stock_adjust`` (a transfer locks both shops' rows in one fixed order first)."""
    return _locked_level(merchant=merchant, variant=variant, shop=shop)


def _announce(movement: StockMovement) -> None:
    # After commit: a failing receiver is logged, never turns the committed change into a 500.
    for receiver, result in stock_changed.send_robust(
        sender=StockMovement,
        merchant_id=movement.merchant_id,
        shop_id=movement.shop_id,
        variant_id=movement.variant_id,
        movement_id=movement.pk,
        origin=movement.origin,
    ):
        if isinstance(result, Exception):
            logger.error("Receiver %r of stock_changed failed", receiver, exc_info=result)


def _replayed(existing: StockMovement, *, variant: Variant, delta: int | None, shop: Shop) -> StockMovement:
    if (
        existing.variant_id != variant.pk
        or existing.shop_id != shop.pk
        or (delta is not None and existing.delta != delta)
    ):
        raise IdempotencyConflict()
    existing.created = False
    return existing


def _row_write(*, level: StockLevel, origin: str, delta: int, allocation: str, online_before: int, **fields):
    """The ledger row of a change already applied to ``level`` (locked), and its in-transaction signal."""
    user = fields.pop("user", None)
    movement = StockMovement.objects.create(
        merchant_id=level.merchant_id,
        shop_id=level.shop_id,
        variant_id=level.variant_id,
        origin=origin,
        delta=delta,
        level_after=level.quantity,
        allocation=allocation,
        online_after=level.online_quantity,
        reason=fields.pop("reason", "")[:255],
        reason_code=fields.pop("reason_code", "") or "",
        reason_params=fields.pop("reason_params", None) or {},
        user=user if getattr(user, "is_authenticated", False) else None,
        **fields,
    )
    stock_changing.send(
        sender=StockMovement,
        merchant_id=level.merchant_id,
        shop_id=level.shop_id,
        primary_shop=level.shop.is_primary,
        variant_id=level.variant_id,
        movement_id=movement.pk,
        origin=origin,
        delta=delta,
        level_before=level.quantity - delta,
        level_after=level.quantity,
        online_before=online_before,
        online_after=level.online_level,
    )
    transaction.on_commit(partial(_announce, movement))
    return movement


def _keyed_write(
    *,
    merchant: Merchant,
    variant: Variant,
    idempotency_key: str,
    expected_delta: int | None,
    write: Callable,
    shop: Shop,
    fresh_key: bool = False,
):
    """The checks every ledger write makes, then ``write(level)`` on the variant's locked level in
    one transaction. Same key → the row already written (also when another transaction wrote it
    between our check and our insert: the loser's unique-key error reads the winner's row).

    The row returned says which it is: ``created`` is True when this call wrote it, False when the
    key was written before (a replay), so a caller never asks the ledger about a key beforehand.

    ``fresh_key``: the caller made the key from a row it inserted in this transaction (a sale
    line's), so no earlier row can hold it: the read before the write is skipped. The unique key
    still decides: a row that held it after all is found by the unique-key error, as in a race."""
    _check_key(idempotency_key)
    if variant.merchant_id != merchant.pk:
        raise UnknownVariant(_("This product does not exist."))
    if not variant.product.track_stock:
        raise StockNotTracked(_("Stock is not tracked for this product. Turn stock tracking on first."))
    existing = None if fresh_key else _movement_by_key(merchant=merchant, idempotency_key=idempotency_key)
    if existing is not None:
        return _replayed(existing, variant=variant, delta=expected_delta, shop=shop)
    try:
        with transaction.atomic():
            movement = write(_locked_level(merchant=merchant, variant=variant, shop=shop))
    except IntegrityError:
        existing = _movement_by_key(merchant=merchant, idempotency_key=idempotency_key)
        if existing is None:
            raise
        return _replayed(existing, variant=variant, delta=expected_delta, shop=shop)
    if movement is not None:
        movement.created = True
    return movement


def _movement_record(
    *,
    merchant: Merchant,
    variant: Variant,
    compute_delta: Callable[[int], int],
    expected_delta: int | None,
    origin: str,
    idempotency_key: str,
    reason: str,
    user,
    device: Device | None,
    sale_line: SaleLine | None = None,
    refund_line: RefundLine | None = None,
    transfer: Transfer | None = None,
    reason_code: str = "",
    reason_params: dict | None = None,
    fresh_key: bool = False,
    shop: Shop | None = None,
) -> StockMovement:
    if origin not in StockOrigin.values:
        raise ValueError(f"unknown stock origin {origin!r}")

    def write(level: StockLevel) -> StockMovement:
        allocation = _allocation_for(level, origin)
        current = _allocation_level(level, allocation)
        delta = compute_delta(current)
        if origin in MANUAL_ORIGINS and delta < 0 and current + delta < 0:
            raise NegativeStock(
                _("Stock cannot go below zero through a manual change (current level: %(level)s).")
                % {"level": current},
                field="delta",
            )
        online_before = level.online_level
        level.quantity += delta
        if allocation == Allocation.ONLINE:
            level.online_quantity += delta
        level.save(update_fields=["quantity", "online_quantity", "updated_at"])
        return _row_write(
            level=level,
            origin=origin,
            delta=delta,
            allocation=allocation,
            online_before=online_before,
            idempotency_key=idempotency_key,
            reason=reason,
            reason_code=reason_code,
            reason_params=reason_params,
            user=user,
            device=device,
            sale_line=sale_line,
            refund_line=refund_line,
            transfer=transfer,
        )

    return _keyed_write(
        merchant=merchant,
        variant=variant,
        idempotency_key=idempotency_key,
        expected_delta=expected_delta,
        write=write,
        shop=stock_shop(merchant=merchant, shop=shop),
        fresh_key=fresh_key,
    )


def online_level_unchanged(*, variant_id: int, expected: int, shop_id: int | None = None) -> bool:
    """Inside the caller's transaction: lock the variant's level row (inventory's lock) and say
    whether its online level is still ``expected`` — the compare of a compare-and-set, the set
    being the ``stock_adjust`` that follows in the same transaction. ``shop_id``: that shop's row
    (None: the merchant's primary shop's)."""
    levels = StockLevel.objects.select_for_update(of=("self",)).filter(variant_id=variant_id)
    levels = levels.filter(shop_id=shop_id) if shop_id is not None else levels.filter(shop__is_primary=True)
    level = levels.first()
    return (level.online_level if level else 0) == expected


def stock_adjust(
    *,
    merchant: Merchant,
    variant: Variant,
    delta: int,
    origin: str,
    idempotency_key: str,
    reason: str = "",
    user=None,
    device: Device | None = None,
    sale_line: SaleLine | None = None,
    refund_line: RefundLine | None = None,
    transfer: Transfer | None = None,
    reason_code: str = "",
    reason_params: dict | None = None,
    fresh_key: bool = False,
    shop: Shop | None = None,
) -> StockMovement:
    """Change a variant's stock in ``shop`` by ``delta`` (relative; ``shop`` None: the primary
    shop, for callers without a shop, see the module's docstring). Same key → the movement already written.

    The movement returned carries ``created``: True when this call wrote the row, False when it
    replayed the key (the row another call wrote; nothing moved this time).

    ``reason_code`` and ``reason_params`` say why (``inventory.reasons``; the page renders them in
    the reader's language); ``reason`` is only what a person typed about it. ``fresh_key``: see
    ``_keyed_write``. ``transfer``: the transfer between shops the row is one side of
    (``inventory.transfers``)."""
    if not _is_int(delta) or delta == 0 or abs(delta) > MAX_STOCK_QUANTITY:
        raise InvalidQuantity(_("Enter a whole number other than zero."), field="delta")
    return _movement_record(
        merchant=merchant,
        variant=variant,
        compute_delta=lambda current: delta,
        expected_delta=delta,
        origin=origin,
        idempotency_key=idempotency_key,
        reason=reason,
        reason_code=reason_code,
        reason_params=reason_params,
        user=user,
        device=device,
        sale_line=sale_line,
        refund_line=refund_line,
        transfer=transfer,
        fresh_key=fresh_key,
        shop=shop,
    )


@dataclass(frozen=True)
class Adjustment:
    """One keyed change of ``stock_adjust_many``: ``delta`` 0 is a row that moves nothing (a note,
    as ``stock_note_record``, which must say why)."""

    variant: Variant
    delta: int
    origin: str
    idempotency_key: str
    reason_code: str = ""
    reason_params: dict | None = None
    shop: Shop | None = None  # None: the merchant's primary shop


def stock_adjust_many(*, merchant: Merchant, adjustments: list[Adjustment]) -> list[StockMovement | None]:
    """Many keyed relative changes at once (a page of online orders): the same rules and rows as
    ``stock_adjust`` / ``stock_note_record`` one by one, in a constant number of queries (the keys
    read at once, the levels locked at once, the rows written in one INSERT, the levels in one
    UPDATE). For each adjustment, in order: the movement (``created`` True when written now, False
    for a key written before), or None when its key was written before with another variant or
    quantity (``IdempotencyConflict`` one by one). Not for manual changes (their floor at 0 is
    checked one by one). A key another transaction writes meanwhile: one by one, as a race is."""
    for adj in adjustments:
        _check_key(adj.idempotency_key)
        if adj.origin not in StockOrigin.values or adj.origin in MANUAL_ORIGINS:
            raise ValueError(f"origin {adj.origin!r} is not for stock_adjust_many")
        if not _is_int(adj.delta) or abs(adj.delta) > MAX_STOCK_QUANTITY or (adj.delta == 0 and not adj.reason_code):
            raise InvalidQuantity(_("Enter a whole number other than zero."), field="delta")
        if adj.variant.merchant_id != merchant.pk:
            raise UnknownVariant(_("This product does not exist."))
        if not adj.variant.product.track_stock:
            raise StockNotTracked(_("Stock is not tracked for this product. Turn stock tracking on first."))
    adjustments = [replace(adj, shop=stock_shop(merchant=merchant, shop=adj.shop)) for adj in adjustments]
    if not adjustments:
        return []
    try:
        with transaction.atomic():
            return _adjusted_many(merchant=merchant, adjustments=adjustments)
    except IntegrityError:  # a key written by another transaction meanwhile: one by one
        return [_adjusted_one(merchant=merchant, adj=adj) for adj in adjustments]


def _adjusted_one(*, merchant: Merchant, adj: Adjustment) -> StockMovement | None:
    try:
        if adj.delta == 0:
            return stock_note_record(
                merchant=merchant,
                variant=adj.variant,
                origin=adj.origin,
                idempotency_key=adj.idempotency_key,
                reason_code=adj.reason_code,
                reason_params=adj.reason_params,
                shop=adj.shop,
            )
        return stock_adjust(
            merchant=merchant,
            variant=adj.variant,
            delta=adj.delta,
            origin=adj.origin,
            idempotency_key=adj.idempotency_key,
            reason_code=adj.reason_code,
            reason_params=adj.reason_params,
            shop=adj.shop,
        )
    except IdempotencyConflict:
        return None


def _adjusted_many(*, merchant: Merchant, adjustments: list[Adjustment]) -> list[StockMovement | None]:
    keys = {adj.idempotency_key for adj in adjustments}
    known = {m.idempotency_key: m for m in StockMovement.objects.filter(merchant=merchant, idempotency_key__in=keys)}
    shops = {adj.shop.pk: adj.shop for adj in adjustments}
    levels: dict[tuple[int, int], StockLevel] = {}
    for shop_id, shop in shops.items():
        variant_ids = {adj.variant.pk for adj in adjustments if adj.shop.pk == shop_id}
        for lv in StockLevel.objects.select_for_update().filter(variant_id__in=variant_ids, shop=shop):
            lv.shop = shop
            levels[lv.variant_id, shop_id] = lv
        for variant_id in variant_ids - {v for v, s in levels if s == shop_id}:
            levels[variant_id, shop_id] = _locked_level(merchant=merchant, variant=Variant(pk=variant_id), shop=shop)
    out: list[StockMovement | None] = []
    # (row, level before, online before, online after, in the primary shop)
    fresh: list[tuple[StockMovement, int, int, int, bool]] = []
    for adj in adjustments:
        existing = known.get(adj.idempotency_key)
        if existing is not None:
            try:
                out.append(_replayed(copy.copy(existing), variant=adj.variant, delta=adj.delta, shop=adj.shop))
            except IdempotencyConflict:
                out.append(None)
            continue
        level = levels[adj.variant.pk, adj.shop.pk]
        allocation = _allocation_for(level, adj.origin)
        before, online_before = level.quantity, level.online_level
        level.quantity += adj.delta
        if allocation == Allocation.ONLINE:
            level.online_quantity += adj.delta
        row = StockMovement(
            merchant_id=merchant.pk,
            shop_id=adj.shop.pk,
            variant_id=adj.variant.pk,
            origin=adj.origin,
            delta=adj.delta,
            level_after=level.quantity,
            allocation=allocation,
            online_after=level.online_quantity,
            reason_code=adj.reason_code or "",
            reason_params=adj.reason_params or {},
            idempotency_key=adj.idempotency_key,
        )
        row.created = True
        known[adj.idempotency_key] = row  # the same key twice in the batch: the second is a replay
        fresh.append((row, before, online_before, level.online_level, adj.shop.is_primary))
        out.append(row)
    if not fresh:
        return out
    StockMovement.objects.bulk_create([row for row, *_ in fresh])
    moved = {(row.variant_id, row.shop_id) for row, *_ in fresh}
    now = timezone.now()
    for key in moved:
        levels[key].updated_at = now
    StockLevel.objects.bulk_update([levels[k] for k in moved], ["quantity", "online_quantity", "updated_at"])
    for row, before, online_before, online_after, primary in fresh:
        stock_changing.send(
            sender=StockMovement,
            merchant_id=row.merchant_id,
            shop_id=row.shop_id,
            primary_shop=primary,
            variant_id=row.variant_id,
            movement_id=row.pk,
            origin=row.origin,
            delta=row.delta,
            level_before=before,
            level_after=row.level_after,
            online_before=online_before,
            online_after=online_after,
        )
        transaction.on_commit(partial(_announce, row))
    return out


def stock_set(
    *,
    merchant: Merchant,
    variant: Variant,
    quantity: int,
    idempotency_key: str,
    origin: str = StockOrigin.MANUAL_COMPTOIR,
    reason: str = "",
    user=None,
    device: Device | None = None,
    reason_code: str = "",
    reason_params: dict | None = None,
    shop: Shop | None = None,
) -> StockMovement:
    """Set a variant's stock in ``shop`` to an absolute count; the ledger records the difference
    (0 for a confirming count). ``shop`` None: the primary shop (see the module's docstring)."""
    if not _is_int(quantity) or quantity < 0 or quantity > MAX_STOCK_QUANTITY:
        raise InvalidQuantity(_("Enter a whole number of zero or more."), field="quantity")
    return _movement_record(
        merchant=merchant,
        variant=variant,
        compute_delta=lambda current: quantity - current,
        expected_delta=None,
        origin=origin,
        idempotency_key=idempotency_key,
        reason=reason,
        reason_code=reason_code,
        reason_params=reason_params,
        user=user,
        device=device,
        shop=shop,
    )


def stock_note_record(
    *,
    merchant: Merchant,
    variant: Variant,
    origin: str,
    idempotency_key: str,
    reason_code: str,
    reason_params: dict | None = None,
    shop: Shop | None = None,
) -> StockMovement:
    """A history row that moves nothing: something happened elsewhere that a merchant would expect
    to move stock and did not (an online order refunded without its items going back to stock), and
    the history says so. Same key → the row already written (``created`` False, as for ``stock_adjust``)."""
    if not reason_code:
        raise ValueError("a row that moves nothing must say why (reason_code)")
    return _movement_record(
        merchant=merchant,
        variant=variant,
        compute_delta=lambda current: 0,
        expected_delta=0,
        origin=origin,
        idempotency_key=idempotency_key,
        reason="",
        reason_code=reason_code,
        reason_params=reason_params,
        user=None,
        device=None,
        shop=shop,
    )


def _split_record(
    *,
    merchant: Merchant,
    variant: Variant,
    online_quantity: int | None,
    idempotency_key: str,
    reason: str,
    user,
    reason_code: str,
    reason_params: dict | None = None,
    shop: Shop | None = None,
) -> StockMovement | None:

    def write(level: StockLevel) -> StockMovement | None:
        if online_quantity is not None and online_quantity > max(0, level.quantity):
            raise InvalidQuantity(
                _("The online allocation cannot be more than the stock (%(level)s).") % {"level": level.quantity},
                field="online_quantity",
            )
        if online_quantity == level.online_quantity:
            return None  # nothing changes: no ledger row
        online_before = level.online_level
        level.online_quantity = online_quantity
        level.save(update_fields=["online_quantity", "updated_at"])
        return _row_write(
            level=level,
            origin=StockOrigin.SPLIT_CHANGE,
            delta=0,
            allocation=Allocation.SHARED if online_quantity is None else Allocation.ONLINE,
            online_before=online_before,
            idempotency_key=idempotency_key,
            reason=reason,
            reason_code=reason_code,
            reason_params=reason_params,
            user=user,
        )

    return _keyed_write(
        merchant=merchant,
        variant=variant,
        idempotency_key=idempotency_key,
        expected_delta=0,
        write=write,
        shop=stock_shop(merchant=merchant, shop=shop),
    )


def stock_split_set(
    *,
    merchant: Merchant,
    variant: Variant,
    online_quantity: int,
    idempotency_key: str,
    reason: str = "",
    user=None,
    shop: Shop | None = None,
) -> StockMovement | None:
    """Split a variant's stock in ``shop`` (or change the split): ``online_quantity`` units are the
    online shop's, the rest the store's. A ``split_change`` row records it (the total does not move);
    None when the split was already that. Same key → the row already written."""
    if not _is_int(online_quantity) or online_quantity < 0 or online_quantity > MAX_STOCK_QUANTITY:
        raise InvalidQuantity(_("Enter a whole number of zero or more."), field="online_quantity")
    return _split_record(
        merchant=merchant,
        variant=variant,
        online_quantity=online_quantity,
        idempotency_key=idempotency_key,
        reason=reason,
        reason_code=ReasonCode.SPLIT_SET,
        reason_params={"online": online_quantity},
        user=user,
        shop=shop,
    )


def stock_split_disable(
    *, merchant: Merchant, variant: Variant, idempotency_key: str, reason: str = "", user=None, shop: Shop | None = None
) -> StockMovement | None:
    """Merge the two allocations back into one shared stock (the total, which never moved)."""
    return _split_record(
        merchant=merchant,
        variant=variant,
        online_quantity=None,
        idempotency_key=idempotency_key,
        reason=reason,
        reason_code=ReasonCode.SPLIT_OFF,
        user=user,
        shop=shop,
    )


def _product_variants_locked(*, merchant: Merchant, product: Product) -> list[Variant]:
    if product.merchant_id != merchant.pk:
        raise UnknownVariant(_("This product does not exist."))
    # One split change of a product at a time (its tracking flag is read under the lock).
    product = Product.objects.select_for_update().get(pk=product.pk)
    if not product.track_stock:
        raise StockNotTracked(_("Stock is not tracked for this product. Turn stock tracking on first."))
    return list(Variant.objects.filter(product=product).select_related("product").order_by("position", "id"))


def product_stock_lock(*, merchant: Merchant, product: Product, shop: Shop | None = None) -> list[Variant]:
    """Inside a transaction: lock what a split change of ``product`` locks (the product row, then
    each variant's level, in the order the change takes them), so that a form merges the
    allocations it read with what nobody can change before its write (an online order waits)."""
    variants = _product_variants_locked(merchant=merchant, product=product)
    shop = stock_shop(merchant=merchant, shop=shop, moving=False)
    for variant in variants:
        _locked_level(merchant=merchant, variant=variant, shop=shop)
    return variants


def _product_split_replay(*, merchant: Merchant, idempotency_key: str) -> list[StockMovement] | None:
    """The rows a product-level split change with this key already wrote, or None if it never ran.

    A form sent twice (double click, Back and submit again) changes nothing the second time, even
    for the variants whose allocation the first submission left as it was (they wrote no row)."""
    rows = list(StockMovement.objects.filter(merchant=merchant, idempotency_key__startswith=f"{idempotency_key}:"))
    return rows or None


def product_stock_split_set(
    *,
    merchant: Merchant,
    product: Product,
    allocations: dict[int, int],
    idempotency_key: str,
    reason: str = "",
    user=None,
    shop: Shop | None = None,
) -> list[StockMovement]:
    """Split the stock of every variant of ``product`` in ``shop``: ``allocations`` maps each variant id to its
    online allocation (the rest stays the store's). All or nothing, in one transaction; one
    ``split_change`` row per variant whose allocation changes, keyed ``{idempotency_key}:{variant id}``.
    Same key again → the rows already written, nothing changed."""
    _check_key(idempotency_key + ":0")
    with transaction.atomic():
        variants = _product_variants_locked(merchant=merchant, product=product)
        replayed = _product_split_replay(merchant=merchant, idempotency_key=idempotency_key)
        if replayed is not None:
            return replayed
        by_id = {variant.pk: variant for variant in variants}
        unknown = set(allocations) - set(by_id)
        if unknown or set(by_id) - set(allocations):
            raise UnknownVariant(_("Enter an allocation for each variant of this product, and only for them."))
        movements = []
        for variant in variants:
            movement = stock_split_set(
                merchant=merchant,
                variant=variant,
                online_quantity=allocations[variant.pk],
                idempotency_key=f"{idempotency_key}:{variant.pk}",
                reason=reason,
                user=user,
                shop=shop,
            )
            if movement is not None:
                movements.append(movement)
        return movements


def product_stock_split_disable(
    *,
    merchant: Merchant,
    product: Product,
    idempotency_key: str,
    reason: str = "",
    user=None,
    shop: Shop | None = None,
) -> list[StockMovement]:
    """Merge the allocations of every split variant of ``product`` back into one shared stock
    (all or nothing). Same key again → the rows already written."""
    _check_key(idempotency_key + ":0")
    with transaction.atomic():
        variants = _product_variants_locked(merchant=merchant, product=product)
        replayed = _product_split_replay(merchant=merchant, idempotency_key=idempotency_key)
        if replayed is not None:
            return replayed
        movements = []
        for variant in variants:
            movement = stock_split_disable(
                merchant=merchant,
                variant=variant,
                idempotency_key=f"{idempotency_key}:{variant.pk}",
                reason=reason,
                user=user,
                shop=shop,
            )
            if movement is not None:
                movements.append(movement)
        return movements


def stock_tracking_set(*, merchant: Merchant, product: Product, enabled: bool) -> Product:
    """Turn stock tracking on or off for a product (off stops counting and, later, its stock sync)."""
    if product.merchant_id != merchant.pk:
        raise UnknownVariant(_("This product does not exist."))
    return product_track_stock_set(product=product, enabled=enabled)


# Sales and refunds ------------------------------------------------------------------------------


def _check_quantity(quantity, *, field: str) -> None:
    if not _is_int(quantity) or quantity < 1 or quantity > MAX_LINE_QUANTITY:
        raise InvalidQuantity(
            _("Quantity must be a whole number from 1 to %(max)s.") % {"max": MAX_LINE_QUANTITY}, field=field
        )


def _check_replay(existing, *, request_hash: str):
    if request_hash and existing.request_hash and existing.request_hash != request_hash:
        raise IdempotencyConflict()
    return existing


def _sale_by_key(*, merchant: Merchant, idempotency_key: str) -> Sale | None:
    return Sale.objects.filter(merchant=merchant, idempotency_key=idempotency_key).first()


def sale_create(
    *,
    merchant: Merchant,
    lines: Iterable[tuple[Variant, int]],
    idempotency_key: str,
    user=None,
    device: Device | None = None,
    request_hash: str = "",
    key_looked_up: bool = False,
    shop: Shop | None = None,
) -> Sale:
    """Record an in-store sale in ``shop``: its lines at today's prices and one ledger row per
    tracked line, each moving that shop's stock. ``shop`` None: the device's shop, or for a sale
    without a device the primary shop.

    Same key → the sale already recorded (nothing counted twice); same key with another
    ``request_hash`` → ``IdempotencyConflict``. Stock may go below zero. ``key_looked_up``: the
    caller has just found no sale with this key (the POS API answers a replay before it resolves
    the lines), so it is not read again; a sale that took the key since is found by the unique key.

    The sale returned holds its lines (``sale.lines.all()`` reads no more rows).
    """
    _check_key(idempotency_key)
    existing = None if key_looked_up else _sale_by_key(merchant=merchant, idempotency_key=idempotency_key)
    if existing is not None:
        return _check_replay(existing, request_hash=request_hash)
    lines = list(lines)
    if not lines:
        raise EmptySale(_("Add at least one product to the sale."), field="lines")
    if len(lines) > MAX_SALE_LINES:
        raise InvalidQuantity(_("A sale has at most %(max)s lines.") % {"max": MAX_SALE_LINES}, field="lines")
    for index, (variant, quantity) in enumerate(lines):
        if variant.merchant_id != merchant.pk:
            raise UnknownVariant(_("This product does not exist."), field=f"lines[{index}]")
        _check_quantity(quantity, field=f"lines[{index}].quantity")
        if variant.price > MAX_PRICE:
            raise InvalidPrice(
                _("“%(name)s” has a price above %(max)s. Correct its price in the catalog, then sell it.")
                % {"name": variant, "max": format_money(MAX_PRICE, merchant.currency)},
                field=f"lines[{index}]",
            )
    total = sum(variant.price * quantity for variant, quantity in lines)
    if total > MAX_SALE_TOTAL:
        raise InvalidQuantity(_("This sale's total is too large to record; sell fewer items at once."), field="lines")
    shop = stock_shop(merchant=merchant, shop=shop or (device.shop if device is not None else None))
    try:
        with transaction.atomic():
            sale = Sale.objects.create(
                merchant=merchant,
                shop=shop,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                user=user if getattr(user, "is_authenticated", False) else None,
                device=device,
                currency=merchant.currency,
                total=total,
            )
            sale_lines = [
                SaleLine.objects.create(
                    sale=sale,
                    variant=variant,
                    description=str(variant)[:300],
                    sku=variant.sku,
                    quantity=quantity,
                    unit_price=variant.price,
                )
                for variant, quantity in lines
            ]
            # Lock levels in one order (by variant) so that two multi-line sales cannot deadlock.
            for line in sorted(sale_lines, key=lambda sl: (sl.variant_id, sl.pk)):
                if line.variant.product.track_stock:
                    stock_adjust(
                        merchant=merchant,
                        variant=line.variant,
                        delta=-line.quantity,
                        origin=StockOrigin.POS_SALE,
                        idempotency_key=f"sale:{sale.pk}:line:{line.pk}",
                        reason_code=ReasonCode.SALE,
                        reason_params={"sale": sale.pk},
                        user=user,
                        device=device,
                        sale_line=line,
                        fresh_key=True,  # made of this sale's new id
                        shop=shop,
                    )
    except IntegrityError:
        existing = _sale_by_key(merchant=merchant, idempotency_key=idempotency_key)
        if existing is None:
            raise
        return _check_replay(existing, request_hash=request_hash)
    _related_known(sale, "lines", sale_lines)
    return sale


def _related_known(instance, name: str, rows: list) -> None:
    """``instance.<name>.all()`` gives ``rows`` without a query: what ``prefetch_related`` would have
    stored, for rows this call has just written (in their order, the relation's ``id`` order)."""
    queryset = getattr(instance, name).all()
    queryset._result_cache, queryset._prefetch_done = list(rows), True
    cache_name = getattr(type(instance), name).field.remote_field.cache_name
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = queryset


def refund_create(
    *,
    merchant: Merchant,
    sale: Sale,
    lines: Iterable[tuple[SaleLine, int]],
    idempotency_key: str,
    user=None,
    device: Device | None = None,
    request_hash: str = "",
    shop: Shop | None = None,
) -> Refund:
    """Refund some or all of a sale's lines and return their stock to ``shop`` (where the items
    come back: the device's shop; without one, the sale's shop).

    Refuses to refund more of a line than was sold minus what earlier refunds took back.
    Same key → the refund already recorded.
    """
    _check_key(idempotency_key)
    if sale.merchant_id != merchant.pk:
        raise InventoryError(_("This sale does not exist."))
    existing = Refund.objects.filter(merchant=merchant, idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.sale_id != sale.pk:
            raise IdempotencyConflict()
        return _check_replay(existing, request_hash=request_hash)
    requested: dict[int, int] = defaultdict(int)
    last_index: dict[int, int] = {}  # the request's last line naming each sale line, for errors
    for index, (sale_line, quantity) in enumerate(lines):
        _check_quantity(quantity, field=f"lines[{index}].quantity")
        if sale_line.sale_id != sale.pk:
            raise InventoryError(_("This line is not part of sale #%(id)s.") % {"id": sale.pk}, field=f"lines[{index}]")
        requested[sale_line.pk] += quantity
        last_index[sale_line.pk] = index
    if not requested:
        raise EmptySale(_("Choose at least one item to refund."), field="lines")
    shop = stock_shop(merchant=merchant, shop=shop or (device.shop if device is not None else sale.shop))
    try:
        with transaction.atomic():
            # One refund of a sale at a time: the "already refunded" figures below stay true until commit.
            Sale.objects.select_for_update().filter(pk=sale.pk).first()
            refunded = _refunded_quantities(sale=sale)
            sale_lines = {sl.pk: sl for sl in sale.lines.select_related("variant__product")}
            for line_id, quantity in requested.items():
                sale_line = sale_lines[line_id]
                remaining = sale_line.quantity - refunded.get(line_id, 0)
                if quantity > remaining:
                    raise RefundExceedsSale(
                        _("Cannot refund %(quantity)s × %(description)s: %(sold)s sold, %(remaining)s left to refund.")
                        % {
                            "quantity": quantity,
                            "description": sale_line.description,
                            "sold": sale_line.quantity,
                            "remaining": remaining,
                        },
                        field=f"lines[{last_index[line_id]}].quantity",
                    )
            refund = Refund.objects.create(
                merchant=merchant,
                shop=shop,
                sale=sale,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                user=user if getattr(user, "is_authenticated", False) else None,
                device=device,
                total=sum(sale_lines[line_id].unit_price * quantity for line_id, quantity in requested.items()),
            )
            for line_id, quantity in sorted(
                requested.items(), key=lambda item: (sale_lines[item[0]].variant_id, item[0])
            ):
                sale_line = sale_lines[line_id]
                refund_line = RefundLine.objects.create(refund=refund, sale_line=sale_line, quantity=quantity)
                if sale_line.variant.product.track_stock:
                    stock_adjust(
                        merchant=merchant,
                        variant=sale_line.variant,
                        delta=quantity,
                        origin=StockOrigin.POS_REFUND,
                        idempotency_key=f"refund:{refund.pk}:line:{refund_line.pk}",
                        reason_code=ReasonCode.REFUND,
                        reason_params={"refund": refund.pk, "sale": sale.pk},
                        user=user,
                        device=device,
                        refund_line=refund_line,
                        shop=shop,
                    )
    except IntegrityError:
        existing = Refund.objects.filter(merchant=merchant, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        if existing.sale_id != sale.pk:
            raise IdempotencyConflict() from None
        return _check_replay(existing, request_hash=request_hash)
    return refund


def _refunded_quantities(*, sale: Sale) -> dict[int, int]:
    rows = RefundLine.objects.filter(sale_line__sale=sale).values("sale_line").annotate(total=Sum("quantity"))
    return {row["sale_line"]: row["total"] for row in rows}
