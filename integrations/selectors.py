"""Reads of the integrations app. Everything a merchant can reach takes the merchant."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import formats, timezone

from catalog.models import Product, Variant
from catalog.selectors import PRODUCT_ORDER
from integrations.models import BigCommerceConnection, ProductAssignment, ProductLink, SyncEvent
from portal.models import Merchant
from portal.text import search_key

Status = BigCommerceConnection.Status

# Wizard steps, in order. A step is "done" when its answer is recorded.
WIZARD_STEPS = ("connect", "managed_in", "prices", "products", "review", "finish")


def connection_for_merchant(*, merchant: Merchant) -> BigCommerceConnection | None:
    return BigCommerceConnection.objects.filter(merchant=merchant).first()


def connection_active_for_store(*, store_hash: str) -> BigCommerceConnection | None:
    return (
        BigCommerceConnection.objects.filter(store_hash=store_hash, status__in=BigCommerceConnection.ACTIVE_STATUSES)
        .select_related("merchant")
        .first()
    )


def connection_display_status(*, connection: BigCommerceConnection | None) -> str:
    """What the merchant sees: a disconnected connection reads as "Not connected"."""
    if connection is None or connection.status in (Status.NOT_CONNECTED, Status.DISCONNECTED):
        return Status.NOT_CONNECTED
    return connection.status


def wizard_steps(*, connection: BigCommerceConnection | None) -> list[str]:
    """The steps that apply to this connection (products step only when managed in Comptoir)."""
    steps = list(WIZARD_STEPS)
    if connection is not None and connection.managed_in == BigCommerceConnection.ManagedIn.BIGCOMMERCE:
        steps.remove("products")
    return steps


def wizard_step_done(*, connection: BigCommerceConnection | None, step: str) -> bool:
    if connection is None:
        return False
    if step == "connect":
        return connection.is_active and connection.has_token and connection.merchant_id is not None
    if step == "managed_in":
        return bool(connection.managed_in)
    if step == "prices":
        return connection.include_prices is not None
    if step == "products":
        return connection.managed_in == BigCommerceConnection.ManagedIn.BIGCOMMERCE or bool(connection.sync_scope)
    if step == "review":
        return connection.review_done_at is not None
    if step == "finish":
        return connection.status in (Status.CONNECTED, Status.NEEDS_ATTENTION)
    raise ValueError(step)


def wizard_first_unfinished_step(*, connection: BigCommerceConnection | None) -> str:
    for step in wizard_steps(connection=connection):
        if not wizard_step_done(connection=connection, step=step):
            return step
    return "finish"


def wizard_step_allowed(*, connection: BigCommerceConnection | None, step: str) -> bool:
    """A step can be shown once every step before it is done (going back is always fine)."""
    steps = wizard_steps(connection=connection)
    if step not in steps:
        return False
    return steps.index(step) <= steps.index(wizard_first_unfinished_step(connection=connection))


def merchant_vat_rates(*, merchant: Merchant) -> list[Decimal]:
    rates = set(
        Product.objects.filter(merchant=merchant, is_archived=False).values_list("vat_rate", flat=True).distinct()
    )
    if not rates:
        rates = {merchant.default_vat_rate}
    return sorted(rates)


def tax_margin_effects(*, merchant: Merchant, price: int = 10000) -> list[dict]:
    """For each VAT rate: a price incl. VAT in Comptoir, read by BigCommerce as excl. tax.

    100 incl. 20 % VAT shown as 100 excl. tax becomes 120 incl. tax: the shopper pays 20 %
    more online; or, if the merchant lowers the online price to 100 incl. tax, the merchant
    receives 100/1.20 = 83.33 excl. tax instead of 100.
    """
    effects = []
    for rate in merchant_vat_rates(merchant=merchant):
        factor = 1 + rate / 100
        online_incl = int((Decimal(price) * factor).quantize(Decimal(1)))
        effects.append(
            {
                "rate": rate,
                "rate_label": formats.number_format(rate.normalize(), use_l10n=True),
                "price": price,
                "online_price": online_incl,
                "increase_percent": rate,
                "net_if_kept": int((Decimal(price) / factor).quantize(Decimal(1))),
            }
        )
    return effects


def products_for_selection(*, merchant: Merchant, query: str = "") -> QuerySet[Product]:
    qs = Product.objects.filter(merchant=merchant, is_archived=False)
    if query:
        qs = qs.filter(
            Q(name_key__contains=search_key(query))
            | Q(variants__sku__icontains=query)
            | Q(variants__barcode__icontains=query)
        ).distinct()
    return qs.order_by(*PRODUCT_ORDER)


def product_assigned_ids(*, merchant: Merchant) -> set[int]:
    return set(
        ProductAssignment.objects.filter(merchant=merchant, unassigned_at__isnull=True).values_list(
            "product_id", flat=True
        )
    )


def products_to_sync_count(*, merchant: Merchant, connection: BigCommerceConnection) -> int:
    qs = Product.objects.filter(merchant=merchant, is_archived=False)
    if connection.sync_scope == BigCommerceConnection.SyncScope.SELECTED:
        qs = qs.filter(bigcommerce_assignment__merchant=merchant, bigcommerce_assignment__unassigned_at__isnull=True)
    return qs.count()


def variants_with_identifiers(*, merchant: Merchant, connection: BigCommerceConnection) -> QuerySet[Variant]:
    """Local variants that the pre-flight compares with the store (by SKU or barcode)."""
    qs = Variant.objects.filter(merchant=merchant, product__is_archived=False).exclude(sku="", barcode="")
    if (
        connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR
        and connection.sync_scope == BigCommerceConnection.SyncScope.SELECTED
    ):
        qs = qs.filter(
            product__bigcommerce_assignment__merchant=merchant,
            product__bigcommerce_assignment__unassigned_at__isnull=True,
        )
    return qs.select_related("product").order_by("product__name_key", "product__name", "position", "id")


def preflight_review_rows(*, matches: list[dict], choices: dict[str, str]) -> list[dict]:
    """The review's table: one row per Comptoir product (its matched variants together), with
    what matched and the choice made so far (none for a product found by its name only)."""
    rows: dict[str, dict] = {}
    for match in matches:
        row = rows.get(match["key"])
        if row is None:
            row = rows[match["key"]] = {
                "key": match["key"],
                "product_name": match.get("product_name", ""),
                "remote_name": match["remote_name"],
                "remote_product_id": match["remote_product_id"],
                "name_only": match["matched_on"] == "name",
                "local_variants": match.get("local_variants"),
                "remote_variants": match.get("remote_variants"),
                "skus": [],
                "barcodes": [],
                "choice": choices.get(match["key"]),
            }
        if match["matched_on"] == "sku":
            row["skus"].append(match["sku"])
        elif match["matched_on"] == "barcode":
            row["barcodes"].append(match["barcode"])
    for row in rows.values():
        if row["choice"] not in ("link", "create"):
            row["choice"] = None if row["name_only"] else "link"
        row["variants_differ"] = bool(
            row["name_only"]
            and row["local_variants"] is not None
            and row["remote_variants"] is not None
            and row["local_variants"] != row["remote_variants"]
        )
    return list(rows.values())


def products_for_name_match(*, merchant: Merchant, connection: BigCommerceConnection):
    """Local products the pre-flight compares with the store by name, each with ``first_variant``
    and ``variant_count``."""
    from django.db.models import Prefetch

    qs = Product.objects.filter(merchant=merchant, is_archived=False)
    if (
        connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR
        and connection.sync_scope == BigCommerceConnection.SyncScope.SELECTED
    ):
        qs = qs.filter(bigcommerce_assignment__merchant=merchant, bigcommerce_assignment__unassigned_at__isnull=True)
    products = list(qs.prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("position", "id"))))
    for product in products:
        variants = list(product.variants.all())
        product.first_variant = variants[0] if variants else None
        product.variant_count = len(variants)
    return products


@dataclass(frozen=True)
class JournalFilters:
    """The journal's filters, read from a query string: a value that does not parse is dropped."""

    RETRYING = "retrying"  # failed product pushes whose product still fails (to be retried)
    RESOLVED = "resolved"  # failures a later success for the same product settled
    STATUSES = (*SyncEvent.Status.values, RETRYING, RESOLVED)

    status: str = ""
    direction: str = ""
    query: str = ""
    date_from: date | None = None
    date_to: date | None = None
    # Show the entries that asked nothing of Comptoir (webhook echoes, other channels' events).
    background: bool = False

    @classmethod
    def from_query(cls, params) -> "JournalFilters":
        status = params.get("status", "")
        direction = params.get("direction", "")
        return cls(
            status=status if status in cls.STATUSES else "",
            direction=direction if direction in SyncEvent.Direction.values else "",
            query=" ".join(str(params.get("q", "")).split())[:100],
            date_from=_date_or_none(params.get("from")),
            date_to=_date_or_none(params.get("to")),
            background=params.get("background") == "1",
        )

    def as_query(self) -> dict[str, str]:
        """The filters set, as query parameters (for links that keep them: pages, export)."""
        values = {
            "status": self.status,
            "direction": self.direction,
            "q": self.query,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "background": "1" if self.background else "",
        }
        return {key: value for key, value in values.items() if value}

    @property
    def hides_background(self) -> bool:
        """Background entries are left out unless asked for (or the Skipped status is chosen)."""
        return not self.background and self.status != SyncEvent.Status.SKIPPED


