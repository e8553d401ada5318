"""Support staff's view of stock: the ledger is read-only; sales and refunds are inspected, not edited."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from inventory.models import Refund, RefundLine, Sale, SaleLine, StockLevel, StockMovement, Transfer


class ReadOnlyAdminMixin:
    """Rows written only by inventory services: no add, change or delete from the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "merchant",
        "variant_sku",
        "variant",
        "origin",
        "delta",
        "level_after",
        "why",
        "user",
        "device",
    ]
    list_filter = ["origin", ("created_at", admin.DateFieldListFilter), ("merchant", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "variant__sku",
        "variant__barcode",
        "variant__product__name",
        "merchant__name",
        "merchant__memberships__user__email",
        "idempotency_key",
    ]
    list_select_related = ["merchant", "variant__product", "user", "device"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("SKU"), ordering="variant__sku")
    def variant_sku(self, obj):
        return obj.variant.sku

    @admin.display(description=_("Why"))
    def why(self, obj):
        """The reason in the reader's language, and the note a person typed."""
        return " · ".join(part for part in (obj.reason_label, obj.note) if part)


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["variant", "variant_sku", "merchant", "quantity", "updated_at"]
    list_filter = [("merchant", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "variant__sku",
        "variant__barcode",
        "variant__product__name",
        "merchant__name",
        "merchant__memberships__user__email",
    ]
    list_select_related = ["merchant", "variant__product"]

    @admin.display(description=_("SKU"), ordering="variant__sku")
    def variant_sku(self, obj):
        return obj.variant.sku


class SaleLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SaleLine
    fields = ["description", "sku", "quantity", "unit_price", "variant"]
    readonly_fields = fields
    extra = 0


class RefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Refund
    fields = ["created_at", "total", "user", "device", "idempotency_key"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Sale)
class SaleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "merchant", "created_at", "total", "currency", "user", "device"]
    list_filter = [
        ("created_at", admin.DateFieldListFilter),
        "currency",
        ("merchant", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "=id",
        "merchant__name",
        "merchant__memberships__user__email",
        "user__email",
        "lines__sku",
        "lines__variant__barcode",
        "idempotency_key",
    ]
    list_select_related = ["merchant", "user", "device"]
    inlines = [SaleLineInline, RefundInline]
    date_hierarchy = "created_at"


class RefundLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RefundLine
    fields = ["sale_line", "quantity"]
    readonly_fields = fields
    extra = 0


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "merchant", "sale", "created_at", "total", "user", "device"]
    list_filter = [("created_at", admin.DateFieldListFilter), ("merchant", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "=id",
        "=sale__id",
        "merchant__name",
        "merchant__memberships__user__email",
        "user__email",
        "lines__sale_line__sku",
        "idempotency_key",
    ]
    list_select_related = ["merchant", "sale", "user", "device"]
    inlines = [RefundLineInline]


class TransferMovementInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A transfer's ledger rows: per variant, one out of the source shop and one into the destination."""

    model = StockMovement
    fields = ["shop", "variant", "delta", "level_after", "allocation", "idempotency_key"]
    readonly_fields = fields
    extra = 0


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "merchant", "from_shop", "to_shop", "created_at", "user", "device", "note"]
    list_filter = [("created_at", admin.DateFieldListFilter), ("merchant", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "=id",
        "merchant__name",
        "merchant__memberships__user__email",
        "from_shop__name",
        "to_shop__name",
        "movements__variant__sku",
        "idempotency_key",
    ]
    list_select_related = ["merchant", "from_shop", "to_shop", "user", "device"]
    inlines = [TransferMovementInline]
    date_hierarchy = "created_at"
    show_full_result_count = False
