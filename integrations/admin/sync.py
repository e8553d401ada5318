"""The journal, the bindings, the runs, the stock outbox, the webhook inbox and incidents, for support."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from integrations.admin.common import ReadOnlyAdmin, pretty_json, run_action
from integrations.errors import WrongStep
from integrations.models import (
    Incident,
    ProductAssignment,
    ProductLink,
    StockPush,
    SyncEvent,
    SyncRun,
    UsedSignedPayload,
    VariantLink,
    WebhookEvent,
)
from integrations.services.stock_support import stock_push_retry
from integrations.services.support import sync_event_retry, webhook_event_retry


@admin.register(SyncEvent)
class SyncEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "merchant", "kind", "direction", "status", "message")
    list_filter = ("status", "kind", "direction", ("merchant", admin.RelatedOnlyFieldListFilter))
    # ``detail`` is searched as JSON text: the SKUs, ids and BigCommerce answers it holds.
    search_fields = (
        "message",
        "product_name",
        "sku",
        "detail",
        "merchant__name",
        "merchant__memberships__user__email",
        "connection__store_hash",
        "connection__store_name",
    )
    search_help_text = _(
        "Searches the message (which names the product), the detail (SKUs, ids, what was sent and answered), "
        "the merchant (name or a user's email) and the store."
    )
    date_hierarchy = "created_at"
    list_select_related = ("merchant",)
    fields = (
        "created_at",
        "updated_at",
        "merchant",
        "connection",
        "kind",
        "direction",
        "status",
        "attempts",
        "message",
        "detail_pretty",
    )
    readonly_fields = ("detail_pretty",)
    actions = ["retry"]

    @admin.display(description=_("detail"))
    def detail_pretty(self, obj):
        return pretty_json(obj.detail)

    @admin.action(description=_("Retry what these failed entries are about"))
    def retry(self, request, queryset):
        """The merchant's Retry, for support: a failed product push or a failed event from BigCommerce."""
        done = 0
        for event in queryset.select_related("connection"):
            try:
                sync_event_retry(event=event)
            except WrongStep as exc:
                self.message_user(request, f"#{event.pk}: {exc}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(n)s retries started.") % {"n": done}, messages.SUCCESS)


class VariantLinkInline(admin.TabularInline):
    model = VariantLink
    extra = 0
    can_delete = False
    readonly_fields = ("variant_id", "remote_variant_id", "content_hash")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProductLink)
class ProductLinkAdmin(ReadOnlyAdmin):
    """The binder: which product is which in BigCommerce, and how its sync went."""

    list_display = ("product_id", "store_hash", "remote_product_id", "origin", "state", "synced_at", "unlinked_at")
    list_filter = ("origin", "state", ("merchant", admin.RelatedOnlyFieldListFilter))
    search_fields = (
        "product__name",
        "variant_links__variant__sku",
        "store_hash",
        "=remote_product_id",
        "merchant__name",
        "merchant__memberships__user__email",
    )
    inlines = [VariantLinkInline]


