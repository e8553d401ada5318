"""``manage.py demo_data``: the demo boutique, its two logins and its catalog with stock and images.

Idempotent (``make run`` calls it on every start): the users and the merchant are created when
missing, and the catalog once, in one transaction, while the merchant has no products at all.
After that the catalog is the merchant's: a rerun neither re-creates a product they edited or
deleted nor touches stock. Initial stock goes through the stock service (origin "initial", key
``demo:initial:<sku>``), so the ledger explains every level from the start.
"""

import itertools
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify

from catalog.barcodes import barcode_check_digit
from catalog.models import Product
from catalog.services import (
    OptionSpec,
    ProductFields,
    VariantSpec,
    category_create,
    folder_create,
    product_create,
    product_image_add,
    product_video_add,
)
from inventory.demo.catalog_data import MERCHANT, OWNER, PRIMARY_SHOP_ADDRESS, PRODUCTS, SECOND_SHOP, SUPPORT
from inventory.models import StockOrigin
from inventory.reasons import ReasonCode
from inventory.services import stock_set
from portal.models import Membership, Merchant, Shop, User
from portal.services import merchant_create, shop_create, shop_primary, shop_update

IMAGES_DIR = Path(__file__).resolve().parents[2] / "demo" / "images"


def demo_barcode(number: int, position: int) -> str:
    """An EAN-13 in the GS1 in-store range (prefix 20), so it can never be a real product's."""
    digits = f"20{number:05d}{position:05d}"
    return digits + str(barcode_check_digit(digits))


def demo_image_names(data: dict) -> list[str]:
    """``<slug>.jpg``, ``<slug>-2.jpg``… one per entry of the product's ``art``."""
    return [f"{data['slug']}{'' if i == 0 else f'-{i + 1}'}.jpg" for i in range(len(data["art"]))]


def demo_variant_rows(data: dict) -> list[dict]:
    """One row per variant: its option values (in option order), SKU, price and initial stock."""
    options = data.get("options", {})
    combos = list(itertools.product(*options.values())) if options else [()]
    stock = data.get("stock", 0)
    stocks = stock if isinstance(stock, list) else [stock] * len(combos)
    assert len(stocks) == len(combos), f"{data['slug']}: {len(combos)} variants but {len(stocks)} stock levels"
    price_by_value = data.get("price_by_value", {})
    rows = []
    for combo, quantity in zip(combos, stocks, strict=True):
        sku = "-".join([data["sku_prefix"], *(slugify(v).upper() for v in combo)]) if combo else data["sku"]
        price = next((price_by_value[v] for v in combo if v in price_by_value), data["price"])
        rows.append({"values": combo, "sku": sku, "price": price, "stock": quantity})
    return rows


def _user_ensure(*, email: str, password: str, superuser: bool = False, **names) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        create = User.objects.create_superuser if superuser else User.objects.create_user
        user = create(email=email, password=password, **names)
    return user


def _merchant_ensure(owner: User) -> Merchant:
    membership = Membership.objects.filter(user=owner).select_related("merchant").first()
    if membership is not None:
        return membership.merchant
    return merchant_create(
        name=MERCHANT["name"],
        country=MERCHANT["country"],
        currency=MERCHANT["currency"],
        default_vat_rate=Decimal(MERCHANT["default_vat_rate"]),
        owner=owner,
    )


def _primary_address_fill(merchant: Merchant) -> None:
    """The primary shop gets the demo boutique's address when it has none (the Shops page shows it)."""
    shop = shop_primary(merchant=merchant)
    if not shop.address_line1:
        shop_update(shop=shop, name=shop.name, country=shop.country, **PRIMARY_SHOP_ADDRESS)


def _second_shop_ensure(merchant: Merchant) -> Shop:
    shop = Shop.objects.filter(merchant=merchant, is_primary=False).order_by("pk").first()
    return shop or shop_create(merchant=merchant, **SECOND_SHOP)


def _product_create(*, merchant: Merchant, number: int, data: dict, user: User, second: Shop) -> Product:
    seo = data.get("seo", {})
    fields = ProductFields(
        name=data["name"],
        description=data["description"],
        category=category_create(merchant=merchant, name=data["category"]),
        folder=folder_create(merchant=merchant, name=data["folder"]) if "folder" in data else None,
        vat_rate=Decimal(data["vat"]),
        shipping_weight_grams=data.get("weight"),
        seo_title=seo.get("title", ""),
        seo_description=seo.get("description", ""),
        search_keywords=seo.get("keywords", ""),
        track_stock=data.get("track_stock", True),
        low_stock_level=data.get("low_stock"),
    )
    options = [OptionSpec(name=name, values=tuple(values)) for name, values in data.get("options", {}).items()]
    rows = demo_variant_rows(data)
    specs = [
        VariantSpec(
            combination=tuple(zip(data.get("options", {}), row["values"], strict=True)),
            sku=row["sku"],
            barcode=demo_barcode(number, position),
            price=row["price"],
            cost_price=data.get("cost"),
        )
        for position, row in enumerate(rows)
    ]
    product = product_create(merchant=merchant, fields=fields, variants=specs, options=options)
    if product.track_stock:
        variants = {v.sku: v for v in product.variants.select_related("product")}
        for row in rows:
            stock_set(
                merchant=merchant,
                variant=variants[row["sku"]],
                quantity=row["stock"],
                origin=StockOrigin.INITIAL,
                idempotency_key=f"demo:initial:{row['sku']}",
                reason_code=ReasonCode.DEMO,
                user=user,
            )
            if row["stock"]:  # the second shop: about half as much again
                stock_set(
                    merchant=merchant,
                    variant=variants[row["sku"]],
                    quantity=(row["stock"] + 1) // 2,
                    origin=StockOrigin.INITIAL,
                    idempotency_key=f"demo:initial:{row['sku']}:shop2",
                    reason_code=ReasonCode.DEMO,
                    user=user,
                    shop=second,
                )
    for filename in demo_image_names(data):
        upload = SimpleUploadedFile(filename, (IMAGES_DIR / filename).read_bytes(), content_type="image/jpeg")
        product_image_add(product=product, image=upload, alt_text=data["name"])
    if "video" in data:
        product_video_add(product=product, url=data["video"]["youtube_id"], title=data["video"]["title"])
    return product


class Command(BaseCommand):
    help = "Create the demo merchant, its logins and its catalog with stock and images (a rerun changes nothing)."

    def handle(self, *args, **options):
        _user_ensure(**SUPPORT, superuser=True)
        owner = _user_ensure(**OWNER)
        merchant = _merchant_ensure(owner)
        if Product.objects.filter(merchant=merchant).exists():
            summary = "catalog already there, nothing to do"
        else:
            with transaction.atomic():
                _primary_address_fill(merchant)
                second = _second_shop_ensure(merchant)
                for number, data in enumerate(PRODUCTS, start=1):
                    _product_create(merchant=merchant, number=number, data=data, user=owner, second=second)
            summary = f"{len(PRODUCTS)} products created"
        self.stdout.write(
            f"Demo data: {merchant.name}, {summary}. Log in as {OWNER['email']} / {OWNER['password']} "
            f"(Django admin: {SUPPORT['email']} / {SUPPORT['password']})."
        )
