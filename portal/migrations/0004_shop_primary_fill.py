"""Every merchant gets its primary shop, named after the business, and every device sells there."""

from django.db import migrations


def primary_shops_create(apps, schema_editor):
    Merchant = apps.get_model("portal", "Merchant")
    Shop = apps.get_model("portal", "Shop")
    Device = apps.get_model("portal", "Device")
    for merchant in Merchant.objects.order_by("pk").iterator():
        shop = Shop.objects.filter(merchant=merchant, is_primary=True).first()
        if shop is None:
            shop = Shop.objects.create(
                merchant=merchant, name=merchant.name[:100], country=merchant.country, is_primary=True
            )
        Device.objects.filter(merchant=merchant, shop__isnull=True).update(shop=shop)


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0003_shop"),
    ]

    # Backwards: the shop columns go with 0003; nothing to undo here.
    operations = [migrations.RunPython(primary_shops_create, migrations.RunPython.noop)]
