"""The Register: find products (name, SKU, barcode scan), build a cart, sell.

The cart lives in the session while it is being built, and the page always shows it (never
from the browser's cache: Back after Sales shows the cart the server holds). The sell form
carries the lines as shown and the cart's idempotency key: one key per cart, kept in the
session from the first render until the cart is sold or emptied. A double click, a resent
form or a second tab showing the same cart therefore records one sale (the others are told it
was already sold), and what is sold is what the cashier saw. A product without a price is sold
only once the cashier confirms it ("Sell at €0.00?").

The Register works in one shop (``portal.shops.shop_current``: chosen with the switcher, kept in
the session): it shows that shop's stock and sells from it. The sell form carries the shop it
showed, so a switch in another tab never moves a sale to another shop.
"""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from inventory.errors import InventoryError
from inventory.forms import KEY_PATTERN, CartLineForm, new_idempotency_key
from inventory.selectors import sale_by_key, variant_by_code, variant_search, variants_by_id
from inventory.services import MAX_LINE_QUANTITY, MAX_SALE_LINES, sale_create
from portal.decorators import merchant_required
from portal.ids import id_parse
from portal.selectors import shop_get, shop_list
from portal.shops import shop_current

CART_SESSION_KEY = "inventory_register_cart"
CART_KEY_SESSION_KEY = "inventory_register_cart_key"
TEMPLATE = "inventory/register.html"


def _cart_lines(request, shop) -> list[dict]:
    """The session cart as rows with the merchant's variants (unknown or foreign ids are dropped)."""
    raw = request.session.get(CART_SESSION_KEY, [])
    variants = variants_by_id(merchant=request.merchant, ids=[variant_id for variant_id, _ in raw], shop=shop)
    rows = []
    for variant_id, quantity in raw:
        variant = variants.get(variant_id)
        if variant is None:
            continue
        rows.append(
            {
                "variant": variant,
                "quantity": quantity,
                "total": variant.price * quantity,
                "short": variant.product.track_stock and quantity > variant.stock_store_quantity,
            }
        )
    return rows


def _cart_save(request, items: list[list[int]]) -> None:
    request.session[CART_SESSION_KEY] = items[:MAX_SALE_LINES]
    if not items:
        # The next cart is another sale: it gets its own key.
        request.session.pop(CART_KEY_SESSION_KEY, None)


def _cart_key(request) -> str:
    """The idempotency key of the cart in the session (every tab shows the same cart and key)."""
    key = request.session.get(CART_KEY_SESSION_KEY)
    if not key:
        key = request.session[CART_KEY_SESSION_KEY] = new_idempotency_key()
    return key


def _render(request, *, q="", notice="", notice_level="error", status=200, line_error=None, confirm_zero=None):
    shop = shop_current(request)
    lines = _cart_lines(request, shop)
    if line_error:
        for row in lines:
            if row["variant"].pk == line_error["variant"]:
                row["error"], row["typed"] = line_error["message"], line_error["typed"]
    context = {
        "q": q,
        "results": variant_search(merchant=request.merchant, query=q, shop=shop) if q else None,
        "shop": shop,
        "shops": shop_list(merchant=request.merchant, active_only=True),
        "lines": lines,
        "cart_total": sum(row["total"] for row in lines),
        "short_lines": [row for row in lines if row["short"]],
        "idempotency_key": _cart_key(request),
        "notice": notice,
        "notice_level": notice_level,
        "unpriced_lines": [row for row in lines if row["variant"].price == 0],
        # The Register asked "Sell at €0.00?": the sale as it was sent, to confirm or go back.
        "confirm_zero": confirm_zero,
    }
    if request.htmx and request.htmx.target == "register-results":
        template = f"{TEMPLATE}#results"
    elif request.htmx:
        template = f"{TEMPLATE}#register-body"
    else:
        template = TEMPLATE
    return render(request, template, context, status=status)


def _back(request, *, q="", notice="", notice_level="error"):
    """Answer a cart change: the register body for htmx; otherwise POST/redirect/GET."""
    if request.htmx:
        return _render(request, q=q, notice=notice, notice_level=notice_level)
    if notice:
        getattr(messages, notice_level)(request, notice)
    url = reverse("inventory:register")
    return redirect(f"{url}?{urlencode({'q': q})}" if q else url)


@require_GET
@merchant_required
@never_cache
def register(request):
    # The cart lives on the server: Back must never show the page as first loaded (the browser's
    # cache or back/forward cache), so it is never stored; a page restored anyway is reloaded
    # (``data-reload-on-restore``, static/js/comptoir.js).
    return _render(request, q=request.GET.get("q", "").strip()[:100])


