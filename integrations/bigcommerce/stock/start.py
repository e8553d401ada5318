"""The starting stock at the initial sync: the managing platform's stock becomes both sides' (once).

- **Managed in Comptoir**: ``starting_stock_set``, when the initial export run ends
  (BigCommerce's level of every synced variant set absolutely to Comptoir's, at each mapped
  location its shop's). A shop mapped later to a location: ``location_stock_start`` (task
  ``bigcommerce_location_stock_start``), that location alone. While the initial
  run is running the stock checks wait (``check.initial_sync_running``), so BigCommerce's
  own count of a product linked at setup is never taken for drift.
- **Managed in BigCommerce** (``import_writes.product_write``): Comptoir's level of each variant
  is set once from BigCommerce's (origin ``initial``, key ``bigcommerce:{connection}:initial:{variant}``),
  also for products linked at setup: the default location's into its shop (the primary), each
  other mapped location's into its shop (``import_starting_places``, key ``…:shop:{shop}``);
  ``starting_stock_journal`` says how many when the import ends.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import Variant
from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.api.pagination import INVENTORY_ITEMS_MAX
from integrations.bigcommerce.stock.levels import (
    DEFAULT_LOCATION_ID,
    clamped,
    comptoir_levels_at,
    pending_totals,
    remote_levels_at,
)
from integrations.bigcommerce.stock.named import variants_products
from integrations.models import BigCommerceConnection, ShopLocation, SyncEvent, SyncRun, VariantLink
from integrations.selectors.locations import location_shops
from integrations.services.journal import sync_event_record
from inventory.models import StockOrigin
from inventory.reasons import ReasonCode
from inventory.selectors import movements_count
from inventory.services import stock_set
from portal.models import Shop

SLICE = INVENTORY_ITEMS_MAX  # variants per slice of the starting stock (one absolute adjustment)


def initial_key(connection_id: int, variant_id: int) -> str:
    return f"bigcommerce:{connection_id}:initial:{variant_id}"


def shop_initial_key(connection_id: int, variant_id: int, shop_id: int) -> str:
    """The starting stock of a shop whose location is not the default one (issue 19)."""
    return f"{initial_key(connection_id, variant_id)}:shop:{shop_id}"


def import_starting_places(*, connection: BigCommerceConnection, client, remote_ids) -> tuple[int | None, dict]:
    """Where an imported product's starting stock goes: (the shop of the default location, whose
    level the product's own payload carries; per other mapped location's shop, its levels of
    these remote variants, read in one call). No call when only the default location is mapped."""
    shops = location_shops(connection=connection)
    others = {loc: shop for loc, shop in shops.items() if loc != DEFAULT_LOCATION_ID}
    located: dict[int, dict[int, int]] = {}
    if others and remote_ids:
        for (remote_id, location), level in remote_levels_at(client, sorted(remote_ids), locations=set(others)).items():
            located.setdefault(others[location], {})[remote_id] = level
    return shops.get(DEFAULT_LOCATION_ID), located


def starting_stock_journal(*, connection: BigCommerceConnection, run: SyncRun) -> int:
    """Products managed in BigCommerce: journal how many Comptoir levels the import set."""

    count = movements_count(
        merchant_id=connection.merchant_id,
        origin=StockOrigin.INITIAL,
        reason_code=ReasonCode.ONLINE_START,
        connection=connection.pk,
    )
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.INITIAL_SYNC,
        direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
        message=lambda: (
            ngettext(
                "Set Comptoir's starting stock from BigCommerce for %(count)s variant.",
                "Set Comptoir's starting stock from BigCommerce for %(count)s variants.",
                count,
            )
            % {"count": count}
        ),
        detail={"run_id": run.pk, "variants": count},
    )
    return count


def starting_stock_set(*, connection: BigCommerceConnection, product_ids=None, shop_id: int | None = None) -> int:
    """At the end of the initial sync (products managed in Comptoir): BigCommerce's level of every
    synced variant becomes Comptoir's (its online level, at least 0), once, at every mapped
    location (each its shop's). Products that existed in BigCommerce before keep their own count
    otherwise, and a sale made while a product was being created would be missing.
    ``product_ids``: only these (a product the merchant linked later to a store product);
    ``shop_id``: only that shop's location (a shop mapped later: ``location_stock_start``).
    Returns how many levels were set.

    Slice by slice (``SLICE`` variants of one location: one absolute adjustment's worth), each
    journaled with the products it set, so that a worker's memory does not grow with the catalog:
    30,000 variants held at once (their links, levels, items and products) were most of an
    initial sync's peak."""
    links = VariantLink.objects.live().filter(link__connection=connection, link__product__track_stock=True)
    if product_ids is not None:
        links = links.filter(link__product_id__in=list(product_ids))
    rows = links.order_by("remote_variant_id").values_list("remote_variant_id", "variant_id")
    locations = sorted(
        location for location, shop in location_shops(connection=connection).items() if shop_id in (None, shop)
    )
    client = client_for(connection)
    done = 0
    for location in locations:
        after = None
        # Keyset slices: no cursor stays open across the calls to BigCommerce.
        while part := list((rows if after is None else rows.filter(remote_variant_id__gt=after))[:SLICE]):
            done += _slice_set(connection=connection, client=client, local_of=dict(part), location=location)
            after = part[-1][0]
    return done


def location_stock_start(*, connection: BigCommerceConnection, shop_id: int) -> int | None:
    """A shop mapped to a location after the initial sync: the starting stock of that location
    alone, once (run again, it sets nothing that already matches). None when the shop maps to no
    location (yet). Which way, as at the initial sync: products managed in Comptoir, the location
    shows the shop's levels (absolute, in slices); products managed in BigCommerce, a location
    that existed there (linked) gives the shop its levels (``location_stock_import``), while one
    Comptoir created (empty) shows the shop's."""
    located = {shop: loc for loc, shop in location_shops(connection=connection).items()}
    if shop_id not in located:
        return None
    origin = (
        ShopLocation.objects.filter(connection=connection, shop_id=shop_id).values_list("origin", flat=True).first()
    )
    if connection.managed_in == BigCommerceConnection.ManagedIn.BIGCOMMERCE and origin != ShopLocation.Origin.CREATED:
        return location_stock_import(connection=connection, shop_id=shop_id, location=located[shop_id])
    return starting_stock_set(connection=connection, shop_id=shop_id)


def location_stock_import(*, connection: BigCommerceConnection, shop_id: int, location: int) -> int:
    """The location's level of every synced variant becomes the shop's, once per variant (origin
    ``initial``, key ``shop_initial_key``: nothing is pushed back), in slices; how many were set."""
    shop = Shop.objects.get(pk=shop_id)
    links = VariantLink.objects.live().filter(link__connection=connection, link__product__track_stock=True)
    rows = links.order_by("remote_variant_id").values_list("remote_variant_id", "variant_id")
    client = client_for(connection)
    done, after = 0, None
    while part := list((rows if after is None else rows.filter(remote_variant_id__gt=after))[:SLICE]):
        local_of = dict(part)
        levels = remote_levels_at(client, list(local_of), locations={location})
        variants = Variant.objects.in_bulk([local_of[remote] for remote, _loc in levels])
        for (remote_id, _loc), quantity in levels.items():
            if isinstance(quantity, int) and quantity >= 0 and local_of[remote_id] in variants:
                movement = stock_set(
                    merchant=connection.merchant,
                    variant=variants[local_of[remote_id]],
                    quantity=quantity,
                    idempotency_key=shop_initial_key(connection.pk, local_of[remote_id], shop_id),
                    origin=StockOrigin.INITIAL,
                    reason_code=ReasonCode.ONLINE_START,
                    reason_params={"shop": "BigCommerce", "connection": connection.pk},
                    shop=shop,
                )
                done += int(movement.created)
        after = part[-1][0]
    return done


def _slice_set(*, connection: BigCommerceConnection, client, local_of: dict[int, int], location: int) -> int:
    remote = remote_levels_at(client, list(local_of), locations={location})
    comptoir = comptoir_levels_at(connection=connection, places={(v, location) for v in local_of.values()})
    pending = pending_totals(connection=connection)
    items = []
    for remote_id, variant_id in local_of.items():
        should = max(0, clamped(comptoir.get((variant_id, location), 0)) - pending.get((remote_id, location), 0))
        if remote.get((remote_id, location)) != should:
            items.append({"location_id": location, "variant_id": remote_id, "quantity": should})
    if items:
        api.inventory_adjust_absolute(client, items, reason=_("Comptoir starting stock"))
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.INITIAL_SYNC,
        direction=SyncEvent.Direction.TO_BIGCOMMERCE,
        message=lambda: (
            ngettext(
                "Starting stock: BigCommerce now shows Comptoir's stock for %(count)s variant "
                "(%(same)s already matched).",
                "Starting stock: BigCommerce now shows Comptoir's stock for %(count)s variants "
                "(%(same)s already matched).",
                len(items),
            )
            % {"count": len(items), "same": len(local_of) - len(items)}
        ),
        detail={"items": items, "checked": len(local_of), "location_id": location},
        products=variants_products(local_of[item["variant_id"]] for item in items),
    )
    return len(items)