@admin.register(ProductAssignment)
class ProductAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("product", "merchant", "assigned_at", "unassigned_at")
    list_filter = (("merchant", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("product__name", "merchant__name", "merchant__memberships__user__email")
    list_select_related = ("product", "merchant")


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "merchant", "kind", "status", "done", "failed", "total", "finished_at")
    list_filter = ("kind", "status", ("merchant", admin.RelatedOnlyFieldListFilter))
    search_fields = ("merchant__name", "merchant__memberships__user__email", "connection__store_hash")


@admin.register(StockPush)
class StockPushAdmin(ReadOnlyAdmin):
    """The stock outbox: changes waiting for BigCommerce, sent, or sent with the answer lost."""

    list_display = (
        "created_at",
        "connection",
        "movement_id",
        "variant_link",
        "delta",
        "state",
        "attempts",
        "batch",
        "sent_at",
    )
    list_filter = ("state", ("connection__merchant", admin.RelatedOnlyFieldListFilter))
    search_fields = (
        "connection__store_hash",
        "batch",
        "=movement_id",
        "connection__merchant__name",
        "connection__merchant__memberships__user__email",
        "variant_link__variant__sku",
    )
    search_help_text = _("Store hash, batch, movement id, SKU, merchant or the email of one of its users.")
    list_select_related = ("connection__merchant", "variant_link")
    actions = ["retry"]

    @admin.action(description=_("Retry (send again, or settle a lost answer by a stock check)"))
    def retry(self, request, queryset):
        counts = stock_push_retry(
            pushes=list(queryset.select_related("connection")), requested_by=request.user.get_username()
        )
        if counts["send"]:
            self.message_user(
                request,
                ngettext(
                    "%(count)d stock change queued to be sent again.",
                    "%(count)d stock changes queued to be sent again.",
                    counts["send"],
                )
                % {"count": counts["send"]},
                messages.SUCCESS,
            )
        if counts["check"]:
            self.message_user(
                request,
                ngettext(
                    "%(count)d stock change whose answer was lost handed to a stock check.",
                    "%(count)d stock changes whose answer was lost handed to a stock check.",
                    counts["check"],
                )
                % {"count": counts["check"]},
                messages.SUCCESS,
            )
        if counts["skipped"]:
            self.message_user(
                request,
                ngettext(
                    "%(count)d stock change was already sent: nothing to retry.",
                    "%(count)d stock changes were already sent: nothing to retry.",
                    counts["skipped"],
                )
                % {"count": counts["skipped"]},
                messages.WARNING,
            )


@admin.register(UsedSignedPayload)
class UsedSignedPayloadAdmin(ReadOnlyAdmin):
    list_display = ("jti", "store_hash", "used_at", "expires_at")
    search_fields = ("jti", "store_hash")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    """The webhook inbox: what BigCommerce sent, how often, and whether it was processed."""

    list_display = ("received_at", "merchant", "store_hash", "scope", "status", "deliveries")
    list_filter = ("status", "scope", ("merchant", admin.RelatedOnlyFieldListFilter))
    search_fields = (
        "merchant__name",
        "merchant__memberships__user__email",
        "store_hash",
        "scope",
        "event_hash",
        "payload",
    )
    date_hierarchy = "received_at"
    list_select_related = ("merchant",)
    fields = (
        "received_at",
        "merchant",
        "connection",
        "store_hash",
        "scope",
        "status",
        "deliveries",
        "processed_at",
        "event_created_at",
        "event_hash",
        "webhook_id",
        "payload_pretty",
    )
    readonly_fields = ("payload_pretty",)
    actions = ["process_again"]

    @admin.display(description=_("payload"))
    def payload_pretty(self, obj):
        return pretty_json(obj.payload)

    @admin.action(description=_("Process again (events not processed yet)"))
    def process_again(self, request, queryset):
        def call(event):
            webhook_event_retry(event=event)

        run_action(self, request, queryset, call, lambda n: _("%(n)s webhook events queued again.") % {"n": n})


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    """What needs a merchant (emailed once, on their Overview until resolved), for support."""

    list_display = ("opened_at", "merchant", "kind", "subject_name", "occurrences", "emailed_at", "resolved_at")
    list_filter = (
        "kind",
        ("resolved_at", admin.EmptyFieldListFilter),
        ("emailed_at", admin.EmptyFieldListFilter),
        "resolved_how",
        ("merchant", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("subject", "subject_name", "merchant__name", "connection__store_hash")
    date_hierarchy = "opened_at"
    list_select_related = ("merchant",)
    fields = (
        "merchant",
        "connection",
        "kind",
        "subject",
        "subject_name",
        "event",
        "opened_at",
        "last_seen_at",
        "occurrences",
        "emailed_at",
        "resolved_at",
        "resolved_how",
        "resolved_by",
    )
