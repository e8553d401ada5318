"""What went wrong, in one sentence a merchant understands (built lazily, in every language)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from integrations.bigcommerce.api.errors import (
    BadRequest,
    BigCommerceError,
    Conflict,
    ExportFailed,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)


def _field_text(exc: BigCommerceError) -> str:
    return "; ".join(f"{k}: {v}" for k, v in exc.errors.items()) or exc.title or exc.__class__.__name__


def error_sentence(exc: BigCommerceError, *, product=None, same_name_product=None):
    """A callable for ``sync_event_record``: the sentence, rendered in each language.
    ``same_name_product``: another Comptoir product, already in the store, that has this name."""
    name = getattr(product, "name", "") or ""
    skus = [v.sku for v in product.variants.all() if v.sku] if product is not None else []
    other_id = getattr(same_name_product, "pk", None)

    def sentence() -> str:
        what = _("BigCommerce refused “%(name)s”") % {"name": name} if name else _("BigCommerce refused the change")
        if isinstance(exc, ExportFailed):
            return _(
                "Comptoir could not send “%(name)s” to BigCommerce because of an error on Comptoir's side "
                "(%(detail)s). It will retry by itself; the other products are not held up."
            ) % {"name": name, "detail": exc.title}
        if isinstance(exc, Conflict) and other_id and not exc.on_sku:
            return _(
                "%(what)s: another Comptoir product, already in BigCommerce, has the same name (product "
                "#%(other)s). BigCommerce needs unique product names: rename one of them in Comptoir and the "
                "change is sent at once."
            ) % {"what": what, "other": other_id}
        if isinstance(exc, Conflict):
            text = _field_text(exc)
            if exc.on_sku:
                sku = exc.named_sku or ", ".join(skus)
                return _(
                    "%(what)s: another product in BigCommerce already uses SKU %(sku)s. Rename one of them, then retry."
                ) % {"what": what, "sku": sku}
            if exc.on_name:
                return _(
                    "%(what)s: another product in BigCommerce already has this name. "
                    "BigCommerce needs unique product names: rename one of them, then retry."
                ) % {"what": what}
            return _("%(what)s: it conflicts with something in the store (%(detail)s).") % {
                "what": what,
                "detail": text,
            }
        if isinstance(exc, ValidationFailed | BadRequest):
            return _("%(what)s: %(detail)s. Correct the product in Comptoir, then retry.") % {
                "what": what,
                "detail": _field_text(exc),
            }
        if isinstance(exc, PayloadTooLarge):
            return _("%(what)s: the product is too large for one request (too many variants or images).") % {
                "what": what
            }
        if isinstance(exc, Unauthorized | Forbidden):
            return _(
                "BigCommerce no longer accepts Comptoir's access (the app was uninstalled or its permissions "
                "changed). Reconnect the store."
            )
        if isinstance(exc, NotFound):
            return _("%(what)s: the product no longer exists in BigCommerce. It will be created again.") % {
                "what": what
            }
        if isinstance(exc, RateLimited | Unavailable):
            return _("BigCommerce was unavailable or busy; Comptoir will retry by itself.")
        return _("%(what)s: %(detail)s.") % {"what": what, "detail": _field_text(exc)}

    return sentence
