"""BigCommerce's app callbacks (auth, load, uninstall, remove_user) and the welcome page of an
install started from BigCommerce. Pages BigCommerce frames in its control panel may be framed
by the control panel only."""

import logging
from urllib.parse import urlencode

from django.core import signing
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from integrations.bigcommerce.connection import app_callbacks
from integrations.errors import ConnectRefused, ForgedCallback
from integrations.models import BigCommerceConnection
from integrations.services.connection import connection_claim
from integrations.services.queue import enqueue
from integrations.views.common import allow_control_panel_frame, refusal_page
from integrations.views.connect_state import connect_state_spend

logger = logging.getLogger(__name__)
PENDING_SALT = "integrations.bigcommerce.pending-install"
PENDING_MAX_AGE = 60 * 60 * 24


def _merchant(request):
    return request.merchant if request.user.is_authenticated and request.merchant is not None else None


def pending_token(connection: BigCommerceConnection) -> str:
    return signing.dumps({"c": connection.pk, "s": connection.store_hash}, salt=PENDING_SALT)


def _welcome_url(connection) -> str:
    return reverse("integrations:app_welcome") + "?install=" + pending_token(connection)


@never_cache
@require_GET
def app_auth(request):
    """OAuth callback: ``?code&scope&context[&state]``. From Comptoir's Connect (``state`` is this
    session's nonce) or from an install in BigCommerce (no ``state``: maybe nobody is logged in)."""
    try:
        from_comptoir = connect_state_spend(session=request.session, state=request.GET.get("state", ""))
    except ConnectRefused as exc:
        logger.warning("BigCommerce auth callback with a foreign or stale state refused")
        return refusal_page(request, exc)
    # Without this session's state the store is never bound to whoever is logged in here: the
    # welcome page asks that person to confirm which Comptoir account to connect, or to switch.
    merchant = _merchant(request) if from_comptoir else None
    origin = BigCommerceConnection.Origin.COMPTOIR if merchant else BigCommerceConnection.Origin.BIGCOMMERCE
    try:
        connection = app_callbacks.auth_callback_handle(
            merchant=merchant,
            code=request.GET.get("code", ""),
            scope=request.GET.get("scope", ""),
            context=request.GET.get("context", ""),
            origin=origin,
        )
    except ConnectRefused as exc:
        logger.info("BigCommerce auth callback refused: %s", exc.__class__.__name__)
        return refusal_page(request, exc, framed=not from_comptoir)
    if merchant is None:
        return allow_control_panel_frame(redirect(_welcome_url(connection)))
    return redirect("integrations:setup")


@never_cache
@require_GET
def app_load(request):
    """The merchant opens Comptoir from the BigCommerce control panel: a page framed there."""
    try:
        payload, connection = app_callbacks.load_handle(token=request.GET.get("signed_payload_jwt", ""))
    except ConnectRefused as exc:
        return refusal_page(request, exc, framed=True)
    merchant = _merchant(request)
    if merchant is not None and connection.merchant_id == merchant.pk:
        context = {"connection": connection, "status": connection.status}
        return allow_control_panel_frame(render(request, "integrations/app_load.html", context))
    return _welcome_page(request, connection, merchant, _welcome_url(connection))


def _welcome_page(request, connection, merchant, welcome_url):
    if not connection.store_name and connection.access_token:
        # The store facts task may not have run yet: ask for it again (no platform call in a web
        # request) and let the page poll until the store's name (from /v2/store) is known.

        enqueue("integrations.tasks.connection_store_facts_fetch", connection.pk)
        connection.refresh_from_db()
    context = {
        "connection": connection,
        "merchant": merchant,
        # Until the store's name is read (never its hash in its place); each poll asks again.
        "polling": not connection.store_name and bool(connection.access_token),
        "held_by_other": connection.merchant_id is not None and connection.merchant_id != getattr(merchant, "pk", None),
        "next": welcome_url,
        # "Use another account": log out, log in (or sign up) as someone else, back here.
        "switch_url": reverse("account_login") + "?" + urlencode({"next": welcome_url}),
    }
    return allow_control_panel_frame(render(request, "integrations/app_welcome.html", context))


@never_cache
@require_http_methods(["GET", "POST"])
def app_welcome(request):
    """New to Comptoir (sign up) or existing (log in), then Connect: the store becomes yours."""
    try:
        data = signing.loads(request.GET.get("install", ""), salt=PENDING_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:
        refused = ForgedCallback(_("This link is invalid or has expired. Open Comptoir from BigCommerce again."))
        return refusal_page(request, refused, framed=True)
    connection = BigCommerceConnection.objects.filter(pk=data.get("c"), store_hash=data.get("s")).first()
    if connection is None or not connection.is_active:
        refused = ForgedCallback(_("This BigCommerce installation is no longer active. Install the app again."))
        return refusal_page(request, refused, framed=True)
    merchant = _merchant(request)
    if request.method == "POST" and merchant is not None:
        try:
            connection_claim(merchant=merchant, connection_id=connection.pk)
        except ConnectRefused as exc:
            return refusal_page(request, exc, framed=True)
        return allow_control_panel_frame(redirect("integrations:setup"))
    return _welcome_page(request, connection, merchant, request.get_full_path())


@never_cache
@require_GET
def app_uninstall(request):
    try:
        app_callbacks.uninstall_handle(token=request.GET.get("signed_payload_jwt", ""))
    except ConnectRefused as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    return JsonResponse({"ok": True})


@never_cache
@require_GET
def app_remove_user(request):
    try:
        app_callbacks.remove_user_handle(token=request.GET.get("signed_payload_jwt", ""))
    except ConnectRefused as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    return JsonResponse({"ok": True})
