from django.urls import path, re_path

from inventory.api import views as api
from inventory.views import register, sales, stock, transfers

app_name = "inventory"
urlpatterns = [
    path("catalog/products/<int:pk>/stock/", stock.product_stock, name="product_stock"),
    path("register/", register.register, name="register"),
    path("register/cart/", register.register_cart, name="register_cart"),
    path("register/sell/", register.register_sell, name="register_sell"),
    path("sales/", sales.sale_list, name="sale_list"),
    path("stock/low/", stock.low_stock, name="low_stock"),
    path("stock/transfers/", transfers.transfer_list_view, name="transfer_list"),
    path("stock/transfers/<int:pk>/", transfers.transfer_detail, name="transfer_detail"),
    path("sales/<int:pk>/", sales.sale_detail, name="sale_detail"),
    path("sales/<int:pk>/refund/", sales.sale_refund, name="sale_refund"),
    path("api/v1/products", api.products, name="api_products"),
    path("api/v1/purchases", api.purchases, name="api_purchases"),
    path("api/v1/purchases/<int:pk>", api.purchase_detail, name="api_purchase_detail"),
    path("api/v1/purchases/<int:pk>/refunds", api.purchase_refunds, name="api_purchase_refunds"),
    path("api/v1/transfers", api.transfers, name="api_transfers"),
    re_path(r"^api/", api.not_found),  # last: any other address under /api/ answers in the API's shape
]
