"""The setup wizard: one URL per step; each serves the page or, for htmx, the step partial.

Every POST redirects to the next step (htmx follows it and swaps the step in place), so
back, reload and a wizard left half way all land on a page the state allows.
"""

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from integrations import selectors
from integrations.errors import ConnectRefused
from integrations.messages import message_localized
from integrations.models import BigCommerceConnection, SyncEvent
from integrations.services import connection as services
from integrations.services import locations as location_services
from integrations.views.common import render_page
from portal.decorators import merchant_required
from portal.ids import id_parse, ids_parse

Status = BigCommerceConnection.Status
ManagedIn = BigCommerceConnection.ManagedIn
STEP_URLS = {
    "managed_in": "integrations:setup_managed_in",
    "prices": "integrations:setup_prices",
    "products": "integrations:setup_products",
    "review": "integrations:setup_review",
    "locations": "integrations:setup_locations",
    "finish": "integrations:setup_finish",
}
STEP_TITLES = {
    "managed_in": gettext_lazy("Where products are managed"),
    "prices": gettext_lazy("Prices"),
    "products": gettext_lazy("Products to sync"),
    "review": gettext_lazy("Review"),
    "locations": gettext_lazy("Shops and locations"),
    "finish": gettext_lazy("Finish setup"),
}


def _connection_in_setup(request):
    connection = selectors.connection_for_merchant(merchant=request.merchant)
    if connection is None or connection.status != Status.SETUP_INCOMPLETE:
        return None
    return connection


def _step_redirect(request, step):
    url = reverse(STEP_URLS[step])
    if request.htmx:
        # htmx follows a plain redirect in place; the page view then pushes the new URL.
        return redirect(url)
    return redirect(url)


def _guard(request, step):
    """Redirect when this step cannot be shown now; None when it can."""
    connection = _connection_in_setup(request)
    if connection is None:
        if request.htmx:
            return None, HttpResponseClientRedirect(reverse("integrations:bigcommerce"))
        return None, redirect("integrations:bigcommerce")
    if not selectors.wizard_step_allowed(connection=connection, step=step):
        first = selectors.wizard_first_unfinished_step(connection=connection)
        if first == "connect":
            return None, redirect("integrations:bigcommerce")
        return None, _step_redirect(request, first)
    return connection, None


def _context(request, connection, step, **extra):
    steps = [
        {
            "name": name,
            "title": STEP_TITLES[name],
            "url": reverse(STEP_URLS[name]),
            "done": selectors.wizard_step_done(connection=connection, step=name),
            "current": name == step,
            "reachable": selectors.wizard_step_allowed(connection=connection, step=name),
        }
        for name in selectors.wizard_steps(connection=connection)
        if name != "connect"
    ]
    names = [s["name"] for s in steps]
    index = names.index(step)
    return {
        "connection": connection,
        "status": Status.SETUP_INCOMPLETE,
        "step": step,
        "steps": steps,
        "step_number": index + 1,
        "step_count": len(steps),
        "back_url": steps[index - 1]["url"] if index > 0 else None,
        "error": None,
        **extra,
    }


def _next(request, connection, step):
    steps = [s for s in selectors.wizard_steps(connection=connection) if s != "connect"]
    return _step_redirect(request, steps[steps.index(step) + 1])


@merchant_required
def setup_resume(request):
    connection = _connection_in_setup(request)
    if connection is None:
        return redirect("integrations:bigcommerce")
    first = selectors.wizard_first_unfinished_step(connection=connection)
    if first == "connect":
        return redirect("integrations:bigcommerce")
    return redirect(STEP_URLS[first])


@merchant_required
@require_http_methods(["GET", "POST"])
def setup_managed_in(request):
    connection, response = _guard(request, "managed_in")
    if response:
        return response
    error = None
    if request.method == "POST":
        try:
            services.connection_managed_in_set(connection=connection, managed_in=request.POST.get("managed_in", ""))
            return _next(request, connection, "managed_in")
        except ConnectRefused as exc:
            error = exc.message
    preselected = connection.managed_in or (
        ManagedIn.BIGCOMMERCE if connection.origin == BigCommerceConnection.Origin.BIGCOMMERCE else ""
    )
    context = _context(request, connection, "managed_in", preselected=preselected, error=error)
    return render_page(request, "integrations/setup_managed_in.html", context, partial="step")


