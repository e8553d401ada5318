"""Django admin for support staff: read the connections, the journal and the webhook inbox.

Support reads; the flows write. Nothing here can be added, edited or deleted by hand (a hand
edit of a connection, a binding or a journal line would disagree with BigCommerce or with what
happened); what support may do is an admin action that calls the same service the merchant's
pages call, and so journals itself.
"""

import json
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from integrations.errors import ConnectRefused, WrongStep
from integrations.models import (
    BigCommerceConnection,
    ProductAssignment,
    ProductLink,
    StockPush,
    SyncEvent,
    SyncRun,
    UsedSignedPayload,
    VariantLink,
    WebhookEvent,
)
from integrations.redaction import size_bounded
from integrations.services import connection as connection_services
from integrations.services.stock_support import stock_push_retry
from integrations.services.support import sync_event_retry, webhook_event_retry
from integrations.services.sync_now import sync_now_start


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable only: no add, change or delete, for superusers too."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _pretty_json(value) -> str:
    if not value:
        return "—"
    # Bounded as the journal shows it: an entry written before the bound may hold megabytes.
    return format_html("<pre>{}</pre>", json.dumps(size_bounded(value), indent=2, ensure_ascii=False))


def _run_action(modeladmin, request, queryset, call, done_message) -> None:
    """``call(row)`` for each selected row; refusals are reported per row, the rest counted."""
    done = 0
    for row in queryset:
        try:
            call(row)
        except ConnectRefused as exc:
            modeladmin.message_user(request, f"{row}: {exc.message}", messages.WARNING)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)


@admin.register(BigCommerceConnection)
class BigCommerceConnectionAdmin(ReadOnlyAdmin):
    list_display = ("merchant", "store_hash", "store_name", "status", "managed_in", "include_prices", "connected_at")
    list_filter = ("status", "managed_in", "origin", ("merchant", admin.RelatedOnlyFieldListFilter))
    search_fields = (
        "store_hash",
        "store_name",
        "merchant__name",
        "merchant__memberships__user__email",
        "bigcommerce_user_email",
    )
    search_help_text = _("Store hash or name, merchant or the email of one of its users, BigCommerce user's email.")
    list_select_related = ("merchant",)
    # Secrets are never shown; support sees whether they are set. JSON is shown as sentences.
    fieldsets = (
        (_("State"), {"fields": ("merchant", "status", "operation", "last_error", "connected_at", "disconnected_at")}),
        (
            _("Store"),
            {
                "fields": (
                    "store_hash",
                    "store_name",
                    "store_currency",
                    "is_price_entered_with_tax",
                    "control_panel",
                    "origin",
                    "bigcommerce_user_email",
                    "scope",
                )
            },
        ),
        (
            _("Setup answers"),
            {"fields": ("managed_in", "include_prices", "sync_scope", "duplicate_check", "review_done_at")},
        ),
        (_("Created in the store"), {"fields": ("channel_id", "category_id", "webhooks")}),
        (_("Secrets"), {"fields": ("has_token", "has_webhook_secret")}),
        (_("Background work"), {"fields": ("background_work",)}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = (
        "last_error",
        "control_panel",
        "duplicate_check",
        "webhooks",
        "has_token",
        "has_webhook_secret",
        "background_work",
    )
    actions = ["store_facts_read_again", "duplicate_check_again", "setup_retry", "sync_now"]

    @admin.display(description=_("last error"))
    def last_error(self, obj):
        return obj.operation_error_text or "—"

    @admin.display(description=_("control panel"))
    def control_panel(self, obj):
        if not obj.control_panel_url:
            return "—"
        return format_html(
            '<a href="{}" rel="noopener" target="_blank">{}</a>', obj.control_panel_url, obj.control_panel_url
        )

    @admin.display(description=_("duplicate check"))
    def duplicate_check(self, obj):
        state = (obj.preflight or {}).get("state")
        if not state:
            return _("Not run")
        if state == "running":
            return _("Running")
        if state == "failed":
            return _("Failed: %(error)s") % {"error": obj.preflight.get("error") or "—"}
        # Matches are per variant; a product's variants share its key: count products.
        products = len({m.get("key") for m in obj.preflight.get("matches") or []})
        links = sum(1 for choice in (obj.preflight_choices or {}).values() if choice == "link")
        return ngettext(
            "%(count)d product on both sides (%(links)d to link)",
            "%(count)d products on both sides (%(links)d to link)",
            products,
        ) % {"count": products, "links": links}

    @admin.display(description=_("webhooks"))
    def webhooks(self, obj):
        ids = obj.webhook_ids or []
        return ", ".join(str(i) for i in ids) if ids else "—"

    @admin.display(description=_("background work"))
    def background_work(self, obj):
        """django-q2's own admin: the tasks that failed, the schedules, this connection's runs."""
        from django.urls import reverse

        links = [
            (reverse("admin:django_q_failure_changelist"), _("Failed tasks")),
            (reverse("admin:django_q_schedule_changelist"), _("Schedules")),
            (reverse("admin:integrations_syncrun_changelist") + "?" + urlencode({"q": obj.store_hash}), _("Sync runs")),
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    @admin.display(boolean=True, description=_("has access token"))
    def has_token(self, obj):
        return obj.has_token

    @admin.display(boolean=True, description=_("has webhook secret"))
    def has_webhook_secret(self, obj):
        return bool(obj.webhook_secret)

    @admin.action(description=_("Read the store settings again (currency, tax)"))
    def store_facts_read_again(self, request, queryset):
        def call(connection):
            if not connection.is_active or not connection.has_token:
                raise ConnectRefused(_("not connected: there is no store to read."))
            connection_services.connection_store_facts_refresh(connection=connection)

        _run_action(self, request, queryset, call, lambda n: _("%(n)s store readings queued.") % {"n": n})

    @admin.action(description=_("Run the duplicate check again"))
    def duplicate_check_again(self, request, queryset):
        def call(connection):
            connection_services.connection_preflight_start(connection=connection, again=True)

        _run_action(self, request, queryset, call, lambda n: _("%(n)s duplicate checks queued.") % {"n": n})

    @admin.action(description=_("Start a resync (send or check every product again)"))
    def sync_now(self, request, queryset):
        def call(connection):
            if connection.status != BigCommerceConnection.Status.CONNECTED or not connection.has_token:
                raise ConnectRefused(_("not connected: there is nothing to sync."))
            sync_now_start(connection=connection)

        _run_action(self, request, queryset, call, lambda n: _("%(n)s resyncs started.") % {"n": n})

    @admin.action(description=_("Retry failed setup"))
    def setup_retry(self, request, queryset):
        def call(connection):
            connection_services.connection_setup_finish_request(connection=connection)

        _run_action(self, request, queryset, call, lambda n: _("%(n)s setups queued again.") % {"n": n})


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
        return _pretty_json(obj.detail)

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
        return _pretty_json(obj.payload)

    @admin.action(description=_("Process again (events not processed yet)"))
    def process_again(self, request, queryset):
        def call(event):
            webhook_event_retry(event=event)

        _run_action(self, request, queryset, call, lambda n: _("%(n)s webhook events queued again.") % {"n": n})
