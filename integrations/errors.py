"""Typed errors of the connection flows. Views map them to pages; nothing matches on text."""


class ConnectRefused(Exception):
    """Base class: a connection flow refused a request. ``status`` is the HTTP status to answer."""

    status = 400

    def __init__(self, message: str = ""):
        self.message = message
        super().__init__(message)


class BadCallback(ConnectRefused):
    """A callback from BigCommerce is malformed: missing/invalid code, wrong context (400)."""

    status = 400


class ForgedCallback(ConnectRefused):
    """A callback whose signature, expiry or jti does not hold, or whose store is unknown (403)."""

    status = 403


class StoreHeldByAnotherMerchant(ConnectRefused):
    """The store is already connected to another Comptoir account (403)."""

    status = 403


class MerchantHasAnotherStore(ConnectRefused):
    """This Comptoir account is already connected to another store (403)."""

    status = 403


class WrongStep(ConnectRefused):
    """The wizard was asked to do something its current state does not allow (400)."""

    status = 400