def _date_or_none(value) -> date | None:
    try:
        parsed = date.fromisoformat(str(value or ""))
    except ValueError:
        return None
    return parsed if 2000 <= parsed.year <= 9998 else None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def sync_event_list(
    *, merchant: Merchant, status: str = "", filters: JournalFilters | None = None
) -> QuerySet[SyncEvent]:
    """The merchant's journal, newest first. Dates are whole days in the merchant's time zone."""
    filters = filters or JournalFilters(status=status)
    # A failed product push whose product still fails: it will be retried (automatically, or by Retry).
    still_failing = ProductLink.objects.live().filter(
        connection_id=OuterRef("connection_id"),
        product_id=OuterRef("product_id"),
        state=ProductLink.State.FAILED,
    )
    qs = SyncEvent.objects.filter(merchant=merchant).annotate(
        still_failing=Exists(still_failing) & Q(status=SyncEvent.Status.FAILED, kind=SyncEvent.Kind.PRODUCT_EXPORT)
    )
    if filters.hides_background:
        qs = qs.filter(background=False)
    if filters.status == JournalFilters.RETRYING:
        qs = qs.filter(still_failing=True, resolved_at__isnull=True)
    elif filters.status == JournalFilters.RESOLVED:
        qs = qs.filter(status=SyncEvent.Status.FAILED, resolved_at__isnull=False)
    elif filters.status == SyncEvent.Status.FAILED:
        qs = qs.filter(status=filters.status, resolved_at__isnull=True)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.direction:
        qs = qs.filter(direction=filters.direction)
    if filters.query and (key := search_key(filters.query)):
        qs = qs.filter(product_key__contains=key)
    if filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return qs.order_by("-created_at", "-id")


