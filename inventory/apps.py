from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from catalog.stock_column import product_stock_breakdown_register, product_stock_expression_register


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")

    def ready(self):
        # Inside ready(): inventory.selectors imports the models, which Django loads after apps.py.
        from inventory.selectors import product_stock_by_shops, product_stock_expression, product_stock_shops_expression

        product_stock_expression_register(product_stock_expression)
        product_stock_breakdown_register(product_stock_by_shops, product_stock_shops_expression)
