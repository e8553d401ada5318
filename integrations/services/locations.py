"""Which shop is which BigCommerce location, as the merchant decides it (the wizard's "Shops and
locations" step, the Overview's retry) and as shops come and change (``integrations.receivers``).

Nothing here calls BigCommerce: rows are written pending and ``bigcommerce_shop_locations_sync``
(enqueued on commit; the sweep finds what no task took) creates, links and updates.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from integrations.bigcommerce.connection.locations import location_create_may_resend
from integrations.errors import WrongStep
from integrations.models import BigCommerceConnection, ShopLocation, SyncState
from integrations.models.locations import DEFAULT_LOCATION_ID
from integrations.services.queue import enqueue_on_commit
from portal.models import Merchant, Shop

Origin = ShopLocation.Origin
SYNC_TASK = "integrations.tasks.bigcommerce_shop_locations_sync"
READ_TASK = "integrations.tasks.bigcommerce_store_locations_read"
STORE_LOCATIONS_SECONDS = 3600  # a read of the store's locations, kept for the link choices


@dataclass(frozen=True)
class LocationChoice:
    """One shop's answer in the wizard: ``create``, or ``link`` to ``location_id``."""

    shop_id: int
    action: str
    location_id: int | None = None


# -- the store's locations (read in a task, kept in the cache for the wizard) ------------------
def _store_locations_key(connection_id: int) -> str:
    return f"bigcommerce-store-locations:{connection_id}"


def store_locations(*, connection: BigCommerceConnection) -> dict:
    """``{"state": "running" | "ready" | "failed", "locations": [...], "error": str}`` or {}."""
    return cache.get(_store_locations_key(connection.pk)) or {}


def store_locations_read_start(*, connection: BigCommerceConnection, again: bool = False) -> None:
    state = store_locations(connection=connection).get("state")
    if state == "running" or (state and not again):
        return  # read, or failed: read again when the merchant asks (the page's "Try again")
    cache.set(_store_locations_key(connection.pk), {"state": "running"}, STORE_LOCATIONS_SECONDS)
    enqueue_on_commit(READ_TASK, connection.pk)


def store_locations_record(*, connection_id: int, locations: list[dict] | None, error: str = "") -> None:
    if locations is None:
        value = {"state": "failed", "error": error}
    else:
        keep = ("id", "label", "code", "enabled", "managed_by_external_source", "is_default")
        value = {"state": "ready", "locations": [{k: loc.get(k) for k in keep} for loc in locations]}
    cache.set(_store_locations_key(connection_id), value, STORE_LOCATIONS_SECONDS)


# -- the wizard's answer -------------------------------------------------------------------------
def shop_locations_save(*, connection: BigCommerceConnection, choices: list[LocationChoice]) -> None:
    """Record each other shop's location (pending) and start the task; refused whole, with a
    message, when a shop is not the merchant's or not answered, a location is unknown to the
    store, is the default location (the primary shop's) or is chosen twice. A shop whose location
    is already synced keeps it."""
    merchant = connection.merchant
    shops = {s.pk: s for s in Shop.objects.filter(merchant=merchant, is_active=True, is_primary=False)}
    known = {loc["id"]: loc for loc in store_locations(connection=connection).get("locations", [])}
    rows = {row.shop_id: row for row in ShopLocation.objects.filter(connection=connection)}
    answered = {}
    for choice in choices:
        if choice.shop_id not in shops or choice.action not in ("create", "link"):
            raise WrongStep(_("One of these shops is not yours or no longer active. Reload the page."))
        answered[choice.shop_id] = choice
    missing = [shops[pk].name for pk in shops if pk not in answered and not _settled(rows.get(pk))]
    if missing:
        raise WrongStep(_("Choose a location for each shop: %(names)s.") % {"names": ", ".join(missing)})
    rewritten = {pk for pk in answered if not _settled(rows.get(pk))}
    taken: dict[int, int] = {
        row.remote_location_id: pk for pk, row in rows.items() if row.remote_location_id and pk not in rewritten
    }
    wanted = {}
    for pk, choice in answered.items():
        if _settled(rows.get(pk)):
            continue  # synced: it keeps its location
        if choice.action == "link":
            location = known.get(choice.location_id)
            if location is None:
                raise WrongStep(_("Choose one of your store's locations for %(shop)s.") % {"shop": shops[pk].name})
            if choice.location_id == DEFAULT_LOCATION_ID:
                raise WrongStep(
                    _(
                        "%(location)s is your store's default location: it is your primary shop's. "
                        "Choose another location for %(shop)s, or create one."
                    )
                    % {"location": location["label"], "shop": shops[pk].name}
                )
            if choice.location_id in taken:
                other = shops.get(taken[choice.location_id])
                raise WrongStep(
                    _("The location %(location)s is chosen for two shops: %(one)s and %(two)s.")
                    % {
                        "location": location["label"],
                        "one": other.name if other else _("another shop"),
                        "two": shops[pk].name,
                    }
                )
            taken[choice.location_id] = pk
        wanted[pk] = choice
    with transaction.atomic():
        # Each location once per connection (a constraint): let go of the ids being chosen again.
        ShopLocation.objects.filter(connection=connection, shop_id__in=wanted).update(remote_location_id=None)
        for pk, choice in wanted.items():
            linked = choice.action == "link"
            ShopLocation.objects.update_or_create(
                connection=connection,
                shop_id=pk,
                defaults={
                    "origin": Origin.LINKED if linked else Origin.CREATED,
                    "remote_location_id": choice.location_id if linked else None,
                    "remote_name": known[choice.location_id]["label"] if linked else "",
                    "state": SyncState.PENDING,
                    "last_error": "",
                    "sent_hash": "",
                },
            )
        shop_locations_kick(connection=connection)


