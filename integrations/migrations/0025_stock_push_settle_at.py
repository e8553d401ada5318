from datetime import timedelta

from django.db import migrations, models


def in_doubt_settle_at(apps, schema_editor):
    """Answers in doubt before this field: decided a whole settle grace after they were sent, as before."""
    from integrations.bigcommerce.stock.levels import settle_grace_seconds

    grace = timedelta(seconds=settle_grace_seconds())
    StockPush = apps.get_model("integrations", "StockPush")
    for push in StockPush.objects.filter(state="unknown", settle_at__isnull=True).only("pk", "sent_at", "created_at"):
        push.settle_at = (push.sent_at or push.created_at) + grace
        push.save(update_fields=["settle_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0024_stock_push_echoed"),
    ]

    operations = [
        migrations.AddField(
            model_name="stockpush",
            name="settle_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(in_doubt_settle_at, migrations.RunPython.noop),
    ]
