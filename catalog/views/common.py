from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme

from catalog import selectors
from catalog.models import Product
from portal.ids import id_parse


def product_or_404(request, product_id: int, *, detail: bool = False) -> Product:
    """The current merchant's product, or 404 (another merchant's id looks like a missing one)."""
    select = selectors.product_detail if detail else selectors.product_get
    try:
        return select(merchant=request.merchant, product_id=product_id)
    except Product.DoesNotExist as exc:
        raise Http404 from exc


def safe_next(request, fallback: str) -> str:
    """The ``next`` address of the request if it is ours, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def int_or_none(value) -> int | None:
    return id_parse(value.strip() if isinstance(value, str) else value)
