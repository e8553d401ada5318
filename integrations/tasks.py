"""Background work of the connection flows. Thin and idempotent: take an id, re-read the
state, return early when there is nothing to do, call one flow, journal the error."""

import logging

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_q.conf import Conf

from integrations.bigcommerce.api.errors import BigCommerceError, PacingDeferred
from integrations.bigcommerce.connection import disconnect, preflight, setup
from integrations.bigcommerce.connection.app_callbacks import used_signed_payloads_purge as purge
from integrations.bigcommerce.inbox.drain import inbox_drain, inbox_event_process, inbox_sweep
from integrations.bigcommerce.products import export as exporter
from integrations.bigcommerce.products.export import exporting
from integrations.bigcommerce.products.importer import (
    import_chunk_run,
    import_resync_round,
    is_importing,
    product_refresh,
)
from integrations.bigcommerce.stock.check import stock_reconcile_round, stock_reconcile_start
from integrations.bigcommerce.stock.intake_run import orders_intake_drain, orders_intake_request, orders_intake_sweep
from integrations.bigcommerce.stock.manual_edits import stock_checks_requested_run
from integrations.bigcommerce.stock.orders_apply import order_sync
from integrations.bigcommerce.stock.start import starting_stock_set
from integrations.incident_tasks import *  # noqa: F403  (their __all__; paths integrations.tasks.<name>)
from integrations.location_tasks import *  # noqa: F403  (their __all__; paths integrations.tasks.<name>)
from integrations.models import BigCommerceConnection, SyncEvent, SyncRun, VariantLink
from integrations.services.journal import sync_event_finish, sync_event_record
from integrations.services.maintenance import journal_prune as prune
from integrations.services.maintenance import sync_run_resume
from integrations.services.maintenance import sync_runs_stalled_resume as resume
from integrations.services.queue import BULK, URGENT, enqueue, enqueue_on_commit
from integrations.services.sync_now import sync_now_start
from integrations.stock_push_tasks import *  # noqa: F403  (their __all__; paths integrations.tasks.<name>)
from portal.heartbeat import lane_heartbeat_record
from portal.logs import log_context_bind

logger = logging.getLogger(__name__)
Operation = BigCommerceConnection.Operation


def _connection(connection_id: int) -> BigCommerceConnection | None:
    connection = BigCommerceConnection.objects.select_related("merchant").filter(pk=connection_id).first()
    if connection is not None:
        log_context_bind(merchant_id=connection.merchant_id, connection_id=connection.pk)
    return connection


def _failed(connection: BigCommerceConnection, exc: BigCommerceError, what, *, keep: bool = True) -> SyncEvent:
    """Journal the failure; ``keep`` it on the connection (in every language) for the wizard."""

    def message():
        return _("%(what)s failed: BigCommerce answered “%(error)s”. Nothing was lost; you can retry.") % {
            "what": what,
            "error": exc.title or exc.__class__.__name__,
        }

    event = sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.ERROR,
        status=SyncEvent.Status.FAILED,
        direction=SyncEvent.Direction.TO_BIGCOMMERCE,
        message=message,
        detail=exc.as_detail(),
    )
    if keep:
        connection.operation_error = event.message
        connection.operation_error_i18n = event.message_i18n
    return event


def connection_store_facts_fetch(connection_id: int) -> None:
    connection = _connection(connection_id)
    if connection is None or not connection.is_active or not connection.access_token:
        return
    try:
        setup.store_facts_fetch(connection=connection)
    except BigCommerceError as exc:
        _failed(connection, exc, gettext_lazy("Reading the store settings"))
        connection.save(update_fields=["operation_error", "operation_error_i18n", "updated_at"])


def connection_preflight_run(connection_id: int) -> None:
    _connection_check_run(
        connection_id, state="preflight", run=preflight.preflight_run, what=gettext_lazy("Checking for duplicates")
    )


