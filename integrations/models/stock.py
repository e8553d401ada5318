"""The stock sync's rows: the outbox of pushes, the orders read and what their lines did to stock."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.models.bindings import VariantLink
from integrations.models.connection import BigCommerceConnection


class StockPush(models.Model):
    """Outbox of stock changes to send to BigCommerce: one row per ledger movement of a bound
    variant, written in the movement's own transaction (the durable mark). ``delta`` is the change
    of the level BigCommerce should show (Comptoir's level clamped at 0) at ``location_id``: the
    BigCommerce inventory location of the movement's shop (``ShopLocation``; 1, the default
    location, for the primary shop without one)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        # Sent, but the answer was lost: settled by reading BigCommerce's level, never re-sent blindly.
        UNKNOWN = "unknown", _("Outcome unknown")

    connection = models.ForeignKey(BigCommerceConnection, on_delete=models.CASCADE, related_name="stock_pushes")
    variant_link = models.ForeignKey(VariantLink, on_delete=models.CASCADE, related_name="stock_pushes")
    movement_id = models.PositiveBigIntegerField(unique=True)
    delta = models.BigIntegerField()
    location_id = models.PositiveBigIntegerField(_("BigCommerce location"), default=1)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    batch = models.CharField(max_length=32, blank=True, help_text=_("The adjustment call that carried it"))
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # While its answer is in doubt ("unknown"): from when BigCommerce's level tells whether it was
    # applied (``stock.settle``): the call can no longer be in flight, and BigCommerce, which
    # applies adjustments asynchronously, has applied it if it ever will.
    settle_at = models.DateTimeField(null=True, blank=True)
    # Its echo came back (BigCommerce's inventory webhook with this call's change): applied, so a
    # stock check need not wait out the apply window for it.
    echoed_at = models.DateTimeField(null=True, blank=True)

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


class OrderIntake(models.Model):
    """Where the reading of a connection's orders stands (one row per connection).

    ``modified_until`` is the cursor, in BigCommerce's own clock: the newest ``date_modified`` of
    the orders read; each poll reads again from a little before it (dates have one-second
    resolution and become visible out of order under load), which is harmless because every order
    line's effect is keyed once. ``wanted_at`` is the durable mark an order webhook leaves: a poll
    is owed. ``polled_at`` (Comptoir's clock) keeps polls a minimum gap apart."""

    connection = models.OneToOneField(
        BigCommerceConnection, on_delete=models.CASCADE, primary_key=True, related_name="order_intake"
    )
    modified_until = models.DateTimeField(null=True, blank=True)
    wanted_at = models.DateTimeField(null=True, blank=True)
    polled_at = models.DateTimeField(null=True, blank=True)
    polls = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("order intake")

    def __str__(self):
        return f"{self.connection_id}: until {self.modified_until}"


class OrderStatusAnnounced(models.Model):
    """A status an order passed through, as a ``statusUpdated`` webhook announced it, kept until a
    poll applies it: the order read later may have left it already (a cancellation followed by a
    reopening still gave the stock back: BigCommerce never takes it again)."""

    connection = models.ForeignKey(BigCommerceConnection, on_delete=models.CASCADE, related_name="order_statuses")
    order_id = models.PositiveBigIntegerField()
    status_id = models.PositiveSmallIntegerField()
    announced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("announced order status")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "order_id", "status_id"], name="order_status_announced_unique"
            )
        ]

    def __str__(self):
        return f"#{self.order_id} → {self.status_id}"
