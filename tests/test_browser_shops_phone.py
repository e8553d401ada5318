"""Shops at a phone's width (390 px): Settings → Shops, the devices and a device's move, the
Register's shop switcher, the dashboard's and the sales list's shop filters and the product's stock
per shop fit the screen with three shops of long names. Screenshots with COMPTOIR_SCREENSHOTS=<dir>."""

import os

import pytest
from django.utils import timezone

from catalog.tests.factories import product_with_options
from inventory.models import StockOrigin
from inventory.services import refund_create, sale_create, stock_set
from portal.tests.factories import DeviceFactory, ShopFactory
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_the_shop_pages_fit_a_phone(page, live_server, merchant, merchant_user):
    shops = [
        ShopFactory(merchant=merchant, name="Gare Part-Dieu", address_line1="5 place Charles Béraudier", city="Lyon"),
        ShopFactory(merchant=merchant, name="Croix-Rousse, boulevard", postal_code="69004", city="Lyon"),
    ]
    product = product_with_options(merchant=merchant, name="Mug en grès émaillé", sku_prefix="MUG-GRES")
    for n, variant in enumerate(product.variants.all()):
        stock_set(merchant=merchant, variant=variant, quantity=7, origin=StockOrigin.INITIAL, idempotency_key=f"i{n}")
        for shop in shops:
            stock_set(merchant=merchant, variant=variant, quantity=3, idempotency_key=f"{shop.pk}-{n}", shop=shop)
    variant = product.variants.first()
    device = DeviceFactory(merchant=merchant, name="Caisse de la gare", shop=shops[0])
    sale = sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="s1", device=device)
    sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="s2", user=merchant_user)
    refund_create(merchant=merchant, sale=sale, lines=[(sale.lines.get(), 1)], idempotency_key="r", shop=shops[1])

    page.set_viewport_size(PHONE)
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    paths = {
        "shops-phone-settings": "/settings/shops/",
        "shops-phone-devices": "/settings/devices/",
        "shops-phone-device-move": f"/settings/devices/{device.pk}/shop/",
        "shops-phone-register": "/register/?q=MUG",
        "shops-phone-dashboard": f"/?shop={shops[0].pk}",
        "shops-phone-stock": f"/catalog/products/{product.pk}/stock/",
        "shops-phone-product": f"/catalog/products/{product.pk}/",
        "shops-phone-sales": "/sales/",
        "shops-phone-sales-day": f"/sales/?day={timezone.localdate(sale.created_at).isoformat()}",
        "shops-phone-sale": f"/sales/{sale.pk}/",
    }
    shots = os.environ.get("COMPTOIR_SCREENSHOTS")
    for name, path in paths.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")  # the product page loads its stock section
        if shots:
            page.screenshot(path=os.path.join(shots, f"{name}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        for wrap in page.query_selector_all(".table-wrap"):
            assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), (path, wrap.inner_html()[:300])
