"""The ``state`` of a Connect started in Comptoir.

Connect keeps a random nonce in the merchant's session and sends it to BigCommerce's install
page as ``state``; the auth callback binds the store to the logged-in merchant only when it
brings that nonce back: compared in constant time, spent on first use, and within
``CONNECT_STATE_MAX_AGE`` seconds. A callback without ``state`` is an install started from
BigCommerce (or a browser that lost it): the view never binds it to whoever is logged in, it
asks that person which Comptoir account to connect.
"""

from __future__ import annotations

import secrets
import time

from django.utils.translation import gettext as _

from integrations.errors import ForgedCallback

CONNECT_STATE_SESSION_KEY = "bigcommerce_connect_state"
CONNECT_STATE_MAX_AGE = 10 * 60  # seconds: a merchant logs in to BigCommerce and approves in minutes


def connect_state_issue(*, session) -> str:
    """A new nonce for this session (replacing any earlier one); returns it to send as ``state``."""
    nonce = secrets.token_urlsafe(32)
    session[CONNECT_STATE_SESSION_KEY] = {"nonce": nonce, "issued_at": int(time.time())}
    return nonce


def connect_state_spend(*, session, state: str) -> bool:
    """True when ``state`` is this session's live nonce, which is spent now; False when the
    callback carries no ``state``. Raises ForgedCallback, changing nothing but dropping an
    expired nonce, for a ``state`` that is not, or no longer, this session's."""
    if not state:
        return False
    issued = session.get(CONNECT_STATE_SESSION_KEY)
    nonce = issued.get("nonce") if isinstance(issued, dict) else None
    if not isinstance(nonce, str) or not secrets.compare_digest(nonce.encode(), state.encode()):
        raise ForgedCallback(
            _(
                "This connection was not started from this browser, or its link was already used. "
                "Nothing was connected: start again with Connect in Comptoir."
            )
        )
    session.pop(CONNECT_STATE_SESSION_KEY, None)
    issued_at = issued.get("issued_at")
    if not isinstance(issued_at, int) or not 0 <= time.time() - issued_at <= CONNECT_STATE_MAX_AGE:
        raise ForgedCallback(
            _(
                "This connection took more than %(minutes)d minutes and has expired. "
                "Nothing was connected: start again with Connect in Comptoir."
            )
            % {"minutes": CONNECT_STATE_MAX_AGE // 60}
        )
    return True
