"""Connections to BigCommerce, the sync journal, and which local product is which remote one.

Fields and constraints only; the flows live in ``integrations.services`` and
``integrations.bigcommerce``.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from integrations.messages import message_localized, message_render
from portal.fields import EncryptedTextField
from portal.models import Merchant


class BigCommerceConnection(models.Model):
    """One merchant ↔ one BigCommerce store, both ways (database constraints).

    A row with no merchant is an install started from BigCommerce by someone who has not
    logged in to Comptoir yet; it is claimed after sign-up or log-in.
    """

    class Status(models.TextChoices):
        NOT_CONNECTED = "not_connected", _("Not connected")
        SETUP_INCOMPLETE = "setup_incomplete", _("Setup incomplete")
        CONNECTED = "connected", _("Connected")
        NEEDS_ATTENTION = "needs_attention", _("Needs attention")
        DISCONNECTED = "disconnected", _("Disconnected")

    class ManagedIn(models.TextChoices):
        COMPTOIR = "comptoir", _("Comptoir")
        BIGCOMMERCE = "bigcommerce", _("BigCommerce")

    class SyncScope(models.TextChoices):
        ALL = "all", _("All products")
        SELECTED = "selected", _("Selected products")

    class Origin(models.TextChoices):
        COMPTOIR = "comptoir", _("Started from Comptoir")
        BIGCOMMERCE = "bigcommerce", _("Installed from BigCommerce")

    class Operation(models.TextChoices):
        NONE = "", _("None")
        FINISHING = "finishing", _("Finishing setup")
        DISCONNECTING = "disconnecting", _("Disconnecting")

    # Statuses in which the store is held: its hash may belong to one connection only.
    ACTIVE_STATUSES = (Status.SETUP_INCOMPLETE, Status.CONNECTED, Status.NEEDS_ATTENTION)

    merchant = models.OneToOneField(
        Merchant, null=True, blank=True, on_delete=models.CASCADE, related_name="bigcommerce_connection"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NOT_CONNECTED)
    origin = models.CharField(_("started from"), max_length=20, choices=Origin.choices, default=Origin.COMPTOIR)
    store_hash = models.CharField(_("store hash"), max_length=64, blank=True, db_index=True)
    scope = models.TextField(_("granted OAuth scopes"), blank=True)
    bigcommerce_user_email = models.EmailField(_("BigCommerce user"), blank=True)

    # Wizard answers (empty / null = not answered yet).
    managed_in = models.CharField(_("products managed in"), max_length=20, choices=ManagedIn.choices, blank=True)
    include_prices = models.BooleanField(_("include prices"), null=True, blank=True)
    sync_scope = models.CharField(_("products to sync"), max_length=20, choices=SyncScope.choices, blank=True)
    review_done_at = models.DateTimeField(_("duplicates reviewed at"), null=True, blank=True)
    # Pre-flight result, computed in a task: {"state": "running"|"ready"|"failed", "matches": [...], ...}
    preflight = models.JSONField(_("pre-flight result"), default=dict, blank=True)
    # Per-match choice at review: {"<match key>": "link"|"create"}
    preflight_choices = models.JSONField(default=dict, blank=True)

    # Store facts recorded at connect.
    store_name = models.CharField(_("store name"), max_length=255, blank=True)
    store_currency = models.CharField(_("store currency"), max_length=3, blank=True)
    is_price_entered_with_tax = models.BooleanField(_("prices entered with tax"), null=True, blank=True)
    weight_units = models.CharField(_("store weight units"), max_length=20, blank=True)
    control_panel_url = models.URLField(_("control panel URL"), max_length=500, blank=True)

    # Remote ids of what we created in the store (kept across reconnects so we reuse them).
    channel_id = models.PositiveBigIntegerField(_("channel id"), null=True, blank=True)
    category_id = models.PositiveBigIntegerField(_("category id"), null=True, blank=True)
    webhook_ids = models.JSONField(_("webhook ids"), default=list, blank=True)

    access_token = EncryptedTextField(_("access token"), blank=True)
    webhook_secret = EncryptedTextField(_("webhook secret"), blank=True)

    # A background operation in flight (finish setup, disconnect) and its last error.
    operation = models.CharField(max_length=20, choices=Operation.choices, blank=True, default="")
    operation_options = models.JSONField(default=dict, blank=True)
    operation_error = models.TextField(blank=True)
    operation_error_i18n = models.JSONField(default=dict, blank=True)
    # What a disconnect that deletes the copies would delete, read from BigCommerce in a task
    # (which of them are visible online): {"state": "running"|"ready"|"failed", "done", "total",
    # "remote": {"<remote id>": {"name", "is_visible"}}, "checked_at"}.
    disconnect_preview = models.JSONField(default=dict, blank=True)

    # The order poll's cursor: orders modified since then are read again (minus a margin).
    orders_polled_until = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("BigCommerce connection")
        verbose_name_plural = _("BigCommerce connections")
        constraints = [
            models.UniqueConstraint(
                fields=["store_hash"],
                condition=Q(status__in=["setup_incomplete", "connected", "needs_attention"]) & ~Q(store_hash=""),
                name="bigcommerce_connection_one_active_per_store",
            ),
        ]

    def __str__(self):
        return f"{self.merchant or _('(unclaimed)')} ↔ {self.store_hash or '—'}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def has_token(self) -> bool:
        return bool(self.access_token)

    @property
    def operation_error_text(self) -> str:
        """The last failed operation's message, in the reader's language."""
        return message_localized(self.operation_error_i18n, self.operation_error)


class SyncEvent(models.Model):
    """One line of the sync journal: what was done, in which direction, and how it went."""

    class Kind(models.TextChoices):
        CONNECT = "connect", _("Connect")
        SETUP_STEP = "setup_step", _("Setup step")
        INITIAL_SYNC = "initial_sync", _("Initial sync")
        DISCONNECT = "disconnect", _("Disconnect")
        CALLBACK = "callback", _("Callback from BigCommerce")
        PREFLIGHT = "preflight", _("Duplicate check")
        WEBHOOK = "webhook", _("Webhook received")
        PRODUCT_EXPORT = "product_export", _("Product sync to BigCommerce")
        PRODUCT_IMPORT = "product_import", _("Product sync from BigCommerce")
        PRODUCT_UNASSIGN = "product_unassign", _("Product unassigned")
        STOCK_PUSH = "stock_push", _("Stock sync to BigCommerce")
        STOCK_IN = "stock_in", _("Stock sync from BigCommerce")
        STOCK_CHECK = "stock_check", _("Stock check")
        ERROR = "error", _("Error")

    class Direction(models.TextChoices):
        TO_BIGCOMMERCE = "to_bigcommerce", _("Comptoir → BigCommerce")
        FROM_BIGCOMMERCE = "from_bigcommerce", _("BigCommerce → Comptoir")
        INTERNAL = "internal", _("In Comptoir")

    class Status(models.TextChoices):
        OK = "ok", _("OK")
        FAILED = "failed", _("Failed")
        RUNNING = "running", _("Running")
        # Nothing to do, and the entry says why (another channel's product, an event Comptoir does not use).
        SKIPPED = "skipped", _("Skipped")

    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.CASCADE, related_name="sync_events")
    connection = models.ForeignKey(
        BigCommerceConnection, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    direction = models.CharField(_("direction"), max_length=20, choices=Direction.choices, default=Direction.INTERNAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OK)
    message = models.TextField(_("message"))
    message_i18n = models.JSONField(default=dict, blank=True, help_text=_("The message in each language"))
    # What happened, as a code and its parameters (integrations.messages renders it in the reader's
    # language); empty for entries written as text, read from ``message_i18n``.
    code = models.CharField(max_length=60, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    # Asked nothing of Comptoir (a webhook echo, an event of another channel): hidden by default.
    background = models.BooleanField(default=False)
    # A failure that a later success for the same product and kind settled.
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    # The product the action was about, as it was then (the product may be gone since).
    product_id = models.PositiveBigIntegerField(_("product id"), null=True, blank=True, db_index=True)
    product_name = models.CharField(_("product"), max_length=250, blank=True)
    sku = models.CharField(_("SKU"), max_length=255, blank=True, db_index=True)
    # portal.text.search_key of the product name and SKU: the journal's search box compares it.
    product_key = models.CharField(max_length=510, blank=True, default="")

    class Meta:
        verbose_name = _("sync event")
        verbose_name_plural = _("sync journal")
        ordering = ["-created_at", "-id"]
        # The journal's filters: newest first within a merchant, optionally by status or direction.
        indexes = [
            models.Index(fields=["merchant", "-created_at"]),
            models.Index(fields=["merchant", "status", "-created_at"], name="sync_event_merchant_status"),
            models.Index(fields=["merchant", "direction", "-created_at"], name="sync_event_merchant_direction"),
            models.Index(fields=["merchant", "background", "-created_at"], name="sync_event_merchant_background"),
        ]

    def __str__(self):
        return self.message

    @property
    def text(self) -> str:
        """The message in the reader's language."""
        if self.code:
            return message_render(self.code, self.params, fallback=message_localized(self.message_i18n, self.message))
        return message_localized(self.message_i18n, self.message)

    @property
    def status_label(self) -> tuple[str, str, str]:
        """(label, badge css, explanation): the one source of the status shown on the list and the
        entry (``still_failing`` is annotated by the journal's selector)."""
        Status = self.Status
        if self.status == Status.FAILED and self.resolved_at:
            return _("Resolved"), "badge-ok", _("Failed, then a later sync of the same product succeeded.")
        if self.status == Status.FAILED and getattr(self, "still_failing", False):
            return (
                _("Failed — retrying"),
                "badge-warn",
                _("The product still fails; it is retried automatically, or now with Retry."),
            )
        css = {Status.OK: "badge-ok", Status.FAILED: "badge-danger", Status.SKIPPED: "", Status.RUNNING: "badge-info"}
        return self.get_status_display(), css.get(self.status, ""), ""

    # Failed lines that Retry can act on: a product push (retried now), a webhook (processed again).
    RETRYABLE_KINDS = (Kind.PRODUCT_EXPORT, Kind.WEBHOOK)

    @property
    def retryable(self) -> bool:
        """Retry applies: a failed webhook, or a failed product push whose product still fails
        (``still_failing`` is annotated by the journal's selector; unknown counts as yes)."""
        if self.status != self.Status.FAILED or self.kind not in self.RETRYABLE_KINDS or self.resolved_at:
            return False
        return self.kind != self.Kind.PRODUCT_EXPORT or getattr(self, "still_failing", True)


