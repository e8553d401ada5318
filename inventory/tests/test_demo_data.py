from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from catalog.barcodes import barcode_check_digit
from catalog.models import Product, ProductImage, ProductVideo, Variant
from inventory.demo.catalog_data import OWNER, PRODUCTS, SUPPORT
from inventory.management.commands.demo_data import IMAGES_DIR, demo_image_names
from inventory.models import StockLevel, StockMovement, StockOrigin
from inventory.services import stock_adjust
from portal.models import Merchant, Shop, User

pytestmark = pytest.mark.django_db


def _run():
    call_command("demo_data", stdout=StringIO())
    return Merchant.objects.get(memberships__user__email=OWNER["email"])


def _counts(merchant):
    return {
        "merchants": Merchant.objects.count(),
        "users": User.objects.count(),
        "products": Product.objects.filter(merchant=merchant).count(),
        "variants": Variant.objects.filter(merchant=merchant).count(),
        "images": ProductImage.objects.filter(product__merchant=merchant).count(),
        "videos": ProductVideo.objects.filter(product__merchant=merchant).count(),
        "ledger": StockMovement.objects.filter(merchant=merchant).count(),
        "stock": StockLevel.objects.filter(merchant=merchant).aggregate(total=Sum("quantity"))["total"],
    }


def test_creates_the_demo_merchant_and_both_logins(client):
    merchant = _run()
    assert merchant.name == "Comptoir Démo — Maison Lumière"
    assert (merchant.country, merchant.currency, str(merchant.default_vat_rate)) == ("FR", "EUR", "20.00")
    assert client.login(email=OWNER["email"], password=OWNER["password"])
    support = User.objects.get(email=SUPPORT["email"])
    assert support.is_staff and support.is_superuser
    assert client.login(email=SUPPORT["email"], password=SUPPORT["password"])


def test_catalog_has_about_forty_products_with_the_shared_skus():
    merchant = _run()
    assert 38 <= Product.objects.filter(merchant=merchant).count() == len(PRODUCTS) <= 45
    skus = set(Variant.objects.filter(merchant=merchant).values_list("sku", flat=True))
    assert {"DEMO-MUG-BLUE", "DEMO-TOTE-NATURAL", "DEMO-CANDLE-FIG"} <= skus
    sweater = Product.objects.get(merchant=merchant, name="Pull marin rayé")
    assert sweater.variants.count() == 24
    assert list(sweater.options.values_list("name", flat=True)) == ["Taille", "Couleur"]
    tshirt = Product.objects.get(merchant=merchant, name="T-shirt en coton bio")
    assert tshirt.options.count() == 3
    assert Product.objects.get(merchant=merchant, name="Confiture d'abricot").vat_rate == 5.5
    assert not Product.objects.get(merchant=merchant, name="Emballage cadeau").track_stock
    assert ProductVideo.objects.filter(product__merchant=merchant).count() >= 2


def test_every_variant_has_its_options_a_unique_sku_and_a_valid_in_store_barcode():
    merchant = _run()
    variants = list(Variant.objects.filter(merchant=merchant).prefetch_related("option_values", "product__options"))
    skus = [v.sku.lower() for v in variants]
    assert all(skus) and len(set(skus)) == len(skus)
    barcodes = [v.barcode for v in variants]
    assert len(set(barcodes)) == len(barcodes)
    for code in barcodes:
        assert len(code) == 13 and code.isdigit() and code.startswith("2")
        assert int(code[-1]) == barcode_check_digit(code[:-1])
    for variant in variants:
        assert len(variant.option_values.all()) == len(variant.product.options.all())
        assert variant.price > 0


def test_initial_stock_is_in_the_ledger_and_matches_the_levels():
    merchant = _run()
    tracked = Variant.objects.filter(merchant=merchant, product__track_stock=True)
    for variant in tracked:
        movement = StockMovement.objects.get(merchant=merchant, idempotency_key=f"demo:initial:{variant.sku}")
        assert movement.origin == StockOrigin.INITIAL
        assert movement.variant == variant
        level = StockLevel.objects.get(variant=variant, shop=movement.shop)
        assert movement.level_after == movement.delta == level.quantity >= 0
    assert StockMovement.objects.filter(merchant=merchant).exclude(origin=StockOrigin.INITIAL).count() == 0
    assert not StockMovement.objects.filter(variant__product__track_stock=False).exists()
    quantities = list(StockLevel.objects.filter(merchant=merchant).values_list("quantity", flat=True))
    assert 0 in quantities and any(0 < q <= 3 for q in quantities)


def test_images_are_stored_through_django_storage():
    merchant = _run()
    expected = sum(len(demo_image_names(p)) for p in PRODUCTS)
    images = ProductImage.objects.filter(product__merchant=merchant)
    assert images.count() == expected
    image = images.first()
    assert image.image.url.startswith("/media/products/")
    assert image.image.storage.exists(image.image.name)


def test_shipped_images_exist_and_are_small():
    for product in PRODUCTS:
        for name in demo_image_names(product):
            path = IMAGES_DIR / name
            assert path.exists(), f"missing {name}: run scripts/make_demo_images.py"
            assert path.stat().st_size <= 40 * 1024


def test_running_twice_changes_nothing():
    merchant = _run()
    before = _counts(merchant)
    levels = sorted(StockLevel.objects.values_list("variant_id", "shop_id", "quantity"))
    _run()
    assert _counts(merchant) == before
    assert sorted(StockLevel.objects.values_list("variant_id", "shop_id", "quantity")) == levels


def test_a_rerun_keeps_stock_the_demo_has_changed_since():
    merchant = _run()
    level = StockLevel.objects.filter(merchant=merchant, quantity__gt=0).select_related("variant", "shop").first()
    stock_adjust(
        merchant=merchant,
        variant=level.variant,
        delta=-1,
        origin=StockOrigin.POS_SALE,
        idempotency_key="test:sale",
        shop=level.shop,
    )
    _run()
    assert StockLevel.objects.get(pk=level.pk).quantity == level.quantity - 1


def test_a_rerun_leaves_products_the_merchant_edited_alone():
    merchant = _run()
    mug = Variant.objects.get(merchant=merchant, sku="DEMO-MUG-BLUE")
    Variant.objects.filter(pk=mug.pk).update(sku="MUG-BLEU")
    before = _counts(merchant)
    _run()
    assert _counts(merchant) == before
    assert not Variant.objects.filter(merchant=merchant, sku="DEMO-MUG-BLUE").exists()


def test_the_demo_merchant_has_two_shops_with_stock_in_each():
    merchant = _run()
    shops = list(Shop.objects.filter(merchant=merchant))
    assert [(s.name, s.is_primary) for s in shops] == [
        (merchant.name, True),
        ("Maison Lumière — Croix-Rousse", False),
    ]
    for shop in shops:
        assert shop.address_line1 and shop.city == "Lyon", shop.name  # each has an address to show
        levels = StockLevel.objects.filter(shop=shop)
        assert levels.filter(quantity__gt=0).count() > 20, shop.name
        for level in levels.select_related("variant"):  # each level is its ledger's sum
            rows = StockMovement.objects.filter(shop=shop, variant=level.variant)
            assert rows.aggregate(total=Sum("delta"))["total"] == level.quantity
