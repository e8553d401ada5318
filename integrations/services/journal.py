from typing import Any

from django.utils import timezone

from catalog.models import Variant
from integrations.messages import Message, message_default, message_of, message_translations
from integrations.models import BigCommerceConnection, SyncEvent
from integrations.redaction import MAX_TEXT, size_bounded
from portal.text import search_key

# Kinds whose failure a later success for the same product settles (the entry then says "Resolved").
RESOLVABLE_KINDS = (SyncEvent.Kind.PRODUCT_EXPORT, SyncEvent.Kind.PRODUCT_IMPORT, SyncEvent.Kind.STOCK_PUSH)
# Run summaries ("Sync to BigCommerce finished: … 1 failed") are of the run's kind, or the initial sync.


def sync_event_record(
    *,
    connection: BigCommerceConnection | None,
    kind: str,
    message: Message | None = None,
    status: str = SyncEvent.Status.OK,
    direction: str = SyncEvent.Direction.INTERNAL,
    detail: dict[str, Any] | None = None,
    attempts: int = 1,
    merchant=None,
    product=None,
    products: list[dict] | None = None,
    code: str = "",
    params: dict[str, Any] | None = None,
    background: bool | None = None,
    save: bool = True,
) -> SyncEvent:
    """Write one journal line (``save`` False: build it unsaved, for ``sync_events_record_many``).
    ``message`` is plain language (a callable building it with gettext, so that it exists in every
    language), or ``code`` and ``params`` rendered in the reader's language
    (``integrations.journal_messages``); ``detail`` is what was sent and answered; ``product`` (a
    Product, or a dict with id/name/sku) is what it was about, ``products`` (dicts) when it was
    about several (an order of two products: both named, each searchable). ``background``: the
    entry asked nothing of Comptoir and is hidden by default (unset: skipped entries, and webhooks
    received whose effect has an entry of its own). A success settles the same product's earlier
    failures of the same kind (``resolved_at``). What the entry keeps is bounded
    (``size_bounded``): a 2 MB description that was sent is kept as its first page."""
    if message is None:
        message = message_of(code, params or {})
    translations = {lang: _cut(text) for lang, text in message_translations(message).items()}
    about = _products_columns(products) if products else _product_columns(product)
    if background is None:
        background = status == SyncEvent.Status.SKIPPED or (
            kind == SyncEvent.Kind.WEBHOOK and status == SyncEvent.Status.OK
        )
    merchant = merchant or (connection.merchant if connection else None)
    event = SyncEvent(
        merchant=merchant,
        connection=connection,
        kind=kind,
        message=_cut(message_default(message, translations)),
        message_i18n=translations,
        code=code,
        params=params or {},
        background=background,
        status=status,
        direction=direction,
        detail=size_bounded(detail) if detail else {},
        attempts=attempts,
        **about,
    )
    if not save:
        return event
    event.save(force_insert=True)
    # Only an entry about one product's own sync settles its failures (not a list it names, such
    # as "Retry of 1 failed product requested", which settles nothing yet).
    if status == SyncEvent.Status.OK and product is not None and about.get("product_id") and kind in RESOLVABLE_KINDS:
        sync_event_failures_resolve(merchant=merchant, product_id=about["product_id"], kind=kind, at=event.created_at)
    return event


def sync_events_record_many(entries: list[SyncEvent]) -> None:
    """Write journal lines built with ``save=False`` in one statement a page (a batch of webhooks).
    None may settle a failure: only entries about no product, or not OK, are taken here."""
    SyncEvent.objects.bulk_create(entries, batch_size=500)


def sync_event_failures_resolve(*, merchant, product_id: int, kind: str, at=None) -> int:
    """Earlier failures of this product and kind, settled by a success: they say so, and the
    Overview stops counting them. Once no product of that kind still fails, the summaries of the
    runs that counted them ("… 1 failed") are settled too. How many product failures were settled."""
    at = at or timezone.now()
    failures = SyncEvent.objects.filter(
        merchant=merchant, kind=kind, status=SyncEvent.Status.FAILED, resolved_at__isnull=True, created_at__lte=at
    )
    settled = failures.filter(product_id=product_id).update(resolved_at=at)
    if settled and not failures.filter(product_id__isnull=False).exists():
        failures.model.objects.filter(
            merchant=merchant,
            kind__in=(kind, SyncEvent.Kind.INITIAL_SYNC),
            product_id__isnull=True,
            status=SyncEvent.Status.FAILED,
            resolved_at__isnull=True,
            created_at__lte=at,
            detail__has_key="run_id",
        ).update(resolved_at=at)
    return settled


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


MAX_NAMED = 100  # an entry about more products (assign all) names none: its message gives the count


def journal_products(*, product_ids) -> list[dict]:
    """Products as an entry about several names them: id, name and first SKU, in name order."""
    first = {}
    for variant in (
        Variant.objects.filter(product_id__in=list(product_ids)[: MAX_NAMED + 1])
        .select_related("product")
        .order_by("product__name", "product_id", "position", "pk")
    ):
        named = {"id": variant.product_id, "name": variant.product.name, "sku": variant.sku}
        first.setdefault(variant.product_id, named)
    return list(first.values())


def _products_columns(products: list[dict]) -> dict:
    """Columns of an entry about several products: each named (in order, once), and the search
    key holds every name and SKU, so that a search for any of them finds the entry."""
    if len({p.get("id") for p in products}) > MAX_NAMED:
        return {}
    names = list(dict.fromkeys(p.get("name") or "" for p in products if p.get("name")))
    skus = list(dict.fromkeys(p.get("sku") or "" for p in products if p.get("sku")))
    ids = {p.get("id") for p in products}
    if len(ids) == 1:
        return _product_columns({**products[0], "sku": skus[0] if skus else ""})
    return {
        "product_name": _cut_to(", ".join(names), 250),
        "sku": _cut_to(", ".join(skus), 255),
        "product_key": search_key(" ".join(names + skus)),
    }


def _cut_to(text: str, size: int) -> str:
    return text if len(text) <= size else f"{text[: size - 1]}…"


def product_search_key(*, name: str, sku: str) -> str:
    """What the journal's search box compares: the name and SKU without accents or case."""
    return search_key(f"{name} {sku}")


def sync_event_finish(*, event_id: int | None, status: str, attempts: int | None = None) -> None:
    """Close a running journal line (the operation it announced succeeded or failed)."""
    if not event_id:
        return
    changes = {"status": status}
    if attempts is not None:
        changes["attempts"] = attempts
    SyncEvent.objects.filter(pk=event_id, status=SyncEvent.Status.RUNNING).update(**changes)