@require_POST
@merchant_required
def register_cart(request):
    action = request.POST.get("action")
    items = [list(item) for item in request.session.get(CART_SESSION_KEY, [])]

    if action == "scan":
        q = request.POST.get("q", "").strip()[:100]
        if not q:
            return _back(request)
        variant = variant_by_code(merchant=request.merchant, code=q, shop=shop_current(request))
        if variant is None:
            # Not a barcode or SKU: show what the text matches instead.
            found = variant_search(merchant=request.merchant, query=q, limit=1, shop=shop_current(request))
            notice = "" if found else _("No product matches “%(q)s”.") % {"q": q}
            return _back(request, q=q, notice=notice)
        _cart_add(items, variant.pk, 1)
        _cart_save(request, items)
        return _back(request)

    if action == "clear":
        _cart_save(request, [])
        return _back(request)

    form = CartLineForm(request.POST)
    quantity_error = _("Enter a whole number from 0 to %(max)s.") % {"max": MAX_LINE_QUANTITY}
    if action == "set" and not form.errors.get("variant") and request.POST.get("quantity", "").strip() == "":
        form.add_error("quantity", quantity_error)  # an emptied field is a mistake, not "remove"
    if action not in {"add", "set", "remove"} or not form.is_valid():
        q = request.POST.get("q", "").strip()[:100]
        if action == "set" and "variant" not in form.errors:
            # The message goes on the cart line that was typed in, which keeps what was typed.
            typed = request.POST.get("quantity", "")[:20]
            line_error = {"variant": form.cleaned_data["variant"], "message": quantity_error, "typed": typed}
            return _render(request, q=q, line_error=line_error)
        return _back(request, q=q, notice=quantity_error)
    variant_id = form.cleaned_data["variant"]
    if variants_by_id(merchant=request.merchant, ids=[variant_id], shop=shop_current(request)).get(variant_id) is None:
        return _back(request, notice=_("This product does not exist."))
    quantity = form.cleaned_data["quantity"]
    if action == "add":
        _cart_add(items, variant_id, quantity or 1)
    elif action == "set" and quantity:
        items = [[v, quantity if v == variant_id else q] for v, q in items]
    else:  # remove, or set to 0
        items = [[v, q] for v, q in items if v != variant_id]
    _cart_save(request, items)
    return _back(request, q=request.POST.get("q", "").strip()[:100])


def _cart_add(items: list[list[int]], variant_id: int, quantity: int) -> None:
    for item in items:
        if item[0] == variant_id:
            item[1] = min(item[1] + quantity, MAX_LINE_QUANTITY)
            return
    items.append([variant_id, min(quantity, MAX_LINE_QUANTITY)])


def _parse_lines(values: list[str]) -> list[tuple[int, int]] | None:
    lines = []
    for value in values[: MAX_SALE_LINES + 1]:
        variant_id, sep, quantity = value.partition(":")
        variant_id = id_parse(variant_id)
        # A quantity of thousands of digits is no quantity (and int() refuses it: a 500).
        if not sep or variant_id is None or not quantity.isascii() or not quantity.isdigit() or len(quantity) > 18:
            return None
        lines.append((variant_id, int(quantity)))
    return lines


@require_POST
@merchant_required
def register_sell(request):
    key = request.POST.get("idempotency_key", "")
    if not KEY_PATTERN.match(key):
        return _back(request, notice=_("This form has expired. Check the cart and sell again."))
    idempotency_key = f"web:{key}"
    sale = sale_by_key(merchant=request.merchant, idempotency_key=idempotency_key)
    if sale is not None:
        # Another tab (or an earlier click) sold this cart.
        messages.warning(request, _("This cart was already sold: sale #%(id)s.") % {"id": sale.pk})
    else:
        parsed = _parse_lines(request.POST.getlist("line"))
        if parsed is None:
            return _back(request, notice=_("The cart could not be read. Check it and sell again."))
        shop = _shop_sold_in(request)
        variants = variants_by_id(merchant=request.merchant, ids=[variant_id for variant_id, _ in parsed], shop=shop)
        if any(variant_id not in variants for variant_id, _ in parsed):
            return _back(request, notice=_("A product in the cart no longer exists. Check the cart and sell again."))
        unpriced = list({variants[variant_id]: None for variant_id, _ in parsed if variants[variant_id].price == 0})
        if unpriced and request.POST.get("allow_zero_price") != "1":
            # A product without a price is never rung up at 0 unseen: ask first (the POS API
            # likewise wants "allow_zero_price" on the line).
            confirm = {
                "variants": unpriced,
                "names": ", ".join(_("“%(name)s”") % {"name": variant} for variant in unpriced),
                "key": key,
                "shop": shop.pk,
                "lines": request.POST.getlist("line")[: MAX_SALE_LINES + 1],
            }
            return _render(request, confirm_zero=confirm)
        try:
            with transaction.atomic():
                sale = sale_create(
                    merchant=request.merchant,
                    lines=[(variants[variant_id], quantity) for variant_id, quantity in parsed],
                    idempotency_key=idempotency_key,
                    user=request.user,
                    shop=shop,
                )
        except InventoryError as error:
            return _back(request, notice=error.message)
        if request.session.get(CART_KEY_SESSION_KEY) in (None, key):
            _cart_save(request, [])  # not a cart built since in another tab
        messages.success(request, _("Sale #%(id)s recorded.") % {"id": sale.pk})
    url = reverse("inventory:sale_detail", args=[sale.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _shop_sold_in(request):
    """The shop the sell form showed (a deactivated one is refused by the sale), else the current one."""
    pk = id_parse(request.POST.get("shop", ""))
    shop = shop_get(merchant=request.merchant, pk=pk) if pk is not None else None
    return shop or shop_current(request)
