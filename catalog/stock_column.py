"""The catalog list's stock column. The catalog keeps no stock: the app that does (inventory)
registers, in its ``AppConfig.ready()``, the expression that sums a product's stock over its
variants (and shops); the catalog list annotates its products with it (no query more per page).
With several shops it also registers how many shops hold a product's stock (an expression, no
query more) and each shop's share of the page's products held in several shops (one query a page,
none when no product on the page is), shown under the total.
"""

from collections.abc import Callable

from django.db.models import Expression, IntegerField, Value

_provider: list[Callable[[], Expression]] = []
_breakdown: list[Callable] = []
_shops_provider: list[Callable[[], Expression]] = []


def product_stock_expression_register(provider: Callable[[], Expression]) -> None:
    """``provider()`` returns an expression of a product row (``OuterRef("pk")``) giving its stock."""
    _provider[:] = [provider]


def product_stock_expression() -> Expression:
    """The registered expression, or 0 when no app keeps stock."""
    return _provider[0]() if _provider else Value(0, output_field=IntegerField())


def product_stock_breakdown_register(provider: Callable, shops_expression: Callable[[], Expression]) -> None:
    """``provider(*, merchant, product_ids) -> {product id: [(shop name, stock)]}``;
    ``shops_expression()``: how many shops hold stock rows of a product (``OuterRef("pk")``)."""
    _breakdown[:] = [provider]
    _shops_provider[:] = [shops_expression]


def product_stock_shops_expression() -> Expression:
    return _shops_provider[0]() if _shops_provider else Value(0, output_field=IntegerField())


def product_stock_breakdown(*, merchant, product_ids) -> dict[int, list[tuple[str, int]]]:
    return _breakdown[0](merchant=merchant, product_ids=product_ids) if _breakdown else {}
