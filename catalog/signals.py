"""What the catalog announces. Sent from services after the transaction commits.

Receivers (the integrations app) get ids, never instances: they re-read what they need.

- ``product_saved(merchant_id, product_id, created)``: a product or anything synced with it
  (variants, options, images, videos, archiving) changed.
- ``product_deleted(merchant_id, product_id, variant_ids, skus)``: the product is gone; the
  variant ids and SKUs let a listener find the remote copies it bound to them.
"""

from django.db import transaction
from django.dispatch import Signal

product_saved = Signal()
product_deleted = Signal()


def product_saved_send_on_commit(*, merchant_id: int, product_id: int, created: bool) -> None:
    from catalog.models import Product

    transaction.on_commit(
        lambda: product_saved.send(sender=Product, merchant_id=merchant_id, product_id=product_id, created=created)
    )


def product_deleted_send_on_commit(
    *, merchant_id: int, product_id: int, variant_ids: list[int], skus: list[str]
) -> None:
    from catalog.models import Product

    transaction.on_commit(
        lambda: product_deleted.send(
            sender=Product, merchant_id=merchant_id, product_id=product_id, variant_ids=variant_ids, skus=skus
        )
    )
