from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from integrations.models import (
    BigCommerceConnection,
    ProductAssignment,
    ProductLink,
    SyncEvent,
    SyncRun,
    UsedSignedPayload,
    VariantLink,
    WebhookEvent,
)


@admin.register(BigCommerceConnection)
class BigCommerceConnectionAdmin(admin.ModelAdmin):
    list_display = ("merchant", "store_hash", "store_name", "status", "managed_in", "include_prices", "connected_at")
    list_filter = ("status", "managed_in", "origin")
    search_fields = ("store_hash", "store_name", "merchant__name", "bigcommerce_user_email")
    # Secrets are never shown; support sees that they are set.
    exclude = ("access_token", "webhook_secret")
    readonly_fields = (
        "merchant",
        "status",
        "origin",
        "store_hash",
        "scope",
        "bigcommerce_user_email",
        "managed_in",
        "include_prices",
        "sync_scope",
        "review_done_at",
        "preflight",
        "preflight_choices",
        "store_name",
        "store_currency",
        "is_price_entered_with_tax",
        "control_panel_url",
        "channel_id",
        "category_id",
        "webhook_ids",
        "operation",
        "operation_options",
        "operation_error",
        "connected_at",
        "disconnected_at",
        "created_at",
        "updated_at",
        "has_token",
    )
    actions = ["retry_operation"]

    @admin.display(boolean=True, description=_("has access token"))
    def has_token(self, obj):
        return obj.has_token

    @admin.action(description=_("Retry failed setup"))
    def retry_operation(self, request, queryset):
        from integrations.errors import ConnectRefused
        from integrations.services.connection import connection_setup_finish_request

        done = 0
        for connection in queryset.filter(status=BigCommerceConnection.Status.SETUP_INCOMPLETE):
            try:
                connection_setup_finish_request(connection=connection)
                done += 1
            except ConnectRefused as exc:
                self.message_user(request, f"{connection}: {exc.message}", messages.WARNING)
        self.message_user(request, _("%(n)s setups queued again.") % {"n": done})


@admin.register(SyncEvent)
class SyncEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "merchant", "kind", "direction", "status", "message")
    list_filter = ("status", "kind", "direction")
    search_fields = ("message", "merchant__name", "connection__store_hash")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in SyncEvent._meta.fields]
    list_select_related = ("merchant",)


class VariantLinkInline(admin.TabularInline):
    model = VariantLink
    extra = 0
    can_delete = False
    readonly_fields = ("variant_id", "remote_variant_id", "content_hash")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProductLink)
class ProductLinkAdmin(admin.ModelAdmin):
    """The binder, read-only: which product is which in BigCommerce, and how its sync went."""

    list_display = ("product_id", "store_hash", "remote_product_id", "origin", "state", "synced_at", "unlinked_at")
    list_filter = ("origin", "state")
    search_fields = ("product__name", "variant_links__variant__sku", "store_hash", "=remote_product_id")
    readonly_fields = [f.name for f in ProductLink._meta.fields]
    inlines = [VariantLinkInline]

    def has_add_permission(self, request):
        return False


admin.site.register(ProductAssignment)


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "merchant", "kind", "status", "done", "failed", "total", "finished_at")
    list_filter = ("kind", "status")
    search_fields = ("merchant__name", "connection__store_hash")
    readonly_fields = [f.name for f in SyncRun._meta.fields]

    def has_add_permission(self, request):
        return False


admin.site.register(UsedSignedPayload)


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """The webhook inbox, read-only: what BigCommerce sent, how often, and whether it was processed."""

    list_display = ("received_at", "merchant", "store_hash", "scope", "status", "deliveries")
    list_filter = ("status", "scope")
    search_fields = ("merchant__name", "store_hash", "scope", "event_hash")
    date_hierarchy = "received_at"
    readonly_fields = [f.name for f in WebhookEvent._meta.fields]
    list_select_related = ("merchant",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
