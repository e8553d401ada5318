"""The admin's merchant page: it lives here because the currency is read-only while another
app refuses the change (``backoffice.refusals``), as on the merchant's settings page."""

from django.contrib import admin

from backoffice.refusals import currency_refusals
from portal.admin import DeviceInline, MembershipInline
from portal.models import Merchant


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "currency", "default_vat_rate", "created_at"]
    list_filter = ["country", "currency"]
    search_fields = ["name", "memberships__user__email"]
    inlines = [MembershipInline, DeviceInline]

    def get_readonly_fields(self, request, obj=None):
        # The same refusals as the merchant's settings page (sales recorded, a store connected).
        if obj is not None and currency_refusals(merchant=obj):
            return [*super().get_readonly_fields(request, obj), "currency"]
        return super().get_readonly_fields(request, obj)