def sync_event_get(*, merchant: Merchant, event_id: int) -> SyncEvent | None:
    everything = JournalFilters(background=True)
    return (
        sync_event_list(merchant=merchant, filters=everything).filter(pk=event_id).select_related("connection").first()
    )


def journal_product(*, merchant: Merchant, event: SyncEvent) -> Product | None:
    """The product a journal line is about, if it still exists (its page can be linked)."""
    if not event.product_id:
        return None
    return Product.objects.filter(merchant=merchant, pk=event.product_id).first()


def failed_product_link_count(*, connection: BigCommerceConnection) -> int:
    """Products of the connection whose last sync failed (what "Retry all failed" retries)."""
    return ProductLink.objects.live().filter(connection=connection, state=ProductLink.State.FAILED).count()


def product_link_list(*, merchant: Merchant, connection: BigCommerceConnection) -> QuerySet[ProductLink]:
    return (
        ProductLink.objects.live()
        .filter(merchant=merchant, connection=connection)
        .select_related("product")
        .prefetch_related("variant_links")
        .order_by("product__name_key", "product__name", "id")
    )


def synced_copies_count(*, merchant: Merchant, connection: BigCommerceConnection) -> int:
    """Copies that Comptoir made on the platform being disconnected (the non-managing one)."""
    origin = (
        ProductLink.Origin.CREATED_REMOTE
        if connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR
        else ProductLink.Origin.IMPORTED
    )
    return (
        ProductLink.objects.live()
        .filter(merchant=merchant, connection=connection, origin=origin)
        .values("product_id")
        .distinct()
        .count()
    )


