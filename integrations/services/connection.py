"""The connection's lifecycle as the merchant drives it: authorize, wizard answers, finish, disconnect.

Platform calls never happen here; the tasks enqueued on commit make them.
"""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from integrations import journal_messages
from integrations.bigcommerce import binder
from integrations.errors import MerchantHasAnotherStore, StoreHeldByAnotherMerchant, WrongStep
from integrations.messages import Message
from integrations.models import BigCommerceConnection, Incident, ProductAssignment, ProductLink, SyncEvent
from integrations.selectors import wizard_first_unfinished_step, wizard_step_done
from integrations.services.incidents import connection_access_restored, incidents_resolve
from integrations.services.journal import sync_event_record
from integrations.services.locations import shop_locations_forget
from integrations.services.queue import enqueue_on_commit
from portal.models import Merchant

Status = BigCommerceConnection.Status
ManagedIn = BigCommerceConnection.ManagedIn
Operation = BigCommerceConnection.Operation


def connection_get_or_create(*, merchant: Merchant) -> BigCommerceConnection:
    connection, _created = BigCommerceConnection.objects.get_or_create(merchant=merchant)
    return connection


def _reset_for_new_connect(connection: BigCommerceConnection) -> None:
    """A fresh connect starts the wizard over; remote ids are kept to reuse channel and category."""
    connection.managed_in = ""
    connection.include_prices = None
    connection.sync_scope = ""
    connection.review_done_at = None
    connection.preflight = {}
    connection.preflight_choices = {}
    connection.store_name = ""
    connection.store_currency = ""
    connection.is_price_entered_with_tax = None
    connection.webhook_ids = []
    connection.webhook_secret = secrets.token_urlsafe(32)
    connection.operation = Operation.NONE
    connection.operation_options = {}
    connection.operation_error = ""
    connection.operation_error_i18n = {}
    connection.connected_at = None
    connection.disconnected_at = None
    if connection.pk is not None:
        # Which shop is which location is asked again (a location created for this store before
        # is found again by its code, never created twice).
        shop_locations_forget(connection=connection)


def connection_authorize(
    *,
    merchant: Merchant | None,
    store_hash: str,
    access_token: str,
    scope: str = "",
    user_email: str = "",
    origin: str = BigCommerceConnection.Origin.COMPTOIR,
) -> BigCommerceConnection:
    """Record the token BigCommerce granted for ``store_hash``.

    With a merchant, the store becomes (or stays) theirs, unless another account holds it or
    they hold another store. Without one (an install from BigCommerce by someone not logged
    in), the grant waits in an unclaimed connection until they sign up or log in.
    """
    with transaction.atomic():
        held = (
            BigCommerceConnection.objects.select_for_update()
            .filter(store_hash=store_hash, status__in=BigCommerceConnection.ACTIVE_STATUSES)
            .first()
        )
        if merchant is None:
            connection = held or BigCommerceConnection(merchant=None, origin=origin)
        else:
            own = BigCommerceConnection.objects.select_for_update().filter(merchant=merchant).first()
            connection_hold_check(merchant=merchant, store_hash=store_hash, held=held, own=own)
            if held is not None and held.merchant_id is None:
                connection = _merge_unclaimed(unclaimed=held, own=own, merchant=merchant)
            else:
                connection = held or own or BigCommerceConnection(merchant=merchant)
        fresh = not connection.is_active or connection.store_hash != store_hash
        if fresh:
            _reset_for_new_connect(connection)
            connection.origin = origin
        elif connection.status == Status.SETUP_INCOMPLETE and not connection.managed_in:
            # A setup begun from Comptoir and finished by installing from BigCommerce: the
            # wizard treats it as started in BigCommerce ("Managed in BigCommerce" preselected).
            connection.origin = origin
        connection.store_hash = store_hash
        connection.access_token = access_token
        connection.scope = scope
        connection.bigcommerce_user_email = user_email
        if fresh or connection.status == Status.NOT_CONNECTED:
            connection.status = Status.SETUP_INCOMPLETE
        connection.save()
        sync_event_record(
            connection=connection,
            kind=SyncEvent.Kind.CONNECT,
            direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
            code=journal_messages.SETUP_LOGGED_IN,
            params={"store": store_hash},
            detail={"store_hash": store_hash, "scope": scope, "user": user_email, "origin": origin},
        )
        enqueue_on_commit("integrations.tasks.connection_store_facts_fetch", connection.pk)
        connection_access_restored(merchant_id=connection.merchant_id)
    return connection


