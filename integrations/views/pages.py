"""Integrations list and the BigCommerce page: state, tabs, Connect and Disconnect."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from integrations import selectors
from integrations.bigcommerce.stock.check import stock_reconcile_start
from integrations.errors import ConnectRefused, WrongStep
from integrations.messages import message_localized
from integrations.models import BigCommerceConnection
from integrations.services.connection import (
    connection_disconnect_preview_start,
    connection_disconnect_request,
    connection_get_or_create,
)
from integrations.services.incidents import incident_acknowledge
from integrations.services.locations import shop_location_retry
from integrations.services.sync_now import sync_now_start
from integrations.views.common import render_page
from integrations.views.connect_state import connect_state_issue
from portal.decorators import merchant_required

Status = BigCommerceConnection.Status
ManagedIn = BigCommerceConnection.ManagedIn
COPIES_LISTED = 100  # the disconnect page names this many products, visible ones first


def connection_state(request):
    connection = selectors.connection_for_merchant(merchant=request.merchant)
    return connection, selectors.connection_display_status(connection=connection)


@merchant_required
def integration_list(request):
    connection, status = connection_state(request)
    return render_page(
        request, "integrations/index.html", {"connection": connection, "status": status}, partial="cards", push=False
    )


def connected_context(request, connection, status, tab):
    context = {"connection": connection, "status": status, "tab": tab}
    if connection is not None and status in (Status.CONNECTED, Status.NEEDS_ATTENTION):
        context["runs"] = selectors.sync_runs_current(connection=connection)
    return context


@merchant_required
def bigcommerce_overview(request):
    connection, status = connection_state(request)
    if status == Status.SETUP_INCOMPLETE and not (connection.operation == "disconnecting"):
        # A wizard left half way resumes at its first unfinished step.
        return redirect("integrations:setup")
    context = connected_context(request, connection, status, "overview")
    context["incidents"] = selectors.incidents_for_overview(merchant=request.merchant)
    if connection is not None and status in (Status.CONNECTED, Status.NEEDS_ATTENTION):
        context["products_to_sync"] = (
            selectors.products_to_sync_count(merchant=request.merchant, connection=connection)
            if connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR
            else None
        )
        context["link_count"] = selectors.product_link_list(merchant=request.merchant, connection=connection).count()
        context["facts"] = selectors.overview_facts(connection=connection)
        context["location_pairs"] = selectors.shop_location_pairs(merchant=request.merchant, connection=connection)
        context["pickup_methods_readable"] = selectors.pickup_methods_readable(connection=connection)
    if request.htmx and request.GET.get("poll") and not (connection and connection.operation):
        return HttpResponseClientRedirect(request.path)
    return render_page(request, "integrations/bigcommerce.html", context, partial="panel")


def _connected_or_404(request):
    connection, status = connection_state(request)
    if status not in (Status.CONNECTED, Status.NEEDS_ATTENTION):
        raise Http404
    return connection, status


@merchant_required
def bigcommerce_run(request, run_id: int):
    """One sync run's progress card (polled by itself while the run is running). Polled from the
    Overview (``?facts=1``), each answer also carries the Sync panel's facts, swapped in out of band:
    the card's last answer leaves no "In progress" beside its "Sync finished"."""
    connection, _status = _connected_or_404(request)
    run = selectors.sync_run_for_merchant(merchant=request.merchant, run_id=run_id)
    if run is None:
        raise Http404
    context = {"run": run}
    if request.GET.get("facts"):
        context.update(with_facts=True, oob_facts=selectors.overview_facts(connection=connection))
    return render(request, "integrations/_sync_run.html", context)


@merchant_required
@require_POST
def bigcommerce_sync_now(request):
    """Sync now: send every product again (managed in Comptoir) or check the channel (in BigCommerce)."""

    connection, _status = _connected_or_404(request)
    sync_now_start(connection=connection)
    messages.success(request, _("Sync started. Its progress shows below; the sync journal has the details."))
    return redirect("integrations:bigcommerce")


@merchant_required
@require_POST
def bigcommerce_stock_check(request):
    """Check stock now: compare every synced variant's stock with BigCommerce's (in a task)."""

    connection, _status = _connected_or_404(request)
    stock_reconcile_start(connection=connection)
    messages.success(
        request, _("Stock check started. Its progress shows below; what it corrects is in the sync journal.")
    )
    return redirect("integrations:bigcommerce")


