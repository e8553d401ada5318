"""Support's retry of stock pushes (the Django admin's action), through the stock push flow.

A pending change is sent now by the push run (instead of at the next sweep). A change whose
answer was lost is never sent again blindly: the run first settles it by reading BigCommerce's
level, and one that could not be told apart (BigCommerce's stock moved in between) is handed
to the stock check of its variant, which sets BigCommerce to Comptoir's level. A change already
sent is left alone. Each retry writes one journal line per connection, naming who asked.
"""

from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integrations.bigcommerce.stock.manual_edits import stock_check_kick
from integrations.bigcommerce.stock.outbox import stock_push_kick
from integrations.models import StockPush, SyncEvent, VariantLink
from integrations.services.journal import sync_event_record

State = StockPush.State
UNDECIDED_ATTEMPTS = 2  # stock.settle.stock_unknown_settle leaves these to the stock check


def stock_push_retry(*, pushes, requested_by: str) -> dict[str, int]:
    """Retry these stock pushes; how many were sent again, checked, and skipped (already sent)."""
    counts = {"send": 0, "check": 0, "skipped": 0}
    by_connection: dict[int, dict[str, list[StockPush]]] = defaultdict(lambda: defaultdict(list))
    for push in pushes:
        if push.state == State.SENT:
            counts["skipped"] += 1
        elif push.state == State.UNKNOWN and push.attempts >= UNDECIDED_ATTEMPTS:
            by_connection[push.connection_id]["check"].append(push)
        else:
            by_connection[push.connection_id]["send"].append(push)
    for connection_id, groups in by_connection.items():
        send, check = groups["send"], groups["check"]
        sending, checking = len(send), len(check)
        connection = (send or check)[0].connection
        with transaction.atomic():
            if check:
                VariantLink.objects.filter(pk__in={p.variant_link_id for p in check}).update(
                    stock_check_requested_at=timezone.now()
                )
                transaction.on_commit(lambda cid=connection_id: stock_check_kick(connection_id=cid))
            if send:
                transaction.on_commit(lambda cid=connection_id: stock_push_kick(connection_id=cid))
            sync_event_record(
                connection=connection,
                kind=SyncEvent.Kind.STOCK_PUSH,
                direction=SyncEvent.Direction.TO_BIGCOMMERCE,
                message=lambda sending=sending, checking=checking: _retry_message(sending, checking, requested_by),
                detail={
                    "retried_by": requested_by,
                    "send": [p.movement_id for p in send],
                    "check": [p.movement_id for p in check],
                },
            )
        counts["send"] += len(send)
        counts["check"] += len(check)
    return counts


def _retry_message(send: int, check: int, requested_by: str) -> str:
    parts = []
    if send:
        parts.append(
            ngettext(
                "%(count)s stock change is sent to BigCommerce again",
                "%(count)s stock changes are sent to BigCommerce again",
                send,
            )
            % {"count": send}
        )
    if check:
        parts.append(
            ngettext(
                "%(count)s stock change whose answer was lost is settled by a stock check",
                "%(count)s stock changes whose answer was lost are settled by a stock check",
                check,
            )
            % {"count": check}
        )
    return _("Support (%(who)s) retried stock sync: %(what)s.") % {"who": requested_by, "what": "; ".join(parts)}
