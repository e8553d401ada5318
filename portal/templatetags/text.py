"""Text filters for templates."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def email_wrap(email) -> str:
    """An email that may wrap after its "@" (and nowhere else): a narrow column keeps it whole
    on two lines rather than widening the table or cutting a word."""
    local, at, domain = str(email or "").rpartition("@")
    if not at:
        return conditional_escape(email or "")
    return mark_safe(f"{conditional_escape(local)}@<wbr>{conditional_escape(domain)}")  # noqa: S308 — both parts escaped
