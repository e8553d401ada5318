from django import template

from catalog.rich_text import description_html

register = template.Library()


@register.filter
def description(text: str):
    """A product description rendered for reading (sanitised HTML, or plain text paragraphs)."""
    return description_html(text or "")
