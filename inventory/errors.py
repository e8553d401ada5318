"""Typed errors raised by inventory services.

Each carries a stable ``code`` (the POS API returns it), a translated ``message`` and, where it
applies, the ``field`` at fault, so views and the API report them without parsing strings.
"""

from django.utils.translation import gettext as _


class InventoryError(Exception):
    code = "invalid"
    status = 422

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidQuantity(InventoryError):
    code = "invalid_quantity"


class InvalidPrice(InventoryError):
    """A variant's price is outside the bounds the catalog now enforces (saved before they were)."""

    code = "invalid_price"


class UnknownVariant(InventoryError):
    code = "unknown_product"


class EmptySale(InventoryError):
    code = "empty"


class RefundExceedsSale(InventoryError):
    code = "refund_exceeds_sale"


class StockNotTracked(InventoryError):
    code = "stock_not_tracked"


class NegativeStock(InventoryError):
    code = "negative_stock"


class IdempotencyConflict(InventoryError):
    """The idempotency key was already used for a different request."""

    code = "idempotency_key_reused"
    status = 409

    def __init__(self, message: str | None = None, *, field: str | None = None):
        super().__init__(message or _("This idempotency key was already used for a different request."), field=field)


class UnknownShop(InventoryError):
    code = "unknown_shop"


class ShopClosed(InventoryError):
    """The shop is deactivated: its stock and history stay readable, nothing moves there any more."""

    code = "shop_inactive"


class SameShop(InventoryError):
    """A transfer names one shop as both its source and its destination."""

    code = "same_shop"
