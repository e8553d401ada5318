from django import template

from portal.money import format_money, from_minor

register = template.Library()


@register.simple_tag
def money(value, currency):
    """{% money variant.price merchant.currency %} → "12,50 €" (value in minor units)."""
    return format_money(value, currency)


@register.filter
def minor_to_decimal(value, currency):
    """For form initial values: 1250|minor_to_decimal:"EUR" → 12.50."""
    return "" if value is None else from_minor(value, currency)
