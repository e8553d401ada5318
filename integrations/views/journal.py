"""The BigCommerce page's Sync journal: filters, an entry's detail, Retry, and the CSV export."""

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from catalog.views.common import safe_next
from integrations import selectors
from integrations.bigcommerce.products.export import exporting
from integrations.errors import WrongStep
from integrations.models import SyncEvent
from integrations.redaction import secrets_removed, size_bounded
from integrations.services.assignments import product_sync_retry_all_failed
from integrations.services.support import sync_event_retry
from integrations.views.common import render_page
from integrations.views.pages import connected_context, connection_state
from portal.csv_export import csv_response
from portal.decorators import merchant_required

PAGE_SIZE = 50


def _connection_or_404(request):
    connection, status = connection_state(request)
    if connection is None:
        raise Http404
    return connection, status


def _event_or_404(request, event_id: int) -> SyncEvent:
    event = selectors.sync_event_get(merchant=request.merchant, event_id=event_id)
    if event is None:
        raise Http404
    return event


@merchant_required
@require_GET
def bigcommerce_journal(request):
    connection, status = _connection_or_404(request)
    filters = selectors.JournalFilters.from_query(request.GET)
    events = selectors.sync_event_list(merchant=request.merchant, filters=filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode(filters.as_query())
    context = connected_context(request, connection, status, "journal")
    context.update(
        {
            "page": page,
            "page_query": query,
            "filters": filters,
            "filtered": bool(query),
            "statuses": [
                *SyncEvent.Status.choices,
                (selectors.JournalFilters.RETRYING, _("Failed — retrying")),
                (selectors.JournalFilters.RESOLVED, _("Resolved")),
            ],
            "directions": SyncEvent.Direction.choices,
            "failed_links": selectors.failed_product_link_count(connection=connection),
            "here": request.get_full_path(),
        }
    )
    # The filters and pages replace the results only (the search box keeps its focus).
    partial = "results" if request.htmx and request.htmx.target == "journal-results" else "panel"
    return render_page(request, "integrations/bigcommerce_journal.html", context, partial=partial)


@merchant_required
@require_GET
def bigcommerce_event(request, event_id: int):
    event = _event_or_404(request, event_id)
    connection, status = connection_state(request)
    context = connected_context(request, connection, status, "journal")
    context.update(
        {
            "event": event,
            "detail_json": json.dumps(
                secrets_removed(size_bounded(event.detail)), indent=2, ensure_ascii=False, sort_keys=True
            )
            if event.detail
            else "",
            "product": selectors.journal_product(merchant=request.merchant, event=event),
        }
    )
    return render_page(request, "integrations/bigcommerce_event.html", context, partial="panel")


@merchant_required
@require_POST
def bigcommerce_event_retry(request, event_id: int):
    event = _event_or_404(request, event_id)
    try:
        messages.success(request, sync_event_retry(event=event))
    except WrongStep as exc:
        messages.info(request, exc.message)
    return redirect(safe_next(request, reverse("integrations:bigcommerce_event", args=[event.pk])))


@merchant_required
@require_POST
def bigcommerce_journal_retry_failed(request):
    connection, _status = _connection_or_404(request)

    retried = product_sync_retry_all_failed(connection=connection) if exporting(connection) else 0
    if retried:
        messages.success(
            request,
            ngettext(
                "Sending %(count)s failed product to BigCommerce again.",
                "Sending %(count)s failed products to BigCommerce again.",
                retried,
            )
            % {"count": retried},
        )
    else:
        messages.info(request, _("No product has a failed sync to retry."))
    return redirect(safe_next(request, reverse("integrations:bigcommerce_journal")))


@merchant_required
@require_GET
def bigcommerce_journal_export(request):
    """The filtered journal as CSV, streamed (a year of entries is read in chunks)."""
    _connection_or_404(request)
    filters = selectors.JournalFilters.from_query(request.GET)
    events = selectors.sync_event_list(merchant=request.merchant, filters=filters)
    header = [_("Time"), _("Status"), _("Direction"), _("Kind"), _("Product"), _("SKU"), _("Message")]

    def rows():
        for event in events.iterator(chunk_size=1000):
            yield [
                date_format(timezone.localtime(event.created_at), "Y-m-d H:i:s"),
                event.status_label[0],
                event.get_direction_display(),
                event.get_kind_display(),
                event.product_name,
                event.sku,
                event.text,
            ]

    filename = f"bigcommerce-journal-{timezone.localdate().isoformat()}.csv"
    return csv_response(header=header, rows=rows(), filename=filename)
