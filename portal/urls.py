from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from portal import devices, shops

portal_patterns = [
    path("settings/devices/", devices.device_list, name="device_list"),
    path("settings/devices/issue/", devices.device_issue, name="device_issue"),
    path("settings/devices/<int:pk>/revoke/", devices.device_revoke, name="device_revoke"),
    path("settings/devices/<int:pk>/shop/", devices.device_move, name="device_move"),
    path("settings/shops/", shops.shop_list_page, name="shop_list"),
    path("settings/shops/add/", shops.shop_add, name="shop_add"),
    path("settings/shops/<int:pk>/", shops.shop_edit, name="shop_edit"),
    path("settings/shops/<int:pk>/deactivate/", shops.shop_deactivate, name="shop_deactivate"),
    path("settings/shops/<int:pk>/activate/", shops.shop_activate, name="shop_activate"),
    path("shop/", shops.shop_switch, name="shop_switch"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("", include("backoffice.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("catalog/", include("catalog.urls")),
    path("integrations/", include("integrations.urls")),
    path("", include("inventory.urls")),
    path("admin/", admin.site.urls),
    path("", include("operations.urls")),
]

if settings.COMPTOIR_SERVE_MEDIA:
    # Product images must be fetchable by BigCommerce at a public URL, in production too,
    # unless a front server or object storage serves MEDIA_URL.
    urlpatterns.append(
        re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )
