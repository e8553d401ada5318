"""The connections, for support: read them, and the actions that call the merchant's own services."""

from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from integrations.admin.common import ReadOnlyAdmin, run_action
from integrations.errors import ConnectRefused
from integrations.models import (
    BigCommerceConnection,
)
from integrations.services import connection as connection_services
from integrations.services.sync_now import sync_now_start


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

        run_action(self, request, queryset, call, lambda n: _("%(n)s store readings queued.") % {"n": n})

    @admin.action(description=_("Run the duplicate check again"))
    def duplicate_check_again(self, request, queryset):
        def call(connection):
            connection_services.connection_preflight_start(connection=connection, again=True)

        run_action(self, request, queryset, call, lambda n: _("%(n)s duplicate checks queued.") % {"n": n})

    @admin.action(description=_("Start a resync (send or check every product again)"))
    def sync_now(self, request, queryset):
        def call(connection):
            if connection.status != BigCommerceConnection.Status.CONNECTED or not connection.has_token:
                raise ConnectRefused(_("not connected: there is nothing to sync."))
            sync_now_start(connection=connection)

        run_action(self, request, queryset, call, lambda n: _("%(n)s resyncs started.") % {"n": n})

    @admin.action(description=_("Retry failed setup"))
    def setup_retry(self, request, queryset):
        def call(connection):
            connection_services.connection_setup_finish_request(connection=connection)

        run_action(self, request, queryset, call, lambda n: _("%(n)s setups queued again.") % {"n": n})
