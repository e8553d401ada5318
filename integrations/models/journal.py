"""The sync journal (what happened, stored as codes and parameters) and the runs with their progress."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.messages import message_localized, message_render
from integrations.models.connection import BigCommerceConnection
from portal.models import Merchant


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
    # portal.text.search_key of the product name and SKU (of every product, for an entry about
    # several, such as an online order): the journal's search box compares it.
    product_key = models.TextField(blank=True, default="")

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
    # A run taken in rounds (one task each, re-enqueued at the tail of the queue so that other
    # merchants' work goes in between): where the next round starts, and what the rounds found so
    # far (a stock check's corrections, for the journal line at the end).
    cursor = models.PositiveBigIntegerField(default=0)
    findings = models.JSONField(default=list, blank=True)
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
