"""Shops as BigCommerce inventory locations: the flow a task runs (``bigcommerce_shop_locations_sync``).

Per ``ShopLocation`` row of the connection:

- pending, created by Comptoir: look the location up by its code (an earlier attempt, or an
  earlier connection to the same store, may have made it), create it if missing, read its id back
  (location writes are asynchronous: the answer carries a transaction id only). Not there yet: the
  row stays pending and the sweep looks again;
- pending, linked: read the chosen location; it must exist and be enabled;
- synced and created by Comptoir: send the fields Comptoir owns when the shop changed (renamed,
  re-addressed, deactivated → the location disabled, reactivated → enabled again).

A row that becomes synced hands its shop over to the stock sync
(``integrations.tasks.bigcommerce_location_stock_start``). Idempotent: run twice, the second run
finds every row synced and every hash equal, and calls nothing but the reads of pending rows.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from integrations import journal_messages
from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.client import BigCommerceClient, client_for
from integrations.bigcommerce.api.errors import BigCommerceError, NotFound, OutcomeUnknown, ValidationFailed
from integrations.bigcommerce.mappers import locations as mapper
from integrations.models import BigCommerceConnection, ShopLocation, SyncEvent, SyncState
from integrations.services.journal import sync_event_record
from integrations.services.queue import enqueue
from portal.models import Membership, Shop

Origin = ShopLocation.Origin
Dir = SyncEvent.Direction
STOCK_START_TASK = "integrations.tasks.bigcommerce_location_stock_start"


def merchant_contact_email(merchant_id: int) -> str:
    """The address a location carries (BigCommerce requires one): the merchant's owner's."""
    members = Membership.objects.filter(merchant_id=merchant_id).order_by("pk").values_list("role", "user__email")
    ranked = sorted(members, key=lambda pair: pair[0] != Membership.Role.OWNER)  # owners first
    return next((email for _role, email in ranked if email), "")


def shop_snapshot(shop: Shop, *, email: str) -> mapper.ShopSnapshot:
    return mapper.ShopSnapshot(
        shop_id=shop.pk,
        name=shop.name,
        address_line1=shop.address_line1,
        address_line2=shop.address_line2,
        city=shop.city,
        postal_code=shop.postal_code,
        country=shop.country,
        is_active=shop.is_active,
        email=email,
    )


def refusal_text(exc: BigCommerceError) -> str:
    """BigCommerce's own words: its title and the fields it named."""
    fields = "; ".join(f"{field}: {reason}" for field, reason in sorted(exc.errors.items()))
    title = exc.title or exc.__class__.__name__
    return f"{title} ({fields})" if fields else title


def shop_locations_sync(*, connection: BigCommerceConnection) -> dict[str, int]:
    """Bring every row of the connection to BigCommerce; counts of what happened."""
    client = client_for(connection)
    email = merchant_contact_email(connection.merchant_id)
    counts = {"synced": 0, "updated": 0, "failed": 0, "waiting": 0}
    rows = ShopLocation.objects.filter(connection=connection).select_related("shop").order_by("pk")
    for row in rows:
        snapshot = shop_snapshot(row.shop, email=email)
        if row.state == SyncState.PENDING:
            outcome = _bind(connection, client, row, snapshot)
        elif row.state == SyncState.SYNCED and _update_due(row, snapshot):
            outcome = _update(connection, client, row, snapshot)
        else:
            continue
        counts[outcome] += 1
    return counts


def _update_due(row: ShopLocation, snapshot: mapper.ShopSnapshot) -> bool:
    return row.origin == Origin.CREATED and row.remote_location_id and row.sent_hash != mapper.location_hash(snapshot)


def _bind(connection, client: BigCommerceClient, row: ShopLocation, snapshot) -> str:
    action = "create" if row.origin == Origin.CREATED else "link"
    try:
        if row.origin == Origin.CREATED:
            location = _created_location(connection, client, snapshot)
        else:
            location = _linked_location(client, row)
    except BigCommerceError as exc:
        _refused(connection, row, action=action, error=refusal_text(exc), detail=exc.as_detail())
        return "failed"
    except LinkRefused as exc:
        _refused(connection, row, action=action, error=str(exc), detail={"location_id": row.remote_location_id})
        return "failed"
    if location is None:
        return "waiting"  # created, not readable yet: the sweep reads it again
    with transaction.atomic():
        row.remote_location_id = location["id"]
        row.remote_name = location.get("label") or ""
        row.state = SyncState.SYNCED
        row.last_error = ""
        if row.origin == Origin.CREATED:
            row.sent_hash = mapper.location_hash(snapshot)
        row.save()
        code = journal_messages.LOCATION_CREATED if action == "create" else journal_messages.LOCATION_LINKED
        sync_event_record(
            connection=connection,
            kind=SyncEvent.Kind.SETUP_STEP,
            direction=Dir.TO_BIGCOMMERCE,
            code=code,
            params={"shop": row.shop.name, "location": row.remote_name, "id": location["id"]},
            detail={"location": location},
        )
        # The location is the shop's from now on: its starting stock is the stock sync's (by name:
        # this room imports nothing of it). Robust: an enqueue that fails is logged, the binding
        # stays committed, and the stock sync's own sweep finds a synced location never started.
        transaction.on_commit(_stock_start_enqueue(connection.pk, row.shop_id), robust=True)
    return "synced"


def _stock_start_enqueue(connection_id: int, shop_id: int):
    def stock_start_enqueue() -> None:
        enqueue(STOCK_START_TASK, connection_id, shop_id)

    return stock_start_enqueue