def connection_hold_check(*, merchant, store_hash, held, own) -> None:
    if held is not None and held.merchant_id not in (None, merchant.pk):
        raise StoreHeldByAnotherMerchant(
            _(
                "This BigCommerce store is already connected to another Comptoir account. "
                "One BigCommerce store can be connected to only one Comptoir account."
            )
        )
    if own is not None and own.is_active and own.store_hash and own.store_hash != store_hash:
        raise MerchantHasAnotherStore(
            _(
                "Your Comptoir account is already connected to the BigCommerce store %(store)s. "
                "Disconnect it first: you can connect only one BigCommerce store."
            )
            % {"store": own.store_name or own.store_hash}
        )


def _merge_unclaimed(*, unclaimed, own, merchant) -> BigCommerceConnection:
    """Give an unclaimed install to ``merchant``, in their existing row if they have one (keeps its journal)."""
    if own is None:
        unclaimed.merchant = merchant
        unclaimed.save(update_fields=["merchant", "updated_at"])
        SyncEvent.objects.filter(connection=unclaimed, merchant__isnull=True).update(merchant=merchant)
        return unclaimed
    for field in ("store_hash", "access_token", "scope", "bigcommerce_user_email", "origin", "status"):
        setattr(own, field, getattr(unclaimed, field))
    _reset_for_new_connect(own)
    for field in (
        "store_name",
        "store_currency",
        "is_price_entered_with_tax",
        "weight_units",
        "control_panel_url",
        "webhook_secret",
    ):
        setattr(own, field, getattr(unclaimed, field))
    SyncEvent.objects.filter(connection=unclaimed).update(connection=own, merchant=merchant)
    unclaimed.delete()
    own.save()
    if not own.store_name:
        # The store facts task was queued for the row just merged away: it would find nothing.
        enqueue_on_commit("integrations.tasks.connection_store_facts_fetch", own.pk)
    return own


def connection_claim(*, merchant: Merchant, connection_id: int) -> BigCommerceConnection:
    """After sign-up or log-in, the install started from BigCommerce becomes the merchant's."""
    with transaction.atomic():
        pending = BigCommerceConnection.objects.select_for_update().filter(pk=connection_id).first()
        if pending is None or not pending.is_active:
            raise WrongStep(_("This BigCommerce installation is no longer waiting to be connected."))
        if pending.merchant_id == merchant.pk:
            return pending
        own = BigCommerceConnection.objects.select_for_update().filter(merchant=merchant).first()
        connection_hold_check(merchant=merchant, store_hash=pending.store_hash, held=pending, own=own)
        connection = _merge_unclaimed(unclaimed=pending, own=own, merchant=merchant)
        sync_event_record(
            connection=connection,
            kind=SyncEvent.Kind.CONNECT,
            code=journal_messages.SETUP_STORE_CONNECTED,
            params={"store": connection.store_hash},
        )
        connection_access_restored(merchant_id=merchant.pk)
    return connection


def connection_store_facts_record(*, connection: BigCommerceConnection, store: dict) -> None:
    connection.store_name = store.get("name") or ""
    connection.store_currency = (store.get("currency") or "").upper()
    connection.is_price_entered_with_tax = bool(store.get("is_price_entered_with_tax"))
    connection.weight_units = store.get("weight_units") or ""
    connection.control_panel_url = store.get("control_panel_base_url") or ""
    connection.save(
        update_fields=[
            "store_name",
            "store_currency",
            "is_price_entered_with_tax",
            "weight_units",
            "control_panel_url",
            "updated_at",
        ]
    )


def connection_store_facts_refresh(*, connection: BigCommerceConnection) -> None:
    """Read the store's currency and tax setting again (after a failure)."""
    connection.operation_error = ""
    connection.operation_error_i18n = {}
    connection.save(update_fields=["operation_error", "operation_error_i18n", "updated_at"])
    enqueue_on_commit("integrations.tasks.connection_store_facts_fetch", connection.pk)