class SyncState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SYNCED = "synced", _("Synced")
    FAILED = "failed", _("Failed")


class ProductLinkQuerySet(models.QuerySet):
    def live(self):
        """Links still in force (not ended by a disconnect, an unassign or a delete)."""
        return self.filter(unlinked_at__isnull=True)


class VariantLinkQuerySet(models.QuerySet):
    def live(self):
        """Variant links whose product link is still in force."""
        return self.filter(link__unlinked_at__isnull=True)


class ProductLink(models.Model):
    """Binder: this local product is that remote product, unique both ways per connection.

    The binding outlives the local product (no database constraint on ``product``), so that a
    delete in Comptoir can still find and reach the BigCommerce copy. It carries the sync
    state: ``synced_revision`` is the ``Product.revision`` last pushed (or imported), and
    ``content_hash`` the hash of the product-level payload last sent (unchanged: skipped).
    Rows are never deleted on disconnect or unassign: ``unlinked_at`` keeps the history.
    """

    class Origin(models.TextChoices):
        LINKED = "linked", _("Linked at setup (existed on both sides)")
        CREATED_REMOTE = "created_remote", _("Created in BigCommerce by Comptoir")
        IMPORTED = "imported", _("Created in Comptoir from BigCommerce")

    State = SyncState

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="product_links")
    connection = models.ForeignKey(BigCommerceConnection, on_delete=models.CASCADE, related_name="product_links")
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="bigcommerce_links",
    )
    store_hash = models.CharField(max_length=64)
    # Null until the product has been created on the other side.
    remote_product_id = models.PositiveBigIntegerField(null=True, blank=True)
    origin = models.CharField(max_length=20, choices=Origin.choices)
    state = models.CharField(_("sync state"), max_length=10, choices=SyncState.choices, default=SyncState.PENDING)
    synced_revision = models.PositiveBigIntegerField(default=0)
    content_hash = models.CharField(max_length=64, blank=True)
    synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text=_("Failed attempts since the last success"))
    last_error = models.TextField(_("last error"), blank=True)
    last_error_i18n = models.JSONField(default=dict, blank=True)
    last_error_detail = models.JSONField(default=dict, blank=True)
    # A worker's lease on this binding: another worker leaves it alone until then.
    claimed_until = models.DateTimeField(null=True, blank=True)
    # The product revision that last failed, while its retry waits (``claimed_until`` is then a
    # backoff, not a lease): an edit since then is pushed at once, like any edit (a fix).
    failed_revision = models.PositiveBigIntegerField(null=True, blank=True)
    # A create was sent whose answer we may not have seen: look the product up before sending again.
    create_sent_at = models.DateTimeField(null=True, blank=True)
    # The product was unassigned: the flow deletes the remote copy (if Comptoir made it and the
    # merchant chose to delete it) or takes it off the channel, then unlinks. A deleted local
    # product needs no mark: its link points at nothing.
    removal_requested_at = models.DateTimeField(null=True, blank=True)
    # Unassigned with "keep the copy": the flow only takes it off the Comptoir-POS channel (so
    # that it does not come back at the next connect), then unlinks.
    removal_keeps_copy = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    unlinked_at = models.DateTimeField(null=True, blank=True)

    objects = ProductLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("product link")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "product"],
                condition=Q(unlinked_at__isnull=True),
                name="product_link_unique_local_product",
            ),
            models.UniqueConstraint(
                fields=["connection", "remote_product_id"],
                condition=Q(unlinked_at__isnull=True, remote_product_id__isnull=False),
                name="product_link_unique_remote_product",
            ),
        ]
        indexes = [models.Index(fields=["connection", "state"])]

    def __str__(self):
        return f"{self.product_id} ↔ {self.store_hash}/{self.remote_product_id or '—'}"

    @property
    def last_error_text(self) -> str:
        return message_localized(self.last_error_i18n, self.last_error)


