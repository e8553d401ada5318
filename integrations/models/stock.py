"""The stock sync's rows: the outbox of pushes, the orders read and what their lines did to stock."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.models.bindings import VariantLink
from integrations.models.connection import BigCommerceConnection


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


class OrderLineEffect(models.Model):
    """What one line of a BigCommerce order did to Comptoir's stock: the ledger row it wrote.

    Written by the order intake in the ledger row's own transaction, so the stock page and the
    checks learn an order line from this row, never from the ledger row's key or text. A line takes
    its stock at most once and gives it back at most once (BigCommerce's rule), and a row that says
    why it stayed out is written once per why: the unique constraint holds it, as the ledger key does."""

    class Kind(models.TextChoices):
        TAKEN = "taken", _("Taken")
        RETURNED = "returned", _("Returned")
        KEPT_REFUND = "kept_refund", _("Kept (refund)")
        KEPT_SETTINGS = "kept_settings", _("Kept (store settings)")
        KEPT_PARTIAL = "kept_partial", _("Kept (partial refund)")

    connection = models.ForeignKey(BigCommerceConnection, on_delete=models.CASCADE, related_name="order_line_effects")
    order_id = models.PositiveBigIntegerField()
    line_id = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    movement = models.OneToOneField(
        "inventory.StockMovement", on_delete=models.CASCADE, related_name="order_line_effect"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("order line stock effect")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "order_id", "line_id", "kind"], name="order_line_effect_unique"
            )
        ]

    def __str__(self):
        return f"#{self.order_id} line {self.line_id}: {self.kind}"