def connection_disconnect_preview_run(connection_id: int) -> None:
    _connection_check_run(
        connection_id,
        state="disconnect_preview",
        run=disconnect.disconnect_preview_run,
        what=gettext_lazy("Checking which products are visible online"),
    )


def _connection_check_run(connection_id: int, *, state: str, run, what) -> None:
    """A check the merchant waits for on a page (the duplicates review, the disconnect list): runs
    while its state says running; a BigCommerce error is journaled and becomes the page's message."""
    connection = _connection(connection_id)
    if connection is None or getattr(connection, state).get("state") != "running" or not connection.access_token:
        return
    try:
        run(connection=connection)
    except BigCommerceError as exc:
        event = _failed(connection, exc, what, keep=False)
        setattr(connection, state, {"state": "failed", "error": event.message, "error_i18n": event.message_i18n})
        connection.save(update_fields=[state, "updated_at"])


def _operation_run(connection_id: int, operation: str, flow, what) -> None:
    """Run the connection's pending ``operation``; on a BigCommerce error, end it and keep the
    error so the page shows it with a retry button (the connection stays as it was)."""
    connection = _connection(connection_id)
    if connection is None or connection.operation != operation:
        return
    event_id = connection.operation_options.get("event_id")
    try:
        flow(connection=connection)
        sync_event_finish(event_id=event_id, status=SyncEvent.Status.OK)
    except BigCommerceError as exc:
        sync_event_finish(event_id=event_id, status=SyncEvent.Status.FAILED)
        connection.operation = Operation.NONE
        _failed(connection, exc, what)
        connection.save(update_fields=["operation", "operation_error", "operation_error_i18n", "updated_at"])


def connection_setup_finish(connection_id: int) -> None:
    # Setup stays incomplete and resumable on failure.
    _operation_run(connection_id, Operation.FINISHING, setup.setup_finish_run, gettext_lazy("Finishing setup"))


def connection_disconnect(connection_id: int) -> None:
    _operation_run(connection_id, Operation.DISCONNECTING, disconnect.disconnect_run, gettext_lazy("Disconnecting"))


def webhook_event_process(event_id: int) -> None:
    """One event alone (a retry the support asks for; tasks queued before the inbox was drained)."""
    inbox_event_process(event_id=event_id)


def webhook_event_process_bulk(event_id: int) -> None:
    """A product or channel event, or one no handler takes: the same processing, on the bulk lane."""

    webhook_event_process(event_id)


def webhook_inbox_drain(connection_id: int) -> None:
    """Every pending order or stock event of a connection, in batches (``inbox.drain``), urgent."""
    inbox_drain(connection_id=connection_id, lane=URGENT)


def webhook_inbox_drain_bulk(connection_id: int) -> None:
    """Every pending product or channel event of a connection (or one no handler takes), bulk."""
    inbox_drain(connection_id=connection_id, lane=BULK)


# -- product sync (Comptoir → BigCommerce) ---------------------------------------------------
def bigcommerce_export_run(connection_id: int, run_id: int | None = None) -> None:
    """Push the connection's dirty products; hand over to a fresh task while more is left."""

    connection = _connection(connection_id)
    if connection is None or not exporter.exporting(connection):
        return
    sync_run_resume(run_id=run_id)
    run = SyncRun.objects.filter(pk=run_id).first() if run_id else None
    if exporter.export_run(connection=connection, run=run):
        enqueue("integrations.tasks.bigcommerce_export_run", connection_id, run_id)


def bigcommerce_export_sweep() -> None:
    """Scheduled (every minute): what no task took — products created or changed while a process
    died between commit and enqueue, failed products whose retry is due — is pushed now."""

    for connection in BigCommerceConnection.objects.filter(
        status=BigCommerceConnection.Status.CONNECTED, managed_in=BigCommerceConnection.ManagedIn.COMPTOIR
    ).select_related("merchant"):
        if not exporter.exporting(connection):
            continue
        exporter.assignments_ensure(connection=connection)
        exporter.links_ensure(connection=connection)
        if exporter.due_links(connection=connection).exists():
            exporter.export_kick(connection=connection)


