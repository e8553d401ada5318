"""What the catalog announces, after the transaction commits.

Receivers (the integrations app) get ids, never instances: they re-read what they need. Each
announcement carries an ``origin`` (``"comptoir"`` for the merchant's own edits, or the name of
the system whose change was applied, e.g. ``"bigcommerce"``) so that a listener does not send a
change back where it came from.

- ``product_saved(merchant_id, product_id, created, origin)``: a product or anything synced with
  it (variants, options, images, videos, archiving, stock tracking) changed.
- ``product_deleted(merchant_id, product_id, variant_ids, skus, origin)``: the product is gone;
  the variant ids and SKUs let a listener find the remote copies it bound to them.

Announcements are best effort: a failing receiver is logged and never fails the request whose
change has already committed. The durable mark is ``Product.revision``, bumped inside the
transaction by ``product_changed_mark``; listeners sweep for revisions they have not handled.
"""

import logging

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal

from catalog.models import Product

logger = logging.getLogger(__name__)

ORIGIN_COMPTOIR = "comptoir"

product_saved = Signal()
product_deleted = Signal()


def _send_robust(signal: Signal, **kwargs) -> None:
    for receiver, result in signal.send_robust(sender=Product, **kwargs):
        if isinstance(result, Exception):
            logger.error("Receiver %r of a catalog signal failed", receiver, exc_info=result)


def product_changed_mark(
    *, merchant_id: int, product_id: int, created: bool = False, origin: str = ORIGIN_COMPTOIR
) -> None:
    """Inside the writing transaction: bump the product's revision, announce it after commit."""
    Product.objects.filter(pk=product_id).update(revision=F("revision") + 1)
    transaction.on_commit(
        lambda: _send_robust(
            product_saved, merchant_id=merchant_id, product_id=product_id, created=created, origin=origin
        )
    )


def product_deleted_send_on_commit(
    *, merchant_id: int, product_id: int, variant_ids: list[int], skus: list[str], origin: str = ORIGIN_COMPTOIR
) -> None:
    transaction.on_commit(
        lambda: _send_robust(
            product_deleted,
            merchant_id=merchant_id,
            product_id=product_id,
            variant_ids=variant_ids,
            skus=skus,
            origin=origin,
        )
    )
