"""BigCommerce app callbacks: auth (OAuth install), load, uninstall, remove_user.

The auth callback exchanges its code for the token in the request itself (BigCommerce wants
the token fetched before the callback is answered); everything else is left to tasks.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.bigcommerce.api import oauth
from integrations.bigcommerce.api.errors import BigCommerceError
from integrations.bigcommerce.api.signed_payload import InvalidSignedPayload, SignedPayload, verify_signed_payload
from integrations.errors import BadCallback, ForgedCallback
from integrations.models import BigCommerceConnection, Incident, SyncEvent, UsedSignedPayload
from integrations.selectors import connection_active_for_store
from integrations.services.connection import connection_authorize, connection_forget, connection_hold_check
from integrations.services.incidents import incident_open
from integrations.services.journal import sync_event_record

CODE_RULE = re.compile(r"^[A-Za-z0-9._~-]{1,512}$")
AUTH_CALLBACK_PATH = "/integrations/bigcommerce/app/auth/"


def auth_redirect_uri() -> str:
    return settings.COMPTOIR_PUBLIC_URL + AUTH_CALLBACK_PATH


def auth_callback_handle(*, merchant, code: str, scope: str, context: str, origin: str) -> BigCommerceConnection:
    """Check the callback, exchange the code, record the grant. Raises BadCallback/ForgedCallback,
    StoreHeldByAnotherMerchant or MerchantHasAnotherStore."""
    if not code or not CODE_RULE.match(code):
        raise BadCallback(_("The link from BigCommerce has no valid authorization code."))
    try:
        store_hash = oauth.store_hash_from_context(context)
    except ValueError:
        raise BadCallback(_("The link from BigCommerce does not name a store.")) from None
    if merchant is not None:
        # Refuse before spending the code when the answer is known to be no.
        _refuse_early(merchant=merchant, store_hash=store_hash)
    try:
        token = oauth.exchange_code(code, scope, context, auth_redirect_uri())
    except BigCommerceError as exc:
        raise ForgedCallback(
            _("BigCommerce did not accept this authorization (%(reason)s). Start the connection again.")
            % {"reason": exc.title or exc.__class__.__name__}
        ) from None
    return connection_authorize(
        merchant=merchant,
        store_hash=token.store_hash,
        access_token=token.access_token,
        scope=" ".join(token.scopes),
        user_email=token.user_email or token.owner_email,
        origin=origin,
    )


def _refuse_early(*, merchant, store_hash: str) -> None:
    held = connection_active_for_store(store_hash=store_hash)
    own = BigCommerceConnection.objects.filter(merchant=merchant).first()
    connection_hold_check(merchant=merchant, store_hash=store_hash, held=held, own=own)


def signed_payload_accept(*, token: str) -> SignedPayload:
    """Verify the JWT and spend its ``jti``: the same payload is refused the second time."""
    if not token:
        raise BadCallback(_("The request from BigCommerce carries no signed payload."))
    try:
        payload = verify_signed_payload(token)
    except InvalidSignedPayload as exc:
        raise ForgedCallback(
            _("The request could not be verified as coming from BigCommerce (%(reason)s).") % {"reason": exc.reason}
        ) from None
    expires = dt.datetime.fromtimestamp(payload.expires_at, tz=dt.UTC) if payload.expires_at else None
    try:
        with transaction.atomic():
            UsedSignedPayload.objects.create(jti=payload.jti, store_hash=payload.store_hash, expires_at=expires)
    except IntegrityError:
        raise ForgedCallback(_("This request from BigCommerce was already used once (replay refused).")) from None
    return payload


def used_signed_payloads_purge() -> int:
    """Expired payloads cannot be replayed anyway (their exp is checked); forget their jti."""
    return UsedSignedPayload.objects.filter(expires_at__lt=timezone.now() - dt.timedelta(hours=1)).delete()[0]


def load_handle(*, token: str) -> tuple[SignedPayload, BigCommerceConnection]:
    payload = signed_payload_accept(token=token)
    connection = connection_active_for_store(store_hash=payload.store_hash)
    if connection is None:
        raise ForgedCallback(_("This BigCommerce store is not connected to Comptoir. Install the app again."))
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.CALLBACK,
        direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
        message=lambda: (
            _("Comptoir was opened from the BigCommerce control panel by %(email)s.")
            % {"email": payload.user_email or "?"}
        ),
        detail={"callback": "load", "user_id": payload.user_id, "url": payload.url, "channel_id": payload.channel_id},
    )
    return payload, connection


def uninstall_handle(*, token: str) -> BigCommerceConnection:
    payload = signed_payload_accept(token=token)
    with transaction.atomic():
        connection = connection_active_for_store(store_hash=payload.store_hash)
        if connection is None:
            raise ForgedCallback(_("This BigCommerce store is not connected to Comptoir."))
        connection = BigCommerceConnection.objects.select_for_update().get(pk=connection.pk)
        # BigCommerce deletes the app's webhooks itself on uninstall.
        event = connection_forget(
            connection=connection,
            kind=SyncEvent.Kind.CALLBACK,
            direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
            message=lambda: _(
                "The Comptoir app was uninstalled in BigCommerce: the connection is closed and the access "
                "token deleted. The journal is kept."
            ),
            detail={"callback": "uninstall", "user_email": payload.user_email},
        )
        incident_open(connection=connection, kind=Incident.Kind.APP_UNINSTALLED, event=event)
    return connection


def remove_user_handle(*, token: str) -> None:
    payload = signed_payload_accept(token=token)
    connection = connection_active_for_store(store_hash=payload.store_hash)
    if connection is None:
        raise ForgedCallback(_("This BigCommerce store is not connected to Comptoir."))
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.CALLBACK,
        direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
        message=lambda: (
            _("BigCommerce removed the user %(email)s from the app.") % {"email": payload.user_email or "?"}
        ),
        detail={"callback": "remove_user", "user_id": payload.user_id},
    )