def _settled(row: ShopLocation | None) -> bool:
    return row is not None and row.state == SyncState.SYNCED


def shop_locations_kick(*, connection: BigCommerceConnection) -> None:
    enqueue_on_commit(SYNC_TASK, connection.pk)


# -- retry (the Overview and the wizard) --------------------------------------------------------
def shop_location_retry(*, merchant: Merchant, row_id: int) -> ShopLocation | None:
    """Try a failed location again (a refused update too); None: not this merchant's row."""
    with transaction.atomic():
        row = (
            ShopLocation.objects.select_for_update()
            .filter(pk=row_id, connection__merchant=merchant, connection__status__in=_LIVE)
            .first()
        )
        if row is None:
            return None
        if row.state == SyncState.FAILED:
            row.state = SyncState.PENDING
            row.save(update_fields=["state", "updated_at"])
            location_create_may_resend(connection_id=row.connection_id, shop_id=row.shop_id)
        elif row.state == SyncState.SYNCED and row.last_error:
            row.sent_hash = ""  # send the owned fields again
            row.save(update_fields=["sent_hash", "updated_at"])
        shop_locations_kick(connection=row.connection)
    return row


_LIVE = (
    BigCommerceConnection.Status.SETUP_INCOMPLETE,
    BigCommerceConnection.Status.CONNECTED,
    BigCommerceConnection.Status.NEEDS_ATTENTION,
)
_CONNECTED = (BigCommerceConnection.Status.CONNECTED, BigCommerceConnection.Status.NEEDS_ATTENTION)


# -- shops that come and change (integrations.receivers) ----------------------------------------
def connected_for_locations(*, merchant_id: int) -> BigCommerceConnection | None:
    """The merchant's connection, once setup is finished (during setup the wizard's step decides)."""
    return BigCommerceConnection.objects.filter(merchant_id=merchant_id, status__in=_CONNECTED).first()


def shop_location_ensure(*, connection: BigCommerceConnection, shop_id: int) -> bool:
    """A shop of a connected merchant without a location gets one created (pending); True if new."""
    shop = Shop.objects.filter(pk=shop_id, merchant_id=connection.merchant_id).first()
    if shop is None or shop.is_primary or not shop.is_active:
        return False
    _row, created = ShopLocation.objects.get_or_create(
        connection=connection, shop=shop, defaults={"origin": Origin.CREATED, "state": SyncState.PENDING}
    )
    return created


def shop_locations_missing(*, connection: BigCommerceConnection) -> list[int]:
    """Active shops other than the primary one that have no row yet (the sweep gives them one)."""
    return list(
        Shop.objects.filter(merchant_id=connection.merchant_id, is_active=True, is_primary=False)
        .exclude(bigcommerce_locations__connection=connection)
        .values_list("pk", flat=True)
    )


def shop_locations_forget(*, connection: BigCommerceConnection) -> None:
    """A connect to a new store starts the mapping over (the old store's ids mean nothing there)."""
    ShopLocation.objects.filter(connection=connection).delete()