def _require_setup(connection: BigCommerceConnection) -> None:
    if connection.status != Status.SETUP_INCOMPLETE or connection.operation:
        raise WrongStep(_("The setup cannot be changed now."))


def connection_managed_in_set(*, connection: BigCommerceConnection, managed_in: str) -> None:
    _require_setup(connection)
    if managed_in not in ManagedIn.values:
        raise WrongStep(_("Choose where products are managed."))
    if connection.managed_in != managed_in:
        connection.managed_in = managed_in
        connection.sync_scope = ""
        connection.review_done_at = None
        connection.preflight = {}
        connection.preflight_choices = {}
        connection.save()


def prices_can_be_included(*, connection: BigCommerceConnection) -> bool:
    merchant = connection.merchant
    return bool(connection.store_currency) and connection.store_currency == merchant.currency


def connection_include_prices_set(*, connection: BigCommerceConnection, include_prices: bool) -> None:
    _require_setup(connection)
    if not wizard_step_done(connection=connection, step="managed_in"):
        raise WrongStep(_("Choose where products are managed first."))
    if include_prices and not prices_can_be_included(connection=connection):
        raise WrongStep(_("Prices can be included only when both platforms use the same currency."))
    connection.include_prices = include_prices
    connection.save(update_fields=["include_prices", "updated_at"])


def connection_sync_scope_set(
    *, connection: BigCommerceConnection, sync_scope: str, product_ids: list[int] | None = None
) -> None:
    _require_setup(connection)
    if sync_scope not in BigCommerceConnection.SyncScope.values:
        raise WrongStep(_("Choose which products to sync."))
    merchant = connection.merchant
    if sync_scope == BigCommerceConnection.SyncScope.SELECTED:
        wanted = set(
            Product.objects.filter(merchant=merchant, pk__in=product_ids or [], is_archived=False).values_list(
                "pk", flat=True
            )
        )
        if not wanted:
            raise WrongStep(_("Tick at least one product, or choose to sync all products."))
        ProductAssignment.objects.filter(merchant=merchant).exclude(product_id__in=wanted).delete()
        have = set(ProductAssignment.objects.filter(merchant=merchant).values_list("product_id", flat=True))
        ProductAssignment.objects.bulk_create(
            [ProductAssignment(merchant=merchant, product_id=pk) for pk in wanted - have]
        )
    connection.sync_scope = sync_scope
    connection.review_done_at = None
    connection.preflight = {}
    connection.preflight_choices = {}
    connection.save()


def connection_preflight_start(*, connection: BigCommerceConnection, again: bool = False) -> None:
    """Look for products that exist on both sides, in a task; the review page polls the result."""
    _require_setup(connection)
    state = connection.preflight.get("state")
    if state == "running" or (state == "ready" and not again):
        return
    connection.preflight = {"state": "running"}
    connection.save(update_fields=["preflight", "updated_at"])
    enqueue_on_commit("integrations.tasks.connection_preflight_run", connection.pk)


def connection_review_save(*, connection: BigCommerceConnection, choices: dict[str, str]) -> None:
    _require_setup(connection)
    if connection.preflight.get("state") != "ready":
        raise WrongStep(_("The check for products on both sides is not finished yet."))
    keys = {m["key"] for m in connection.preflight.get("matches", [])}
    connection.preflight_choices = {k: ("link" if choices.get(k) == "link" else "create") for k in keys}
    connection.review_done_at = timezone.now()
    connection.save(update_fields=["preflight_choices", "review_done_at", "updated_at"])


