"""Today's stock, ledger, sales and refunds move to each merchant's primary shop (nothing lost:
every row keeps its values and gets the shop; the test in inventory/tests/test_migration_shops.py
compares rows and sums before and after)."""

from django.db import migrations

MODELS = ("StockLevel", "StockMovement", "Sale", "Refund")


def rows_to_primary_shop(apps, schema_editor):
    Merchant = apps.get_model("portal", "Merchant")
    Shop = apps.get_model("portal", "Shop")
    models = [apps.get_model("inventory", name) for name in MODELS]
    for merchant in Merchant.objects.order_by("pk").iterator():
        shop = Shop.objects.filter(merchant=merchant, is_primary=True).first()
        if shop is None:  # a merchant created between portal 0004 and here
            shop = Shop.objects.create(
                merchant=merchant, name=merchant.name[:100], country=merchant.country, is_primary=True
            )
        for model in models:
            model.objects.filter(merchant=merchant, shop__isnull=True).update(shop=shop)


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0005_shops"),
        ("portal", "0004_shop_primary_fill"),
    ]

    operations = [migrations.RunPython(rows_to_primary_shop, migrations.RunPython.noop)]
