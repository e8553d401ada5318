"""Incidents: something that needs the merchant (a product BigCommerce refused, access lost…),
opened once, emailed once, shown on the Overview until it is resolved."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from integrations.models.connection import BigCommerceConnection
from integrations.models.journal import SyncEvent
from portal.models import Merchant


class Incident(models.Model):
    """One condition of one subject (a product, a variant, the connection), open until it clears.
    A repeat while it is open counts an occurrence (no new incident, no new email)."""

    class Kind(models.TextChoices):
        PRODUCT_REFUSED = "product_refused", _("Product refused by BigCommerce")
        TOKEN_REVOKED = "token_revoked", _("Access to the store refused")
        APP_UNINSTALLED = "app_uninstalled", _("App uninstalled in BigCommerce")
        STOCK_PUSH_REFUSED = "stock_push_refused", _("Stock refused by BigCommerce")
        WEBHOOKS_DEACTIVATED = "webhooks_deactivated", _("Webhooks deactivated by BigCommerce")
        STOCK_DRIFT = "stock_drift", _("Stock check corrected differences")

    class Resolution(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatically")
        MERCHANT = "merchant", _("By the merchant")

    # No automatic resolution exists: the merchant says they have seen to it.
    MANUAL_KINDS = (Kind.STOCK_DRIFT, Kind.APP_UNINSTALLED)

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="incidents")
    connection = models.ForeignKey(
        BigCommerceConnection, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # What it is about: "product:12", "variant:34", or empty for the connection as a whole.
    subject = models.CharField(_("subject"), max_length=100, blank=True, default="")
    subject_name = models.CharField(_("about"), max_length=250, blank=True, default="")
    # The journal entry of its latest occurrence (the journal is pruned: it may be gone).
    event = models.ForeignKey(SyncEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), auto_now_add=True)
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_how = models.CharField(_("resolved how"), max_length=10, choices=Resolution.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            # Two workers noticing the same thing at once touch one incident, never open two.
            models.UniqueConstraint(
                fields=["merchant", "kind", "subject"], condition=Q(resolved_at__isnull=True), name="incident_one_open"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "resolved_at"], name="incident_merchant_resolved"),
            models.Index(fields=["emailed_at", "opened_at"], name="incident_email_due"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.subject_name or self.subject}".strip()

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def manual(self) -> bool:
        """The merchant resolves it (Mark resolved): nothing tells Comptoir it cleared."""
        return self.kind in self.MANUAL_KINDS

    @property
    def summary(self) -> str:
        """What happened, in the reader's language."""
        name = self.subject_name
        return {
            self.Kind.PRODUCT_REFUSED: lambda: gettext("BigCommerce refused the product %(name)s.") % {"name": name},
            self.Kind.TOKEN_REVOKED: lambda: gettext(
                "BigCommerce refused Comptoir's access to your store: the access was revoked or the app removed."
            ),
            self.Kind.APP_UNINSTALLED: lambda: gettext(
                "The Comptoir app was uninstalled in BigCommerce: products and stock no longer sync."
            ),
            self.Kind.STOCK_PUSH_REFUSED: lambda: (
                gettext("BigCommerce keeps refusing the stock of %(name)s: its level there may be wrong.")
                % {"name": name}
            ),
            self.Kind.WEBHOOKS_DEACTIVATED: lambda: gettext(
                "BigCommerce deactivated Comptoir's webhooks after failed deliveries: changes made in "
                "BigCommerce reached Comptoir late."
            ),
            self.Kind.STOCK_DRIFT: lambda: (
                ngettext(
                    "A stock check found %(count)s variant whose stock differed in BigCommerce and corrected it.",
                    "A stock check found %(count)s variants whose stock differed in BigCommerce and corrected them.",
                    self.corrected,
                )
                % {"count": self.corrected}
            ),
        }[self.kind]()

    @property
    def advice(self) -> str:
        """What to do about it, in the reader's language."""
        return {
            self.Kind.PRODUCT_REFUSED: lambda: gettext(
                "Open the journal entry to see BigCommerce's reason, fix the product, and save it: it is sent again."
            ),
            self.Kind.TOKEN_REVOKED: lambda: gettext(
                "Install the Comptoir app again from your BigCommerce control panel, or disconnect and connect again."
            ),
            self.Kind.APP_UNINSTALLED: lambda: gettext(
                "If that was not intended, connect again. Otherwise, mark this resolved."
            ),
            self.Kind.STOCK_PUSH_REFUSED: lambda: gettext(
                "Open the journal entry to see BigCommerce's reason; check the variant exists in BigCommerce "
                "and run a stock check."
            ),
            self.Kind.WEBHOOKS_DEACTIVATED: lambda: gettext(
                "Comptoir registers them again by itself (every hour until it works). If it keeps happening, "
                "contact support."
            ),
            self.Kind.STOCK_DRIFT: lambda: gettext(
                "Comptoir's stock is kept. If the differences were unexpected (sales not recorded in one place), "
                "look into them, then mark this resolved."
            ),
        }[self.kind]()

    @property
    def corrected(self) -> int:
        """A stock check's count of corrected variants (its journal entry says which)."""
        return int((self.event.params or {}).get("count", 0)) if self.event_id and self.event else 0
