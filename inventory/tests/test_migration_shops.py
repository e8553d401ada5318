"""The shops migration (portal 0003–0005, inventory 0005–0007) loses nothing: built on the schema
before it, with the historical models, every row is still there afterwards, with the same values,
attached to its merchant's new primary shop."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Sum

# integrations is held where it was too: its later migrations (shop locations) need the shops.
BEFORE = [
    ("portal", "0002_edits_merchant_settings_version"),
    ("inventory", "0004_history_reason_codes"),
    ("integrations", "0020_webhook_pending_index"),
]
AFTER = [
    ("portal", "0005_device_shop_required"),
    ("inventory", "0007_shops_required"),
    ("integrations", "0020_webhook_pending_index"),
]


def _migrate(targets):
    """Migrate portal and inventory to ``targets``, every other app to its latest."""
    executor = MigrationExecutor(connection)
    apps_named = {app for app, _name in targets}
    targets = [node for node in _latest() if node[0] not in apps_named] + targets
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _pre_state(apps) -> dict:
    """Two merchants with devices, levels (one split), ledger rows, a sale and a refund."""
    Merchant = apps.get_model("portal", "Merchant")
    Device = apps.get_model("portal", "Device")
    Product = apps.get_model("catalog", "Product")
    Variant = apps.get_model("catalog", "Variant")
    StockLevel = apps.get_model("inventory", "StockLevel")
    StockMovement = apps.get_model("inventory", "StockMovement")
    Sale = apps.get_model("inventory", "Sale")
    SaleLine = apps.get_model("inventory", "SaleLine")
    Refund = apps.get_model("inventory", "Refund")
    RefundLine = apps.get_model("inventory", "RefundLine")
    for number, name in enumerate(["Épicerie Fine", "Other"]):
        merchant = Merchant.objects.create(name=name, country="FR", currency="EUR", default_vat_rate=20)
        device = Device.objects.create(merchant=merchant, name="Till", token_hash=f"h{number}", token_hint="x")
        product = Product.objects.create(merchant=merchant, name="Mug", name_key="mug", vat_rate=20)
        for k in range(3):
            variant = Variant.objects.create(merchant=merchant, product=product, sku=f"M{number}-{k}", price=900)
            StockLevel.objects.create(merchant=merchant, variant=variant, quantity=10 + k, online_quantity=k or None)
            StockMovement.objects.create(
                merchant=merchant, variant=variant, origin="initial", delta=10 + k, level_after=10 + k,
                idempotency_key=f"init:{variant.pk}",
            )  # fmt: skip
        sale = Sale.objects.create(merchant=merchant, idempotency_key="s", device=device, currency="EUR", total=900)
        line = SaleLine.objects.create(sale=sale, variant=variant, description="Mug", quantity=1, unit_price=900)
        refund = Refund.objects.create(merchant=merchant, sale=sale, idempotency_key="r", device=device, total=900)
        RefundLine.objects.create(refund=refund, sale_line=line, quantity=1)
    return _snapshot(apps)


def _snapshot(apps) -> dict:
    """Every row's values that existed before the migration, and the sums."""
    out = {}
    for app, model, fields in [
        ("portal", "Device", ["pk", "merchant_id", "name", "token_hash"]),
        ("inventory", "StockLevel", ["pk", "merchant_id", "variant_id", "quantity", "online_quantity"]),
        ("inventory", "StockMovement", ["pk", "merchant_id", "variant_id", "delta", "level_after", "idempotency_key"]),
        ("inventory", "Sale", ["pk", "merchant_id", "total", "device_id", "idempotency_key"]),
        ("inventory", "Refund", ["pk", "merchant_id", "sale_id", "total", "idempotency_key"]),
    ]:
        rows = apps.get_model(app, model).objects.order_by("pk")
        out[model] = list(rows.values_list(*fields))
    levels = apps.get_model("inventory", "StockLevel").objects
    out["sums"] = levels.aggregate(q=Sum("quantity"), o=Sum("online_quantity"))
    return out


@pytest.mark.django_db(transaction=True)
def test_the_shops_migration_gives_each_merchant_a_primary_shop_and_loses_nothing():
    try:
        before = _pre_state(_migrate(BEFORE))
        apps = _migrate(AFTER)
        assert _snapshot(apps) == before
        Merchant, Shop = apps.get_model("portal", "Merchant"), apps.get_model("portal", "Shop")
        for merchant in Merchant.objects.all():
            shop = Shop.objects.get(merchant=merchant)  # exactly one
            assert (shop.is_primary, shop.is_active, shop.name, shop.country) == (True, True, merchant.name, "FR")
            for app, model in [
                ("portal", "Device"),
                ("inventory", "StockLevel"),
                ("inventory", "StockMovement"),
                ("inventory", "Sale"),
                ("inventory", "Refund"),
            ]:
                rows = apps.get_model(app, model).objects.filter(merchant=merchant)
                assert rows.exists() and set(rows.values_list("shop_id", flat=True)) == {shop.pk}, model
    finally:
        MigrationExecutor(connection).migrate(_latest())


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
