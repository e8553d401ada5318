"""Bindings: which local row is which remote id (written by ``integrations.bigcommerce.binder`` only)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from integrations.messages import message_localized
from integrations.models.connection import BigCommerceConnection
from portal.models import Merchant


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
