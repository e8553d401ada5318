from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")

    def ready(self):
        from inventory.locks import sales_currency_lock
        from portal.locks import currency_lock_register

        currency_lock_register(key="sales", check=sales_currency_lock)
