"""The connection to a BigCommerce store, and which products it carries."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from integrations.messages import message_localized
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