def synced_copies(*, merchant: Merchant, connection: BigCommerceConnection) -> list[dict]:
    """What a disconnect that deletes the copies would delete, one row per product: its name and
    SKU in Comptoir, its BigCommerce id, and whether it is visible online when the disconnect
    page's check in BigCommerce has said so (``None``: not known). Visible ones first."""
    origin = (
        ProductLink.Origin.CREATED_REMOTE
        if connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR
        else ProductLink.Origin.IMPORTED
    )
    links = ProductLink.objects.live().filter(merchant=merchant, connection=connection, origin=origin).order_by("pk")
    preview = connection.disconnect_preview or {}
    checked = preview.get("state") == "ready"
    remote = preview.get("remote", {}) if checked else {}
    rows, seen = [], set()
    for link in links:
        if link.product_id in seen:
            continue
        seen.add(link.product_id)
        rows.append({"product_id": link.product_id, "remote_product_id": link.remote_product_id})
    products = {
        p.pk: p
        for p in Product.objects.filter(merchant=merchant, pk__in=[r["product_id"] for r in rows]).prefetch_related(
            "variants"
        )
    }
    for row in rows:
        product = products.get(row["product_id"])
        found = remote.get(str(row["remote_product_id"])) if row["remote_product_id"] else None
        first = next(iter(product.variants.all()), None) if product else None
        row["name"] = product.name if product else (found or {}).get("name", "")
        row["sku"] = first.sku if first else ""
        row["is_visible"] = found.get("is_visible") if found else None
        row["not_created"] = row["remote_product_id"] is None
        row["missing"] = checked and row["remote_product_id"] is not None and found is None
    rows.sort(key=lambda r: (r["is_visible"] is not True, r["name"].casefold()))
    return rows


def product_sync_states(*, merchant: Merchant, product_ids) -> dict[int, ProductLink]:
    """The active link (sync state) of each of these products, for the catalog and product pages."""
    return {
        link.product_id: link
        for link in ProductLink.objects.live()
        .filter(merchant=merchant, product_id__in=list(product_ids))
        .only(
            "product_id",
            "state",
            "last_error",
            "last_error_i18n",
            "last_error_detail",
            "synced_at",
            "remote_product_id",
            "origin",
        )
    }


def sync_runs_current(*, connection: BigCommerceConnection, limit: int = 5) -> list:
    """The runs to show: every running (or stalled, being resumed) one, and those that finished in
    the last hour (to show their result); newest first. Several may run at once (a resync and a
    stock check)."""
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    from integrations.models import SyncRun

    active = (SyncRun.Status.RUNNING, SyncRun.Status.STALLED)  # a stalled run is being resumed
    recent = Q(finished_at__gte=timezone.now() - timedelta(hours=1))
    runs = list(
        _this_connection_runs(connection)
        .filter(Q(status__in=active) | recent)
        .order_by("-started_at", "-pk")[: limit * 2]
    )
    running = [r for r in runs if r.status in active]
    # Of the finished runs, the newest of each kind: an hour of stock checks is one card, not twelve.
    finished, kinds = [], set()
    for run in runs:
        if run.status not in active and run.kind not in kinds and not any(r.kind == run.kind for r in running):
            kinds.add(run.kind)
            finished.append(run)
    return (running + finished)[:limit]


def _this_connection_runs(connection: BigCommerceConnection):
    """The runs of the connection as it is now: a reconnect (the same row, connected again) leaves
    the previous connection's runs out."""
    from integrations.models import SyncRun

    runs = SyncRun.objects.filter(connection=connection)
    if connection.connected_at:
        # Finish setup opens the initial run in the transaction that sets connected_at: a second's margin.
        runs = runs.filter(started_at__gte=connection.connected_at - timedelta(seconds=1))
    return runs


