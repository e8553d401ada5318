"""Stock: levels per variant, the append-only stock ledger, in-store sales and refunds.

Knows nothing of BigCommerce. Every stock change goes through ``inventory.services.stock_adjust``
which writes a ledger row and the level in one transaction, keyed by an idempotency key that
the database keeps unique per merchant.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Variant
from inventory.reasons import reason_text
from portal.models import Device, Merchant, Shop


class StockLevel(models.Model):
    """The current stock of one variant in one shop (may go below zero through a sale).

    ``quantity`` is the shop's whole stock. Split stock (``online_quantity`` set): that many units
    of this shop are the online shop's allocation and the rest (``store_quantity``) the store's; each side sells
    from its own. ``online_level`` is what the online shop should show (never below 0 there).
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="stock_levels")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="stock_levels", verbose_name=_("shop"))
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="stock_levels")
    quantity = models.BigIntegerField(_("quantity"), default=0)
    online_quantity = models.BigIntegerField(
        _("online allocation"), null=True, blank=True, help_text=_("Set when the stock is split; empty when shared")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [models.UniqueConstraint(fields=["variant", "shop"], name="stock_level_one_per_shop")]

    def __str__(self):
        return f"{self.variant_id}@{self.shop_id}: {self.quantity}"

    @property
    def is_split(self) -> bool:
        return self.online_quantity is not None

    @property
    def online_level(self) -> int:
        return self.quantity if self.online_quantity is None else self.online_quantity

    @property
    def store_quantity(self) -> int:
        return self.quantity if self.online_quantity is None else self.quantity - self.online_quantity


class StockOrigin(models.TextChoices):
    INITIAL = "initial", _("Initial stock")
    POS_SALE = "pos_sale", _("POS sale")
    POS_REFUND = "pos_refund", _("POS refund")
    ONLINE_ORDER = "online_order", _("Online order")
    ONLINE_REFUND = "online_refund", _("Online refund")
    MANUAL_COMPTOIR = "manual_comptoir", _("Manual change in Comptoir")
    MANUAL_ONLINE = "manual_online", _("Manual change in BigCommerce")
    SPLIT_CHANGE = "split_change", _("Split stock change")
    RECONCILIATION = "reconciliation", _("Reconciliation")
    TRANSFER = "transfer", _("Transfer between shops")


# Changes that came from the online shop: with split stock they move the online allocation, and
# the stock sync never sends them back (the shop moved its own level already). The one list.
ONLINE_ORIGINS = frozenset(
    {
        StockOrigin.ONLINE_ORDER,
        StockOrigin.ONLINE_REFUND,
        StockOrigin.MANUAL_ONLINE,
        StockOrigin.RECONCILIATION,
        StockOrigin.INITIAL,
    }
)


class Allocation(models.TextChoices):
    """Which part of a variant's stock a ledger row moved."""

    SHARED = "shared", _("Shared stock")
    STORE = "store", _("Store allocation")
    ONLINE = "online", _("Online allocation")


class StockMovement(models.Model):
    """One row of the append-only stock ledger."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="stock_movements")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="stock_movements", verbose_name=_("shop"))
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="stock_movements")
    origin = models.CharField(_("origin"), max_length=20, choices=StockOrigin.choices)
    delta = models.BigIntegerField(_("change"))
    level_after = models.BigIntegerField(_("level after"))
    allocation = models.CharField(_("allocation"), max_length=10, choices=Allocation.choices, default=Allocation.SHARED)
    online_after = models.BigIntegerField(
        _("online allocation after"), null=True, blank=True, help_text=_("Empty when the stock is shared")
    )
    # Why it moved: a code and its parameters, rendered in the reader's language (inventory.reasons).
    reason_code = models.CharField(_("reason code"), max_length=40, blank=True, default="")
    reason_params = models.JSONField(_("reason parameters"), default=dict, blank=True)
    # What a person typed (a count's or an adjustment's note); on rows older than reason codes that
    # the migration could not read, the text they were written with.
    reason = models.CharField(_("note"), max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sale_line = models.ForeignKey("SaleLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    refund_line = models.ForeignKey("RefundLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The transfer between shops this row is one side of (its "out" row in the source shop, its
    # "in" row in the destination): the column that says so, never the idempotency key.
    transfer = models.ForeignKey("Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="movements")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock ledger")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "idempotency_key"], name="stock_movement_unique_key"),
        ]
        indexes = [models.Index(fields=["variant", "-created_at"]), models.Index(fields=["shop", "-created_at"])]

    def __str__(self):
        return f"{self.get_origin_display()} {self.delta:+d} → {self.level_after}"

    @property
    def reason_label(self) -> str:
        """Why it moved, in the active language; the stored text for a row without a code."""
        return reason_text(code=self.reason_code, params=self.reason_params) if self.reason_code else self.reason

    @property
    def note(self) -> str:
        """What a person typed about it ("" on rows without a code: their text is ``reason_label``)."""
        return self.reason if self.reason_code else ""


class Sale(models.Model):
    """An in-store purchase, recorded by the Register page or a POS device."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="sales")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="sales", verbose_name=_("shop"))
    idempotency_key = models.CharField(max_length=200)
    # A hash of the request that created the sale: a retry with the same key but another body is refused.
    request_hash = models.CharField(max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="sales")
    currency = models.CharField(max_length=3)
    total = models.BigIntegerField(_("total"), help_text=_("In minor units, VAT included"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "idempotency_key"], name="sale_unique_key")]

    def __str__(self):
        return f"Sale #{self.pk}"


class SaleLine(models.Model):
    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="sale_lines")
    description = models.CharField(max_length=300, help_text=_("Product and variant at the time of sale"))
    sku = models.CharField(_("SKU"), max_length=255, blank=True, help_text=_("SKU at the time of sale"))
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.BigIntegerField(_("unit price"))

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.quantity} × {self.description}"

    @property
    def line_total(self) -> int:
        return self.quantity * self.unit_price


class Refund(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="refunds")
    # The shop the items came back to (the sale's, unless the refund was made in another shop).
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("shop"))
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="refunds")
    idempotency_key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="refunds")
    total = models.BigIntegerField(_("total"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "idempotency_key"], name="refund_unique_key")]

    def __str__(self):
        return f"Refund #{self.pk} of sale #{self.sale_id}"


class RefundLine(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    sale_line = models.ForeignKey(SaleLine, on_delete=models.PROTECT, related_name="refund_lines")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.quantity} × {self.sale_line_id}"


class Transfer(models.Model):
    """Stock moved from one of the merchant's shops to another as one operation
    (``inventory.transfers.stock_transfer``): per variant, a ``transfer`` ledger row taking the
    units out of ``from_shop`` and one putting them into ``to_shop``. Its lines are its rows."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="transfers")
    from_shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("from"))
    to_shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    idempotency_key = models.CharField(max_length=200)
    note = models.CharField(_("note"), max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="transfers")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "idempotency_key"], name="transfer_unique_key"),
            models.CheckConstraint(condition=~models.Q(from_shop=models.F("to_shop")), name="transfer_two_shops"),
        ]

    def __str__(self):
        return f"Transfer #{self.pk}"
