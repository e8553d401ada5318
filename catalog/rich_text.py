"""Product descriptions as a reader sees them.

A description typed in Comptoir is plain text (its line breaks are paragraphs); one that came
from BigCommerce is HTML written in its editor ("<p>Toile cirée</p>"). HTML is rendered, after
nh3 (the Rust sanitiser ammonia) has kept only harmless formatting: no script, style, event
handler, frame or form, and links only to http(s) and mailto addresses. Never a hand-written
sanitiser: HTML parsing has too many corners.
"""

import re

import nh3
from django.template.defaultfilters import linebreaks_filter
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Text that holds a tag (an opening, closing or comment), not a lone "<" as in "a < b".
_LOOKS_LIKE_HTML = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*[\s/>]|/[a-zA-Z]|!--)")


def description_html(text: str) -> SafeString:
    """``text`` ready for a page: sanitised HTML, or plain text with its paragraphs."""
    if not text:
        return mark_safe("")
    if not _LOOKS_LIKE_HTML.search(text):
        return linebreaks_filter(text, autoescape=True)
    cleaned = nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # nh3's output: only the tags and attributes above