class VariantLink(models.Model):
    """This local variant is that remote variant (within a product link)."""

    link = models.ForeignKey(ProductLink, on_delete=models.CASCADE, related_name="variant_links")
    variant = models.ForeignKey(
        "catalog.Variant", on_delete=models.DO_NOTHING, db_constraint=False, related_name="bigcommerce_links"
    )
    remote_variant_id = models.PositiveBigIntegerField()
    content_hash = models.CharField(max_length=64, blank=True)
    # Hash of the remote option value ids the remote variant was made with: BigCommerce cannot
    # change a variant's option values, so a variant whose values changed is made again.
    values_hash = models.CharField(max_length=64, blank=True)
    # BigCommerce reported a stock change of this variant that may not be ours (a manual edit
    # there): its level is compared with Comptoir's once the variant is quiet, then this is cleared.
    stock_check_requested_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = VariantLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("variant link")
        constraints = [
            models.UniqueConstraint(fields=["link", "variant"], name="variant_link_unique_local"),
            models.UniqueConstraint(fields=["link", "remote_variant_id"], name="variant_link_unique_remote"),
        ]

    def __str__(self):
        return f"{self.variant_id} ↔ {self.remote_variant_id}"


class StockPush(models.Model):
    """Outbox of stock changes to send to BigCommerce: one row per ledger movement of a bound
    variant, written in the movement's own transaction (the durable mark). ``delta`` is the change
    of the level BigCommerce should show (Comptoir's level clamped at 0)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        # Sent, but the answer was lost: settled by reading BigCommerce's level, never re-sent blindly.
        UNKNOWN = "unknown", _("Outcome unknown")

    connection = models.ForeignKey(BigCommerceConnection, on_delete=models.CASCADE, related_name="stock_pushes")
    variant_link = models.ForeignKey(VariantLink, on_delete=models.CASCADE, related_name="stock_pushes")
    movement_id = models.PositiveBigIntegerField(unique=True)
    delta = models.BigIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    batch = models.CharField(max_length=32, blank=True, help_text=_("The adjustment call that carried it"))
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stock push")
        verbose_name_plural = _("stock pushes")
        indexes = [models.Index(fields=["connection", "state"])]

    def __str__(self):
        return f"{self.movement_id}: {self.delta:+d} ({self.state})"


class RemoteOrder(models.Model):
    """A BigCommerce order as Comptoir last read it: which status it had, and whether its stock
    was taken and given back (BigCommerce does each at most once per line). The ledger rows are
    keyed by order line, so reading an order again never counts it twice."""

    connection = models.ForeignKey(BigCommerceConnection, on_delete=models.CASCADE, related_name="orders")
    order_id = models.PositiveBigIntegerField()
    channel_id = models.PositiveBigIntegerField(null=True, blank=True)
    status_id = models.PositiveSmallIntegerField()
    date_modified = models.CharField(max_length=64, blank=True)
    stock_taken = models.BooleanField(default=False)
    stock_returned = models.BooleanField(default=False)
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("BigCommerce order")
        constraints = [models.UniqueConstraint(fields=["connection", "order_id"], name="remote_order_unique")]

    def __str__(self):
        return f"#{self.order_id} ({self.status_id})"


class RemoteRef(models.Model):
    """Which local option, option value, image or video is which remote one (within a product link).

    ``local_id`` is a plain number, not a foreign key: the reference must outlive the local row
    so that its removal can reach BigCommerce.
    """

    class Kind(models.TextChoices):
        OPTION = "option", _("Option")
        OPTION_VALUE = "option_value", _("Option value")
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")

    link = models.ForeignKey(ProductLink, on_delete=models.CASCADE, related_name="refs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    local_id = models.PositiveBigIntegerField()
    remote_id = models.PositiveBigIntegerField()
    # The remote parent, where the API nests the resource (an option value's option).
    parent_id = models.PositiveBigIntegerField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("remote reference")
        constraints = [
            models.UniqueConstraint(fields=["link", "kind", "local_id"], name="remote_ref_unique_local"),
            models.UniqueConstraint(fields=["link", "kind", "remote_id"], name="remote_ref_unique_remote"),
        ]

    def __str__(self):
        return f"{self.kind} {self.local_id} ↔ {self.remote_id}"


class ProductAssignment(models.Model):
    """The merchant's choice that a product syncs to BigCommerce (products managed in Comptoir).

    Kept when unassigned (``unassigned_at``), so that a product the merchant took out is not
    put back by the sweep that assigns products created after connecting.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="bigcommerce_assignments")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="bigcommerce_assignment")
    assigned_at = models.DateTimeField(auto_now_add=True)
    unassigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "product"], name="product_assignment_unique")]

    def __str__(self):
        return f"{self.product_id} → BigCommerce"