@merchant_required
@require_POST
def bigcommerce_incident_resolve(request, incident_id: int):
    """Mark resolved: the merchant has seen to an incident nothing else can tell the end of."""
    try:
        incident = incident_acknowledge(merchant=request.merchant, incident_id=incident_id, user=request.user)
    except WrongStep as exc:
        messages.error(request, exc.message)
    else:
        if incident is None:
            raise Http404
        messages.success(request, _("Marked resolved."))
    return redirect("integrations:bigcommerce")


@merchant_required
@require_POST
def bigcommerce_location_retry(request, row_id: int):
    """Try a shop's BigCommerce location again (refused by BigCommerce); another merchant's: 404."""
    _connected_or_404(request)
    row = shop_location_retry(merchant=request.merchant, row_id=row_id)
    if row is None:
        raise Http404
    messages.success(request, _("Trying again for %(shop)s. The result shows below.") % {"shop": row.shop.name})
    return redirect("integrations:bigcommerce")


@merchant_required
def bigcommerce_products(request):
    connection, status = _connected_or_404(request)
    context = connected_context(request, connection, status, "products")
    context["links"] = selectors.product_link_list(merchant=request.merchant, connection=connection)
    if connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR:
        context["products_to_sync"] = selectors.products_to_sync_count(merchant=request.merchant, connection=connection)
    return render_page(request, "integrations/bigcommerce_products.html", context, partial="panel")


@merchant_required
@require_POST
def bigcommerce_connect(request):
    """Connect: off to BigCommerce's install page; it comes back to the auth callback."""
    connection, status = connection_state(request)
    if status != Status.NOT_CONNECTED:
        return redirect("integrations:bigcommerce")
    connection_get_or_create(merchant=request.merchant)
    query = urlencode({"state": connect_state_issue(session=request.session)})
    return redirect(f"{settings.BIGCOMMERCE_LOGIN_URL}/app/{settings.BIGCOMMERCE_CLIENT_ID}/install?{query}")


@merchant_required
@require_http_methods(["GET", "POST"])
def bigcommerce_disconnect(request):
    connection, status = connection_state(request)
    if connection is None or status == Status.NOT_CONNECTED:
        # Disconnected meanwhile (another tab, BigCommerce's uninstall): say so, not a 404.
        messages.info(request, _("Your BigCommerce store is already disconnected."))
        url = reverse("integrations:bigcommerce")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    copies = selectors.synced_copies(merchant=request.merchant, connection=connection)
    preview = connection.disconnect_preview or {}
    checking = connection.managed_in == ManagedIn.COMPTOIR and preview.get("state") == "running"
    error = None
    choice = request.POST.get("delete_copies") if request.method == "POST" else "no"
    if request.method == "POST":
        if choice not in ("yes", "no"):
            error = "choose"
        elif choice == "yes" and copies and checking:
            error = "checking"
        elif choice == "yes" and copies and request.POST.get("confirm_delete") != str(len(copies)):
            # The merchant confirms the list shown (its count): a list that changed since asks again.
            error = "confirm"
        else:
            try:
                delete_copies = choice == "yes" and bool(copies)
                connection_disconnect_request(connection=connection, delete_copies=delete_copies)
            except ConnectRefused as exc:
                error = exc.message
            else:
                return redirect("integrations:bigcommerce")
    elif copies and not request.GET.get("poll"):
        connection_disconnect_preview_start(connection=connection)
        preview = connection.disconnect_preview
        checking = preview.get("state") == "running"
    context = {
        "connection": connection,
        "status": status,
        "copies": len(copies),
        "copy_rows": copies[:COPIES_LISTED],
        "copies_not_listed": max(0, len(copies) - COPIES_LISTED),
        "visible_count": sum(1 for row in copies if row["is_visible"]),
        "preview": preview,
        "checking": checking,
        "preview_error": message_localized(preview.get("error_i18n", {}), preview.get("error", "")),
        "choice": choice,
        "in_setup": status == Status.SETUP_INCOMPLETE,  # reached from the wizard's "Cancel setup"
        "error": error,
    }
    partial = "copies" if request.htmx and request.GET.get("poll") else "dialog"
    return render_page(request, "integrations/disconnect.html", context, partial=partial, push=False)