# -- stock (Comptoir → BigCommerce): the push tasks are in ``stock_push_tasks`` --------------------
def bigcommerce_starting_stock_set(connection_id: int) -> None:
    """Once, after the initial sync of products managed in Comptoir: BigCommerce shows Comptoir's stock."""

    connection = _connection(connection_id)
    if connection is None or not connection.access_token or not exporting(connection):
        return
    starting_stock_set(connection=connection)


# -- stock from BigCommerce: orders, manual edits, the stock check -----------------------------
def _stock_connection(connection_id: int):
    connection = _connection(connection_id)
    if connection is None or not connection.is_active or not connection.access_token:
        return None
    return connection


def bigcommerce_order_sync(connection_id: int, order_id: int, passed_status: int | None = None) -> None:
    """One order by id (tasks queued before orders were read in batches still name it): read the
    order, bring its stock effect into the ledger (``passed_status``: the status a statusUpdated
    event announced, which the order may have left since)."""

    connection = _stock_connection(connection_id)
    if connection is None:
        return
    try:
        order_sync(connection=connection, order_id=order_id, passed_status=passed_status)
    except PacingDeferred:  # the store's quota is spent: the batched intake owes a poll and reads it
        orders_intake_request(connection=connection, order_id=order_id, passed_status=passed_status)


def bigcommerce_orders_intake(connection_id: int) -> None:
    """Order webhooks came: read every order modified since the cursor, in batches, while polls
    are owed (one run per connection; ``stock.intake_run``)."""

    orders_intake_drain(connection_id=connection_id)


def bigcommerce_orders_poll(connection_id: int) -> None:
    """Scheduled (every minute, per connection): orders whose webhook never came, by the same
    batched read. A connection made before the stock scopes existed subscribes to them here
    (tried again hourly on failure)."""

    connection = _stock_connection(connection_id)
    if connection is None:
        return
    if connection.status == BigCommerceConnection.Status.CONNECTED and cache.add(
        f"bigcommerce-webhooks-refresh:{connection.pk}", 1, timeout=3600
    ):
        try:
            if not setup.webhooks_refresh_if_stale(connection=connection):
                cache.delete(f"bigcommerce-webhooks-refresh:{connection.pk}")
        except PacingDeferred:  # the store's quota is spent: the next minute's poll tries again
            cache.delete(f"bigcommerce-webhooks-refresh:{connection.pk}")
        except BigCommerceError as exc:
            logger.warning("Could not register the new webhooks of connection %s: %s", connection.pk, exc)
    orders_intake_sweep(connection=connection)


def bigcommerce_stock_check_requested(connection_id: int) -> None:
    """Variants BigCommerce reported a stock change of: compare them once quiet."""

    connection = _stock_connection(connection_id)
    if connection is not None:
        stock_checks_requested_run(connection=connection)


def bigcommerce_stock_sweep() -> None:
    """Scheduled (every minute), one task per connection: the order poll (orders whose webhook
    never came) and the checks still waiting for a quiet variant."""

    inbox_sweep()  # webhooks whose drain was lost (a worker killed with it taken): drained now
    waiting = set(
        VariantLink.objects.filter(stock_check_requested_at__isnull=False).values_list("link__connection_id", flat=True)
    )
    for connection in BigCommerceConnection.objects.filter(
        status__in=BigCommerceConnection.ACTIVE_STATUSES, connected_at__isnull=False
    ):
        if not connection.access_token:
            continue
        enqueue("integrations.tasks.bigcommerce_orders_poll", connection.pk)
        if connection.pk in waiting:
            enqueue("integrations.tasks.bigcommerce_stock_check_requested", connection.pk)


def bigcommerce_stock_reconcile(run_id: int) -> None:

    sync_run_resume(run_id=run_id)  # a stalled run taken again
    run = SyncRun.objects.select_related("connection").filter(pk=run_id, status=SyncRun.Status.RUNNING).first()
    if run is None or _stock_connection(run.connection_id) is None:
        return
    if stock_reconcile_round(run=run):  # more left: the next round goes behind other merchants' work
        enqueue("integrations.tasks.bigcommerce_stock_reconcile", run_id)