def connection_setup_finish_request(*, connection: BigCommerceConnection) -> None:
    """Finish setup: the task creates channel, category and webhooks, then hands over to the sync."""
    if connection.status != Status.SETUP_INCOMPLETE:
        raise WrongStep(_("The setup is already finished."))
    if connection.operation == Operation.FINISHING:
        return
    if wizard_first_unfinished_step(connection=connection) != "finish":
        raise WrongStep(_("Some setup steps are not done yet."))
    event = sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.SETUP_STEP,
        status=SyncEvent.Status.RUNNING,
        code=journal_messages.SETUP_FINISHING,
    )
    connection.operation = Operation.FINISHING
    connection.operation_options = {"event_id": event.pk}
    connection.operation_error = ""
    connection.operation_error_i18n = {}
    connection.save(
        update_fields=["operation", "operation_options", "operation_error", "operation_error_i18n", "updated_at"]
    )
    enqueue_on_commit("integrations.tasks.connection_setup_finish", connection.pk)


PREVIEW_RUNNING_FOR = timezone.timedelta(minutes=5)
PREVIEW_FRESH_FOR = timezone.timedelta(minutes=1)


def connection_disconnect_preview_start(*, connection: BigCommerceConnection) -> None:
    """Read again, in a task, which of the products Comptoir created in BigCommerce are visible
    online (the disconnect page polls the result). Products managed in BigCommerce need no read:
    their copies are Comptoir's own, and deleting them changes nothing online."""
    if connection.managed_in != ManagedIn.COMPTOIR or connection.operation == Operation.DISCONNECTING:
        return
    preview = connection.disconnect_preview
    now = timezone.now()
    if preview.get("state") == "running" and preview.get("started_at", "") > (now - PREVIEW_RUNNING_FOR).isoformat():
        return  # a check is under way (one older than that died with its worker: start again)
    if preview.get("state") == "ready" and preview.get("checked_at", "") > (now - PREVIEW_FRESH_FOR).isoformat():
        return  # read a moment ago (the page opened again, or a form error): still true
    total = (
        ProductLink.objects.live()
        .filter(
            connection=connection,
            origin=ProductLink.Origin.CREATED_REMOTE,
            remote_product_id__isnull=False,
        )
        .values("remote_product_id")
        .distinct()
        .count()
    )
    connection.disconnect_preview = {"state": "running", "done": 0, "total": total, "started_at": now.isoformat()}
    connection.save(update_fields=["disconnect_preview", "updated_at"])
    enqueue_on_commit("integrations.tasks.connection_disconnect_preview_run", connection.pk)


def connection_disconnect_request(*, connection: BigCommerceConnection, delete_copies: bool) -> None:
    if connection.status in (Status.NOT_CONNECTED, Status.DISCONNECTED):
        raise WrongStep(_("BigCommerce is not connected."))
    if connection.operation == Operation.DISCONNECTING:
        return
    event = sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.DISCONNECT,
        status=SyncEvent.Status.RUNNING,
        code=journal_messages.DISCONNECTING,
        params={"delete_copies": bool(delete_copies)},
    )
    connection.operation = Operation.DISCONNECTING
    connection.operation_options = {"delete_copies": bool(delete_copies), "event_id": event.pk}
    connection.operation_error = ""
    connection.operation_error_i18n = {}
    connection.save(
        update_fields=["operation", "operation_options", "operation_error", "operation_error_i18n", "updated_at"]
    )
    enqueue_on_commit("integrations.tasks.connection_disconnect", connection.pk)


def connection_forget(
    *,
    connection: BigCommerceConnection,
    message: Message,
    kind: str = SyncEvent.Kind.DISCONNECT,
    direction: str = SyncEvent.Direction.INTERNAL,
    detail: dict | None = None,
) -> SyncEvent:
    """Disconnected: the token and webhook secret are forgotten; journal and link history stay.
    What needed the merchant about this store needs them no more (its incidents are resolved)."""

    now = timezone.now()
    connection.status = Status.DISCONNECTED
    connection.access_token = ""
    connection.webhook_secret = ""
    connection.webhook_ids = []
    connection.operation = Operation.NONE
    connection.operation_options = {}
    connection.operation_error = ""
    connection.operation_error_i18n = {}
    connection.disconnected_at = now
    connection.save()
    binder.links_end(links=ProductLink.objects.live().filter(connection=connection), at=now)
    incidents_resolve(merchant_id=connection.merchant_id, kinds=Incident.Kind.values)
    return sync_event_record(connection=connection, kind=kind, direction=direction, message=message, detail=detail)
