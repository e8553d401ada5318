"""Transfers between shops: stock moved from one of the merchant's shops to another as one operation.

``stock_transfer`` writes a ``Transfer`` (unique by its idempotency key per merchant, as a sale is)
and, per variant, two ``transfer`` ledger rows through ``stock_adjust`` — the one way to change
stock: −N in the source shop, +N in the destination, both linked to the transfer (a column, not
the key) and keyed by the transfer's new id (``transfer:<id>:<variant>:out`` / ``:in``), all in one
transaction. Each row sends ``stock_changing`` and, after commit, ``stock_changed`` as any movement
does; ``transfer`` is a Comptoir origin, so a connector pushes both shops' changes.

Before writing, every level the transfer touches is locked in one fixed order — by variant, then
shop — the order a sale's lines take too, so two transfers that cross (A→B and B→A) or a sale
running beside one wait for each other and never deadlock.

Split stock keeps its meaning per shop: a transfer moves the shop's own stock — the shared stock,
or, when a shop's stock is split, its store allocation (what Comptoir sells from). A shop's online
allocation, its share for BigCommerce, is not moved by a transfer at either end: to send units
online, change the split in the destination afterwards. So the source may give at most its store
allocation, never below zero.
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from catalog.models import Variant
from inventory.errors import (
    EmptySale,
    IdempotencyConflict,
    InvalidQuantity,
    NegativeStock,
    SameShop,
    StockNotTracked,
    UnknownShop,
    UnknownVariant,
)
from inventory.models import StockOrigin, Transfer
from inventory.reasons import ReasonCode
from inventory.services import MAX_KEY_LENGTH, MAX_STOCK_QUANTITY, stock_adjust, stock_level_lock, stock_shop
from portal.models import Device, Merchant, Shop

MAX_TRANSFER_LINES = 200


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _wanted(lines: list[tuple[Variant, int]]) -> dict[int, int]:
    """``{variant id: quantity}``, a variant named twice counted once with the sum (quantities
    already checked)."""
    wanted: dict[int, int] = {}
    for variant, quantity in lines:
        wanted[variant.pk] = wanted.get(variant.pk, 0) + quantity
    return wanted


def _checked_lines(*, merchant: Merchant, lines: list) -> list[tuple[Variant, int]]:
    if not lines:
        raise EmptySale(_("Enter a quantity to transfer for at least one variant."), field="lines")
    if len(lines) > MAX_TRANSFER_LINES:
        raise InvalidQuantity(_("A transfer has at most %(max)s lines.") % {"max": MAX_TRANSFER_LINES}, field="lines")
    for index, (variant, quantity) in enumerate(lines):
        if not _is_int(quantity) or not 1 <= quantity <= MAX_STOCK_QUANTITY:
            raise InvalidQuantity(
                _("Quantity must be a whole number from 1 to %(max)s.") % {"max": MAX_STOCK_QUANTITY},
                field=f"lines[{index}].quantity",
            )
        if variant.merchant_id != merchant.pk:
            raise UnknownVariant(_("This product does not exist."), field=f"lines[{index}]")
        if not variant.product.track_stock:
            raise StockNotTracked(
                _("Stock is not tracked for “%(name)s”: it cannot be transferred. Turn stock tracking on first.")
                % {"name": variant},
                field=f"lines[{index}]",
            )
    return lines


def _shops(*, merchant: Merchant, from_shop: Shop | None, to_shop: Shop | None) -> tuple[Shop, Shop]:
    if from_shop is None or to_shop is None:
        raise UnknownShop(_("Choose the shop to transfer from and the shop to transfer to."), field="to_shop")
    source = stock_shop(merchant=merchant, shop=from_shop)
    destination = stock_shop(merchant=merchant, shop=to_shop)
    if source.pk == destination.pk:
        raise SameShop(
            _("Choose two different shops: the stock is already in %(shop)s.") % {"shop": source.name}, field="to_shop"
        )
    return source, destination


def _replayed(existing: Transfer, *, from_shop, to_shop, lines: list, note: str) -> Transfer:
    """The transfer this key wrote, if the request is the same one; else ``IdempotencyConflict``."""
    try:
        wanted = _wanted(lines)
    except TypeError:  # a quantity that is not a number: not what was sent before
        raise IdempotencyConflict() from None
    written = {m.variant_id: -m.delta for m in existing.movements.filter(delta__lt=0)}
    if (
        existing.from_shop_id != getattr(from_shop, "pk", None)
        or existing.to_shop_id != getattr(to_shop, "pk", None)
        or existing.note != note
        or written != wanted
    ):
        raise IdempotencyConflict()
    existing.created = False
    return existing


def _short_check(*, variants: dict[int, Variant], wanted: dict[int, int], levels: dict, source: Shop, lines) -> None:
    """The source gives at most what it holds of its own stock (the store allocation when split)."""
    for variant_id, quantity in wanted.items():
        level = levels[variant_id, source.pk]
        if quantity > level.store_quantity:
            index = next(i for i, (v, _q) in enumerate(lines) if v.pk == variant_id)
            values = {
                "name": variants[variant_id],
                "shop": source.name,
                "quantity": quantity,
                "level": level.store_quantity,
            }
            if level.is_split:
                message = _(
                    "Not enough stock of “%(name)s” in %(shop)s to transfer %(quantity)s: its allocation for "
                    "Comptoir is %(level)s (the online allocation, %(online)s, stays in the shop)."
                ) % {**values, "online": level.online_quantity}
            else:
                message = (
                    _("Not enough stock of “%(name)s” in %(shop)s to transfer %(quantity)s (in stock: %(level)s).")
                    % values
                )
            raise NegativeStock(message, field=f"lines[{index}].quantity")


def stock_transfer(
    *,
    merchant: Merchant,
    from_shop: Shop | None,
    to_shop: Shop | None,
    lines: Iterable[tuple[Variant, int]],
    idempotency_key: str,
    note: str = "",
    user=None,
    device: Device | None = None,
) -> Transfer:
    """Move ``lines`` (variant, quantity) from ``from_shop`` to ``to_shop``, both the merchant's,
    active and different, as one transfer: all lines or none.

    Same key and same request → the transfer already written (``created`` False), nothing moves;
    same key, another request → ``IdempotencyConflict``. A variant named twice moves the sum."""
    if not idempotency_key or len(idempotency_key) > MAX_KEY_LENGTH:
        raise ValueError(f"idempotency_key must be 1 to {MAX_KEY_LENGTH} characters")
    lines, note = list(lines), (note or "").strip()[:255]
    existing = Transfer.objects.filter(merchant=merchant, idempotency_key=idempotency_key).first()
    if existing is not None:
        return _replayed(existing, from_shop=from_shop, to_shop=to_shop, lines=lines, note=note)
    lines = _checked_lines(merchant=merchant, lines=lines)
    source, destination = _shops(merchant=merchant, from_shop=from_shop, to_shop=to_shop)
    wanted = _wanted(lines)
    variants = {variant.pk: variant for variant, _quantity in lines}
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                merchant=merchant,
                from_shop=source,
                to_shop=destination,
                idempotency_key=idempotency_key,
                note=note,
                user=user if getattr(user, "is_authenticated", False) else None,
                device=device,
            )
            # Every level in one fixed order (variant, then shop) before anything moves: no deadlock.
            levels = {
                (variant_id, shop.pk): stock_level_lock(merchant=merchant, variant=variants[variant_id], shop=shop)
                for variant_id, shop in sorted(
                    ((v, s) for v in wanted for s in (source, destination)), key=lambda vs: (vs[0], vs[1].pk)
                )
            }
            _short_check(variants=variants, wanted=wanted, levels=levels, source=source, lines=lines)
            for variant_id in sorted(wanted):
                for shop, sign, side, other in ((source, -1, "out", destination), (destination, 1, "in", source)):
                    stock_adjust(
                        merchant=merchant,
                        variant=variants[variant_id],
                        delta=sign * wanted[variant_id],
                        origin=StockOrigin.TRANSFER,
                        idempotency_key=f"transfer:{transfer.pk}:{variant_id}:{side}",
                        reason=note,
                        reason_code=ReasonCode.TRANSFER_OUT if sign < 0 else ReasonCode.TRANSFER_IN,
                        reason_params={"transfer": transfer.pk, "shop": other.name},
                        user=user,
                        device=device,
                        transfer=transfer,
                        fresh_key=True,  # made of this transfer's new id
                        shop=shop,
                    )
    except IntegrityError:
        existing = Transfer.objects.filter(merchant=merchant, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _replayed(existing, from_shop=source, to_shop=destination, lines=lines, note=note)
    transfer.created = True
    return transfer