def bigcommerce_stock_reconcile_all() -> None:
    """Scheduled: a stock check of every connected store."""

    for connection in BigCommerceConnection.objects.filter(status=BigCommerceConnection.Status.CONNECTED):
        if connection.access_token:
            stock_reconcile_start(connection=connection)


# -- import (products managed in BigCommerce) ------------------------------------------------
def _importing_connection(connection_id: int):

    connection = _connection(connection_id)
    return connection if is_importing(connection) else None


def bigcommerce_import_chunk(run_id: int) -> None:
    """One chunk of the initial import; enqueues the next until the run is done."""

    sync_run_resume(run_id=run_id)
    run = SyncRun.objects.select_related("connection__merchant").filter(pk=run_id).first()
    if run is None or run.status != SyncRun.Status.RUNNING:
        return
    if import_chunk_run(run=run):
        enqueue_on_commit("integrations.tasks.bigcommerce_import_chunk", run_id)


def bigcommerce_import_product(connection_id: int, remote_product_id: int) -> None:
    """A webhook named this product: bring its Comptoir copy in line with BigCommerce."""

    connection = _importing_connection(connection_id)
    if connection is not None:
        product_refresh(connection=connection, remote_product_id=remote_product_id)


def bigcommerce_import_resync(connection_id: int, page: int = 1, counts: dict | None = None) -> None:
    """Scheduled: catch what webhooks missed (new, changed and unassigned products), a page of the
    channel per round; the next round is enqueued at the tail (other merchants' work in between)."""

    connection = _importing_connection(connection_id)
    if connection is None:
        return
    counts = counts or {}
    try:
        more = import_resync_round(connection=connection, page=page, counts=counts)
    except BigCommerceError as exc:
        _failed(connection, exc, gettext_lazy("Checking the products of the Comptoir-POS channel"), keep=False)
        return
    if more:
        enqueue("integrations.tasks.bigcommerce_import_resync", connection_id, page + 1, counts)


def bigcommerce_import_resync_all() -> None:
    """Scheduled (hourly): one resync task per connection whose products are managed in BigCommerce."""

    for pk in BigCommerceConnection.objects.filter(
        status=BigCommerceConnection.Status.CONNECTED, managed_in=BigCommerceConnection.ManagedIn.BIGCOMMERCE
    ).values_list("pk", flat=True):
        enqueue("integrations.tasks.bigcommerce_import_resync", pk)


# -- housekeeping ----------------------------------------------------------------------------
def journal_prune() -> dict:
    """Scheduled (daily): journal entries and processed webhook events older than COMPTOIR_JOURNAL_DAYS,
    in rounds (the next one enqueued at the tail while more are left)."""

    pruned = prune()
    if pruned["more"]:
        enqueue("integrations.tasks.journal_prune")
    return pruned


def used_signed_payloads_purge() -> int:
    """Scheduled (hourly): ids of signed payloads whose replay window is over."""

    return purge()


def sync_runs_stalled_resume() -> list[int]:
    """Scheduled (every few minutes): runs with no progress are marked stalled, journaled and resumed."""

    return resume()


def bigcommerce_export_resync_all() -> None:
    """Scheduled (nightly): a full resync of every connection whose products are managed in Comptoir."""

    for connection in BigCommerceConnection.objects.filter(
        status=BigCommerceConnection.Status.CONNECTED, managed_in=BigCommerceConnection.ManagedIn.COMPTOIR
    ).select_related("merchant"):
        if exporting(connection):
            sync_now_start(connection=connection)


def lane_heartbeat() -> None:
    """Scheduled once a minute on each lane (``schedules.schedules_declared``): the lane is alive."""
    lane_heartbeat_record(lane=Conf.CLUSTER_NAME, force=True)
