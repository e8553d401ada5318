"""Control panel routes (/manage/...)."""

from __future__ import annotations

from ..web import route_table
from . import catalog_pages as c
from . import pickup_pages as p
from . import store_pages as s

NO_TX = {"in_tx": False}


def build():
    S = "/stores/{store_hash}"
    return route_table(
        ("GET", "/", s.stores_page),
        ("POST", "/stores", s.stores_post),
        ("GET", S + "/", c.products_page),
        ("GET", S + "/products/{product_id}", c.product_page),
        ("POST", S + "/products/{product_id}/stock", c.product_stock_post),
        ("POST", S + "/products/{product_id}/channels", c.product_channels_post),
        ("POST", S + "/products/{product_id}/visibility", c.product_visibility_post),
        ("GET", S + "/locations", c.locations_page),
        ("POST", S + "/pickup-methods", p.pickup_methods_post),
        ("GET", S + "/orders", s.orders_page),
        ("POST", S + "/orders", s.orders_post, NO_TX),
        ("GET", S + "/orders/{order_id}", s.order_page),
        ("POST", S + "/orders/{order_id}/refund", s.order_refund_post),
        ("POST", S + "/orders/{order_id}/status", s.order_status_post),
        ("GET", S + "/apps", s.apps_page),
        ("GET", S + "/apps/{client_id}/open", s.app_open),
        ("POST", S + "/apps/{client_id}/uninstall", s.app_uninstall_post, NO_TX),
        ("POST", S + "/apps/{client_id}/remove-user", s.app_remove_user_post, NO_TX),
        ("GET", S + "/api-accounts", s.api_accounts_page),
        ("POST", S + "/api-accounts", s.api_accounts_post),
        ("GET", S + "/webhooks", s.webhooks_page),
        ("POST", S + "/webhooks/retry-now", s.webhooks_retry_post),
        ("GET", S + "/requests", s.requests_page),
    )
