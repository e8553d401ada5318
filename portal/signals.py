"""What the portal announces, after the transaction commits: shops come and change.

Receivers (the integrations app) get ids, never instances: they re-read what they need. Best
effort: a failing receiver is logged and never fails the request whose change has committed; the
listener's own sweep finds what a receiver never saw.

- ``shop_saved(merchant_id, shop_id, created)``: a shop was added, renamed, re-addressed,
  deactivated or reactivated.
"""

import logging

from django.db import transaction
from django.dispatch import Signal

from portal.models import Shop

logger = logging.getLogger(__name__)

shop_saved = Signal()


def shop_saved_send_on_commit(*, shop: Shop, created: bool = False) -> None:
    merchant_id, shop_id = shop.merchant_id, shop.pk

    def send() -> None:
        for receiver, result in shop_saved.send_robust(
            sender=Shop, merchant_id=merchant_id, shop_id=shop_id, created=created
        ):
            if isinstance(result, Exception):
                logger.error("Receiver %r of shop_saved failed", receiver, exc_info=result)

    transaction.on_commit(send)
