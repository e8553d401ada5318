"""The transport's and the inbox's rows: used signed payloads, the shared pacing state, the webhook inbox."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.models.connection import BigCommerceConnection
from portal.models import Merchant


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
        # A drain reads a connection's pending events (``inbox.drain``), whatever the inbox's history.
        indexes = [models.Index(fields=["connection", "status"], name="webhook_event_pending")]

    def __str__(self):
        return f"{self.scope} ({self.store_hash})"
