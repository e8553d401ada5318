"""Which shop is which BigCommerce location, for support: read the rows, retry a refused one."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from integrations.admin.common import ReadOnlyAdmin, run_action
from integrations.errors import WrongStep
from integrations.models import ShopLocation
from integrations.services.locations import shop_location_retry


@admin.register(ShopLocation)
class ShopLocationAdmin(ReadOnlyAdmin):
    list_display = ("shop", "merchant", "store", "remote_location_id", "remote_name", "origin", "state", "updated_at")
    list_filter = ("state", "origin")
    search_fields = ("shop__name", "connection__merchant__name", "connection__store_hash", "remote_name")
    search_help_text = _("Shop, merchant, store hash or location name.")
    list_select_related = ("shop", "connection__merchant")
    fields = (
        "connection",
        "shop",
        "remote_location_id",
        "remote_name",
        "origin",
        "state",
        "last_error",
        "sent_hash",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    actions = ["retry"]

    @admin.display(description=_("merchant"))
    def merchant(self, obj):
        return obj.connection.merchant

    @admin.display(description=_("store"))
    def store(self, obj):
        return obj.connection.store_hash

    @admin.action(description=_("Try again (create, link or update the location)"))
    def retry(self, request, queryset):
        def call(row):
            if shop_location_retry(merchant=row.connection.merchant, row_id=row.pk) is None:
                raise WrongStep(_("the connection is not live: nothing to retry."))

        run_action(self, request, queryset, call, lambda n: _("%(n)s locations queued.") % {"n": n})