@merchant_required
@require_http_methods(["GET", "POST"])
def setup_prices(request):
    connection, response = _guard(request, "prices")
    if response:
        return response
    error = None
    if request.method == "POST":
        if request.POST.get("action") == "refresh":
            services.connection_store_facts_refresh(connection=connection)
            return _step_redirect(request, "prices")
        choice = request.POST.get("include_prices")
        try:
            if choice not in ("yes", "no"):
                raise ConnectRefused(_("Choose whether to include prices."))
            services.connection_include_prices_set(connection=connection, include_prices=choice == "yes")
            return _next(request, connection, "prices")
        except ConnectRefused as exc:
            error = exc.message
    facts_known = bool(connection.store_currency)
    facts_failed = not facts_known and bool(connection.operation_error)
    context = _context(
        request,
        connection,
        "prices",
        error=error,
        facts_known=facts_known,
        facts_failed=facts_failed,
        can_include=services.prices_can_be_included(connection=connection),
        merchant_currency=request.merchant.currency,
        tax_effects=selectors.tax_margin_effects(merchant=request.merchant)
        if facts_known and not connection.is_price_entered_with_tax
        else [],
        preselected={True: "yes", False: "no"}.get(connection.include_prices, "no"),
    )
    return render_page(request, "integrations/setup_prices.html", context, partial="step")


def _ticked(request, source) -> set[int]:
    return set(ids_parse(source.getlist("product")))


@merchant_required
@require_http_methods(["GET", "POST"])
def setup_products(request):
    connection, response = _guard(request, "products")
    if response:
        return response
    error = None
    if request.method == "POST":
        ticked = _ticked(request, request.POST)
        try:
            services.connection_sync_scope_set(
                connection=connection, sync_scope=request.POST.get("sync_scope", ""), product_ids=sorted(ticked)
            )
            return _next(request, connection, "products")
        except ConnectRefused as exc:
            error = exc.message
        scope = request.POST.get("sync_scope", "")
        query = ""
    else:
        query = request.GET.get("q", "").strip()
        scope = request.GET.get("sync_scope") or connection.sync_scope or BigCommerceConnection.SyncScope.ALL
        ticked = (
            _ticked(request, request.GET)
            if "ticked" in request.GET
            else selectors.product_assigned_ids(merchant=request.merchant)
        )
    products = list(selectors.products_for_selection(merchant=request.merchant, query=query)[:200])
    if request.GET.get("select_all"):
        ticked |= {p.pk for p in products}
    shown = {p.pk for p in products}
    context = _context(
        request,
        connection,
        "products",
        error=error,
        scope=scope,
        query=query,
        products=products,
        ticked=ticked,
        hidden_ticked=sorted(ticked - shown),
        total=selectors.products_for_selection(merchant=request.merchant).count(),
        # The count's two forms for the script ({n}: the number), the same messages as the page's.
        pick_count_one=ngettext("%(n)s product selected", "%(n)s products selected", 1) % {"n": "{n}"},
        pick_count_other=ngettext("%(n)s product selected", "%(n)s products selected", 2) % {"n": "{n}"},
    )
    partial = "product_list" if request.htmx and request.GET.get("list") else "step"
    return render_page(request, "integrations/setup_products.html", context, partial=partial, push=partial == "step")


@merchant_required
@require_http_methods(["GET", "POST"])
def setup_review(request):
    connection, response = _guard(request, "review")
    if response:
        return response
    error = None
    if request.method == "POST":
        if request.POST.get("action") == "check_again":
            services.connection_preflight_start(connection=connection, again=True)
            return _step_redirect(request, "review")
        rows = selectors.preflight_review_rows(matches=connection.preflight.get("matches", []), choices={})
        everyone = request.POST.get("all")
        choices, undecided = {}, []
        for row in rows:
            picked = request.POST.get(f"choice-{row['key']}")
            if everyone == "create":
                picked = "create"
            elif picked not in ("link", "create"):
                # A name alone never links by default: the merchant says so, product by product.
                picked = None if row["name_only"] else "link"
            if picked is None:
                undecided.append(row["product_name"])
            else:
                choices[row["key"]] = picked
        if undecided:
            error = _("Choose “Link” or “Create a copy” for each product found by its name only: %(names)s.") % {
                "names": ", ".join(undecided)
            }
        else:
            try:
                services.connection_review_save(connection=connection, choices=choices)
                return _next(request, connection, "review")
            except ConnectRefused as exc:
                error = exc.message
    else:
        services.connection_preflight_start(connection=connection)
        connection.refresh_from_db()
    to_sync = (
        selectors.products_to_sync_count(merchant=request.merchant, connection=connection)
        if connection.managed_in == ManagedIn.COMPTOIR
        else None
    )
    context = _context(
        request,
        connection,
        "review",
        error=error,
        preflight=connection.preflight,
        preflight_error=message_localized(
            connection.preflight.get("error_i18n", {}), connection.preflight.get("error", "")
        ),
        choices=connection.preflight_choices,
        rows=selectors.preflight_review_rows(
            matches=connection.preflight.get("matches", []),
            choices={k[len("choice-") :]: v for k, v in request.POST.items() if k.startswith("choice-")}
            or connection.preflight_choices,
        ),
        to_sync=to_sync,
    )
    return render_page(request, "integrations/setup_review.html", context, partial="step")