class LinkRefused(Exception):
    """The location chosen for a link cannot hold the shop's stock (gone, or disabled)."""


# BigCommerce applies a location create later ("a short delay"): a location sent and not readable
# yet is not missing. It is read again for up to CREATE_READ_S in the task that sent it, and not
# sent again for CREATE_SENT_S (by this task, another one running beside it, or the sweep): sent
# twice, BigCommerce would hold two locations of one code.
CREATE_READ_S = 2.0
CREATE_SENT_S = 300

_sleep = time.sleep  # the reads' waits (a test reads them)


def _create_sent_key(connection_id: int, code: str) -> str:
    return f"bigcommerce-location-create-sent:{connection_id}:{code}"


def location_create_may_resend(*, connection_id: int, shop_id: int) -> None:
    """The merchant's retry: a create sent before (its answer lost in an outage) may be sent again
    at once if BigCommerce still shows no location of its code."""
    cache.delete(_create_sent_key(connection_id, mapper.location_code(shop_id)))


def _created_location(connection, client: BigCommerceClient, snapshot) -> dict | None:
    code = mapper.location_code(snapshot.shop_id)
    found = api.locations_list(client, codes=[code])
    if found:
        # Made by an earlier attempt whose answer was lost, or by an earlier connection to this
        # store: adopted, and given the shop's fields again.
        api.location_update(client, mapper.location_update_body(snapshot, location_id=found[0]["id"]))
        return {**found[0], "label": snapshot.name}
    sent = _create_sent_key(connection.pk, code)
    if not cache.add(sent, 1, timeout=CREATE_SENT_S):
        return None  # sent a moment ago, not applied yet: read again later
    try:
        api.location_create(client, mapper.location_create_body(snapshot))
    except BigCommerceError as exc:
        if not isinstance(exc, OutcomeUnknown):  # refused: the next attempt sends it (a lost answer: reads first)
            cache.delete(sent)
        raise
    deadline = time.monotonic() + CREATE_READ_S
    while not (found := api.locations_list(client, codes=[code])) and time.monotonic() < deadline:
        _sleep(0.25)
    return found[0] if found else None


def _linked_location(client: BigCommerceClient, row: ShopLocation) -> dict:
    found = api.locations_list(client, ids=[row.remote_location_id])
    if not found:
        raise LinkRefused(_("BigCommerce has no location #%(id)s any more.") % {"id": row.remote_location_id})
    if not found[0].get("enabled", True):
        raise LinkRefused(
            _("The location %(name)s is disabled in BigCommerce: enable it there, then retry.")
            % {"name": found[0].get("label") or row.remote_location_id}
        )
    return found[0]


def _update(connection, client: BigCommerceClient, row: ShopLocation, snapshot) -> str:
    try:
        api.location_update(client, mapper.location_update_body(snapshot, location_id=row.remote_location_id))
    except BigCommerceError as exc:
        _refused(connection, row, action="update", error=refusal_text(exc), detail=exc.as_detail())
        return "failed"
    row.sent_hash = mapper.location_hash(snapshot)
    row.remote_name = snapshot.name
    row.last_error = ""
    row.save(update_fields=["sent_hash", "remote_name", "last_error", "updated_at"])
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.SETUP_STEP,
        direction=Dir.TO_BIGCOMMERCE,
        code=journal_messages.LOCATION_UPDATED,
        params={
            "shop": snapshot.name,
            "location": snapshot.name,
            "id": row.remote_location_id,
            "enabled": snapshot.is_active,
        },
    )
    return "updated"


def _refused(connection, row: ShopLocation, *, action: str, error: str, detail: dict) -> None:
    """Failed, with BigCommerce's words, on the row (the pages show it) and in the journal. A synced
    row whose update was refused stays synced: its location still holds the shop's stock."""
    row.last_error = error
    fields = ["last_error", "updated_at"]
    if row.state != SyncState.SYNCED:
        row.state = SyncState.FAILED
        fields.append("state")
    row.save(update_fields=fields)
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.ERROR,
        status=SyncEvent.Status.FAILED,
        direction=Dir.TO_BIGCOMMERCE,
        code=journal_messages.LOCATION_REFUSED,
        params={"shop": row.shop.name, "action": action, "error": error},
        detail=detail,
    )


def shop_locations_update_due(*, connection: BigCommerceConnection) -> bool:
    """A location Comptoir created whose shop changed since it was last sent (the sweep asks)."""
    email = merchant_contact_email(connection.merchant_id)
    rows = ShopLocation.objects.filter(connection=connection, state=SyncState.SYNCED, origin=Origin.CREATED)
    return any(_update_due(row, shop_snapshot(row.shop, email=email)) for row in rows.select_related("shop"))


def locations_release(*, connection: BigCommerceConnection, client: BigCommerceClient) -> list[int]:
    """Disconnecting: the locations Comptoir created are no longer managed by an external source,
    so that their stock can be edited in BigCommerce's control panel again (they and their stock
    stay). The ids released."""
    ids = sorted(
        ShopLocation.objects.filter(
            connection=connection, origin=Origin.CREATED, remote_location_id__isnull=False
        ).values_list("remote_location_id", flat=True)
    )
    released = []
    for location_id in ids:
        try:
            api.location_update(client, {"id": location_id, "managed_by_external_source": False})
        except NotFound:
            continue
        except ValidationFailed:
            continue  # deleted meanwhile in BigCommerce (a 422 names an unknown location)
        released.append(location_id)
    return released
