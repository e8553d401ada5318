"""Descriptions from BigCommerce are HTML: rendered, and sanitised by nh3."""

import pytest
from django.urls import reverse

from catalog.rich_text import description_html
from catalog.tests.factories import ProductFactory

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(2)">',
    '<a href="javascript:alert(3)">click</a>',
    '<a href="JaVaScRiPt:alert(4)">click</a>',
    '<a href="java&#x09;script:alert(5)">click</a>',
    '<p onmouseover="alert(6)" style="background:url(javascript:alert(7))">hover</p>',
    '<svg onload="alert(8)"></svg><iframe src="https://evil.test"></iframe>',
    '<form action="https://evil.test"><input name="password"></form>',
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(9)">',
    "<!--<script>alert(10)</script>-->",
]


@pytest.mark.parametrize("html", HOSTILE)
def test_hostile_html_is_disarmed(html):
    rendered = str(description_html("<p>Toile cirée</p>" + html))
    assert "<p>Toile cirée</p>" in rendered
    lowered = rendered.lower()
    for bad in (
        "<script",
        "onerror",
        "onload",
        "onmouseover",
        "javascript:",
        "<iframe",
        "<svg",
        "<form",
        "<img",
        "style=",
    ):
        assert bad not in lowered, (html, rendered)


def test_formatting_and_safe_links_are_kept():
    html = '<h3>Care</h3><ul><li><strong>Wipe</strong> clean</li></ul><a href="https://shop.test/care">More</a>'
    rendered = str(description_html(html))
    assert "<h3>Care</h3><ul><li><strong>Wipe</strong> clean</li></ul>" in rendered
    assert '<a href="https://shop.test/care" rel="noopener noreferrer nofollow">More</a>' in rendered


def test_plain_text_keeps_its_paragraphs_and_is_escaped():
    assert str(description_html("Cotton < wool\nSoft\n\nWashable")) == (
        "<p>Cotton &lt; wool<br>Soft</p>\n\n<p>Washable</p>"
    )


def test_the_product_page_renders_a_description_from_bigcommerce(merchant_client, merchant):
    product = ProductFactory(
        merchant=merchant,
        description='<p>Toile cirée</p><img src="x" onerror="alert(1)"><script>alert(2)</script>',
    )
    page = merchant_client.get(reverse("catalog:product_detail", args=[product.pk])).content.decode()
    assert '<div class="prose"><p>Toile cirée</p></div>' in page
    assert "&lt;p&gt;Toile cirée" not in page and "onerror" not in page and "alert(2)" not in page
