from typing import Any

from integrations.messages import Message, message_default, message_translations
from integrations.models import BigCommerceConnection, SyncEvent
from integrations.redaction import MAX_TEXT, size_bounded
from portal.text import search_key


def sync_event_record(
    *,
    connection: BigCommerceConnection | None,
    kind: str,
    message: Message,
    status: str = SyncEvent.Status.OK,
    direction: str = SyncEvent.Direction.INTERNAL,
    detail: dict[str, Any] | None = None,
    attempts: int = 1,
    merchant=None,
    product=None,
) -> SyncEvent:
    """Write one journal line. ``message`` is plain language (a callable building it with gettext,
    so that it exists in every language); ``detail`` is what was sent and answered; ``product``
    (a Product, or a dict with id/name/sku) is what it was about. What the entry keeps is
    bounded (``size_bounded``): a 2 MB description that was sent is kept as its first page."""
    translations = {code: _cut(text) for code, text in message_translations(message).items()}
    about = _product_columns(product)
    return SyncEvent.objects.create(
        merchant=merchant or (connection.merchant if connection else None),
        connection=connection,
        kind=kind,
        message=_cut(message_default(message, translations)),
        message_i18n=translations,
        status=status,
        direction=direction,
        detail=size_bounded(detail) if detail else {},
        attempts=attempts,
        **about,
    )


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else f"{text[:MAX_TEXT]}…"


def _product_columns(product) -> dict:
    if product is None:
        return {}
    if isinstance(product, dict):
        columns = {
            "product_id": product.get("id"),
            "product_name": (product.get("name") or "")[:250],
            "sku": (product.get("sku") or "")[:255],
        }
    else:
        skus = [v.sku for v in product.variants.all() if v.sku]
        columns = {"product_id": product.pk, "product_name": product.name[:250], "sku": (skus[0] if skus else "")[:255]}
    return {**columns, "product_key": product_search_key(name=columns["product_name"], sku=columns["sku"])}


def product_search_key(*, name: str, sku: str) -> str:
    """What the journal's search box compares: the name and SKU without accents or case."""
    return search_key(f"{name} {sku}")[:510]


def sync_event_finish(*, event_id: int | None, status: str, attempts: int | None = None) -> None:
    """Close a running journal line (the operation it announced succeeded or failed)."""
    if not event_id:
        return
    changes = {"status": status}
    if attempts is not None:
        changes["attempts"] = attempts
    SyncEvent.objects.filter(pk=event_id, status=SyncEvent.Status.RUNNING).update(**changes)