def schedule_next_time(*, next_run: datetime | None, minutes: int | None, now: datetime | None = None):
    """When a schedule runs next, never in the past: django-q2's ``next_run`` stays behind until the
    cluster takes it (or when no cluster runs), so it is moved on by its interval past now."""
    if next_run is None:
        return None
    now = now or timezone.now()
    if next_run > now or not minutes:
        return next_run
    interval = timedelta(minutes=minutes)
    return next_run + interval * ((now - next_run) // interval + 1)


def sync_run_for_merchant(*, merchant: Merchant, run_id: int):
    """One of the merchant's runs, or None."""
    from integrations.models import SyncRun

    return SyncRun.objects.filter(merchant=merchant, pk=run_id).first()


def product_sync_badges(*, merchant: Merchant, product_ids) -> dict:
    """The catalog list's badge per product: BigCommerce synced / pending / failed (with why)."""
    from django.utils.translation import gettext as _

    from catalog.badges import Badge

    labels = {
        ProductLink.State.SYNCED: (_("BigCommerce ✓"), "badge-ok", _("Synced to BigCommerce")),
        ProductLink.State.PENDING: (_("BigCommerce…"), "badge-warn", _("Waiting to be sent to BigCommerce")),
        ProductLink.State.FAILED: (_("BigCommerce ✗"), "badge-danger", ""),
    }
    badges = {}
    for pk, link in product_sync_states(merchant=merchant, product_ids=product_ids).items():
        label, css, title = labels[link.state]
        badges[pk] = [
            Badge(
                label=label,
                css=css,
                title=link.last_error_text if link.state == "failed" else title,
                pending=link.state == ProductLink.State.PENDING,
            )
        ]
    return badges


def managed_fields_narrow(*, product: Product, fields: frozenset[str]) -> frozenset[str]:
    """For ``catalog.managed``: a product imported from BigCommerce keeps Comptoir's prices
    editable unless the connection syncs prices."""
    from catalog import managed

    connection = BigCommerceConnection.objects.filter(merchant_id=product.merchant_id).only("include_prices").first()
    if connection is None or not connection.include_prices:
        return fields - {managed.PRICES}
    return fields


def overview_facts(*, connection: BigCommerceConnection) -> dict:
    """The Overview's facts in a fixed number of queries: last sync, failures and webhook health
    over the last 24 hours, and when the schedule that resyncs this connection runs next."""
    from datetime import timedelta

    from django.db.models import Count, Max
    from django.utils import timezone
    from django_q.models import Schedule

    from integrations.models import SyncRun, WebhookEvent

    now = timezone.now()
    since = now - timedelta(hours=24)
    if connection.connected_at:
        since = max(since, connection.connected_at)
    # Products managed in BigCommerce: the hourly check of the channel; in Comptoir: the nightly
    # resync that sends every product in full.
    schedule = (
        "bigcommerce-import-resync"
        if connection.managed_in == BigCommerceConnection.ManagedIn.BIGCOMMERCE
        else "bigcommerce-nightly-resync"
    )
    schedules = {
        row["name"]: schedule_next_time(next_run=row["next_run"], minutes=row["minutes"], now=now)
        for row in Schedule.objects.filter(name__in=(schedule, "bigcommerce-stock-reconcile")).values(
            "name", "next_run", "minutes"
        )
    }
    webhooks = WebhookEvent.objects.filter(connection=connection, received_at__gte=connection.connected_at or since)
    webhooks = webhooks.aggregate(
        last=Max("received_at"), failed=Count("pk", filter=Q(status=WebhookEvent.Status.FAILED, received_at__gte=since))
    )
    runs = _this_connection_runs(connection)
    return {
        # The newest sync, finished or still going (a run that never finishes must not leave the
        # one before it as "last sync").
        "last_sync": runs.exclude(kind=SyncRun.Kind.RECONCILIATION).order_by("-started_at", "-pk").first(),
        "last_stock_check": runs.filter(status=SyncRun.Status.FINISHED, kind=SyncRun.Kind.RECONCILIATION)
        .order_by("-finished_at")
        .first(),
        "next_stock_check": schedules.get("bigcommerce-stock-reconcile"),
        # Failures a later success settled are not counted (they say "Resolved" in the journal).
        "failures_24h": SyncEvent.objects.filter(
            merchant_id=connection.merchant_id,
            status=SyncEvent.Status.FAILED,
            resolved_at__isnull=True,
            created_at__gte=since,
        ).count(),
        "webhook_last": webhooks["last"],
        "webhook_failed_24h": webhooks["failed"],
        "next_resync": schedules.get(schedule),
    }