class SyncRun(models.Model):
    """A run of many products (initial sync, resync, import): its progress, shown while it runs."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("Sync to BigCommerce")
        IMPORT = "import", _("Import from BigCommerce")
        RECONCILIATION = "reconciliation", _("Stock check")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")
        STALLED = "stalled", _("Stalled")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="sync_runs")
    connection = models.ForeignKey(BigCommerceConnection, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    initial = models.BooleanField(default=False, help_text=_("The first sync after connecting"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # A stock check's findings: variants that differed from BigCommerce and were corrected, and
    # those that were changing (checked again on the next round).
    corrected = models.PositiveIntegerField(default=0)
    busy = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sync run")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["connection", "status"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return int(100 * (self.done + self.failed) / self.total) if self.total else 100


class UsedSignedPayload(models.Model):
    """JWT ids of load/uninstall/remove_user callbacks already seen: a replay is refused."""

    jti = models.CharField(max_length=255, unique=True)
    store_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("used signed payload")

    def __str__(self):
        return self.jti


class RateLimitState(models.Model):
    """A store's request pacing, shared by every worker (``integrations.bigcommerce.api.pacing``).

    Read and written only inside a row-locked transaction; ``sent_at`` holds the send times
    (Unix seconds) of our requests still inside the window, at most ``quota`` of them.
    """

    store_hash = models.CharField(max_length=64, unique=True)
    quota = models.PositiveIntegerField(null=True, blank=True)
    window_ms = models.PositiveIntegerField(null=True, blank=True)
    blocked_until = models.FloatField(default=0.0)
    probe_until = models.FloatField(default=0.0)
    sent_at = models.JSONField(default=list, blank=True)

    def __str__(self):
        return f"{self.store_hash}: {len(self.sent_at)}/{self.quota or '?'}"


class WebhookEvent(models.Model):
    """The webhook inbox: every verified delivery from BigCommerce, stored once.

    BigCommerce may deliver an event more than once, always with the same ``hash``: the
    unique constraint turns a repeat into a no-op. Processing happens in a task.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="webhook_events")
    connection = models.ForeignKey(
        BigCommerceConnection, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_events"
    )
    store_hash = models.CharField(max_length=64)
    scope = models.CharField(max_length=200)
    event_hash = models.CharField(max_length=64)
    webhook_id = models.CharField(max_length=200, blank=True, help_text=_("The delivery's webhook-id header"))
    payload = models.JSONField()
    event_created_at = models.DateTimeField(null=True, blank=True, help_text=_("created_at of the event"))
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    deliveries = models.PositiveIntegerField(default=1, help_text=_("How many times BigCommerce delivered it"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook inbox")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store_hash", "event_hash"], name="webhook_event_unique_hash"),
        ]

    def __str__(self):
        return f"{self.scope} ({self.store_hash})"
