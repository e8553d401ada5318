"""The catalog list's stock column. The catalog keeps no stock: the app that does (inventory)
registers, in its ``AppConfig.ready()``, the expression that sums a product's stock over its
variants; the catalog list annotates its products with it (no query more per page).
"""

from collections.abc import Callable

from django.db.models import Expression, IntegerField, Value

_provider: list[Callable[[], Expression]] = []


def product_stock_expression_register(provider: Callable[[], Expression]) -> None:
    """``provider()`` returns an expression of a product row (``OuterRef("pk")``) giving its stock."""
    _provider[:] = [provider]


def product_stock_expression() -> Expression:
    """The registered expression, or 0 when no app keeps stock."""
    return _provider[0]() if _provider else Value(0, output_field=IntegerField())
