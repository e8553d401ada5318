"""Which Comptoir shop is which BigCommerce inventory location (issue 19)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from integrations.models.bindings import SyncState
from integrations.models.connection import BigCommerceConnection
from portal.models import Shop

# BigCommerce's default location: it always exists and cannot be deleted; the storefront sells
# from it (locations guide). The primary shop's, unless a row says otherwise.
DEFAULT_LOCATION_ID = 1


class ShopLocation(models.Model):
    """Binder: this shop is that BigCommerce inventory location, unique both ways per connection.

    ``remote_location_id`` is empty while the location is being created (``state`` pending) or
    when BigCommerce refused it (``state`` failed, ``last_error`` says why). A shop without a
    synced row moves nothing in BigCommerce; the primary shop without any row is the default
    location (``integrations.selectors.locations``). ``origin`` says who owns the location:
    one Comptoir created is marked ``managed_by_external_source`` in BigCommerce.

    A synced row whose later update BigCommerce refused stays synced (the location exists and
    holds the shop's stock) with ``last_error`` set; the pages offer the retry."""

    class Origin(models.TextChoices):
        DEFAULT = "default", _("BigCommerce's default location")
        CREATED = "created", _("Created by Comptoir")
        LINKED = "linked", _("Existing location linked")

    connection = models.ForeignKey(BigCommerceConnection, on_delete=models.CASCADE, related_name="shop_locations")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="bigcommerce_locations")
    remote_location_id = models.PositiveBigIntegerField(_("BigCommerce location"), null=True, blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    state = models.CharField(_("state"), max_length=10, choices=SyncState.choices, default=SyncState.PENDING)
    last_error = models.TextField(_("last error"), blank=True)
    # The location's name in BigCommerce when last read or written (the pages show it).
    remote_name = models.CharField(_("BigCommerce location name"), max_length=255, blank=True)
    # A location Comptoir created: the hash of the fields it last sent (name, address, enabled);
    # a shop whose fields hash otherwise has an update to send (the sweep finds it).
    sent_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shop location")
        verbose_name_plural = _("shop locations")
        constraints = [
            models.UniqueConstraint(fields=["connection", "shop"], name="shop_location_one_per_shop"),
            models.UniqueConstraint(
                fields=["connection", "remote_location_id"],
                condition=Q(remote_location_id__isnull=False),
                name="shop_location_one_per_location",
            ),
        ]

    def __str__(self):
        return f"{self.shop_id} ↔ {self.remote_location_id or '…'} ({self.state})"
