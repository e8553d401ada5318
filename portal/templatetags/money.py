from django import template

from portal.money import format_money, from_minor

register = template.Library()


@register.simple_tag
def money(value, currency, negate=False):
    """{% money variant.price merchant.currency %} → "12,50 €" (value in minor units).

    ``negate=True`` shows the amount taken off ("-€18.00", "-18,00 €"), signed the way the
    locale signs money instead of a "-" glued before the symbol.
    """
    if negate and value is not None:
        value = -value
    return format_money(value, currency)


@register.filter
def minor_to_decimal(value, currency):
    """For form initial values: 1250|minor_to_decimal:"EUR" → 12.50."""
    return "" if value is None else from_minor(value, currency)