def _location_choices(post) -> list[location_services.LocationChoice]:
    """The step's answers: ``shop`` (each shop's id), ``choice-<id>``, ``location-<id>``."""
    return [
        location_services.LocationChoice(
            shop_id=pk,
            action=post.get(f"choice-{pk}", ""),
            location_id=id_parse(post.get(f"location-{pk}", "")) if post.get(f"choice-{pk}") == "link" else None,
        )
        for pk in ids_parse(post.getlist("shop"))
    ]


@merchant_required
@require_http_methods(["GET", "POST"])
def setup_locations(request):
    """Each shop beside a BigCommerce location: the primary shop is the default location; each
    other shop gets a location created, or is linked to one of the store's (read in a task)."""
    connection, response = _guard(request, "locations")
    if response:
        return response
    error = None
    if request.method == "POST":
        retry = id_parse(request.POST.get("retry", ""))
        if request.POST.get("action") == "read_again":
            location_services.store_locations_read_start(connection=connection, again=True)
            return _step_redirect(request, "locations")
        if "retry" in request.POST:
            if retry is None or location_services.shop_location_retry(merchant=request.merchant, row_id=retry) is None:
                raise Http404
            return _step_redirect(request, "locations")
        try:
            location_services.shop_locations_save(connection=connection, choices=_location_choices(request.POST))
            return _next(request, connection, "locations")
        except ConnectRefused as exc:
            error = exc.message
    else:
        location_services.store_locations_read_start(connection=connection)
    read = location_services.store_locations(connection=connection)
    pairs = selectors.shop_location_pairs(merchant=request.merchant, connection=connection)
    posted = request.POST if request.method == "POST" else {}
    for pair in pairs:
        row, pk = pair["row"], pair["shop"].pk
        pair["choice"] = posted.get(f"choice-{pk}") or (
            "link" if row is not None and row.origin == row.Origin.LINKED else "create"
        )
        pair["chosen_location"] = id_parse(posted.get(f"location-{pk}", "")) or (row and row.remote_location_id)
    context = _context(
        request,
        connection,
        "locations",
        error=error,
        pairs=[p for p in pairs if p["shop"].is_active],
        read=read,
        read_error=read.get("error", ""),
        store_locations=[loc for loc in read.get("locations", []) if not loc.get("is_default")],
        busy=read.get("state") == "running" or any(p["state"] == "pending" for p in pairs),
    )
    return render_page(request, "integrations/setup_locations.html", context, partial="step")


@merchant_required
@require_http_methods(["GET", "POST"])
def setup_finish(request):
    connection = selectors.connection_for_merchant(merchant=request.merchant)
    if connection is not None and connection.status in (Status.CONNECTED, Status.NEEDS_ATTENTION):
        url = reverse("integrations:bigcommerce")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    connection, response = _guard(request, "finish")
    if response:
        return response
    error = None
    if request.method == "POST":
        try:
            services.connection_setup_finish_request(connection=connection)
        except ConnectRefused as exc:
            error = exc.message
        else:
            return _step_redirect(request, "finish")
    events = SyncEvent.objects.filter(connection=connection).order_by("-created_at", "-id")[:12]
    context = _context(
        request,
        connection,
        "finish",
        error=error,
        events=list(events),
        to_sync=selectors.products_to_sync_count(merchant=request.merchant, connection=connection)
        if connection.managed_in == ManagedIn.COMPTOIR
        else None,
        link_count=sum(1 for v in connection.preflight_choices.values() if v == "link"),
    )
    return render_page(request, "integrations/setup_finish.html", context, partial="step")
