import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from inventory.services import refund_create, sale_create
from inventory.tests.factories import stocked_variant
from portal.templatetags.dates import ago_text, when_text

MOMENT = dt.datetime(2026, 12, 2, 13, 2, tzinfo=dt.UTC)  # 14:02 in Paris


def render(source, **context):
    return Template("{% load dates %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "2\xa0Dec.\xa02026, 14:02"), ("fr", "2\xa0déc.\xa02026, 14:02")]
)
def test_one_format_for_dates_and_times_in_each_language(language, expected):
    with translation.override(language), timezone.override("Europe/Paris"):
        assert when_text(MOMENT) == expected
        assert render("{{ d|when }}", d=MOMENT) == f'<time datetime="{MOMENT.isoformat()}">{expected}</time>'
        assert render('{{ d|when:"date" }}', d=MOMENT).endswith(f">{expected.split(',')[0]}</time>")


def test_ago_says_just_now_under_a_minute_then_how_long():
    with translation.override("en"):
        assert ago_text(MOMENT, now=MOMENT + dt.timedelta(seconds=20)) == "just now"
        assert ago_text(MOMENT, now=MOMENT + dt.timedelta(minutes=5, seconds=3)) == "5\xa0minutes ago"
        assert ago_text(MOMENT, now=MOMENT + dt.timedelta(days=3, hours=2)) == "3\xa0days ago"


def test_empty_values_render_nothing():
    assert render("{{ d|when }}{{ d|ago }}{{ d|when_text }}", d=None) == ""


def test_every_page_shows_moments_through_these_filters():
    """One format across pages: a template may format a date itself only for a machine (an input's
    value, a URL, ``datetime=""``), never for a reader."""
    machine = re.compile(r"\|date:['\"](?:Y-m-d|c)['\"]")
    found = []
    for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            shown = machine.sub("", line)
            if "|date" in shown or "{% now" in shown or "|time" in shown or "|naturaltime" in shown:
                found.append(f"{path.name}:{number}")
    assert found == []


@pytest.mark.django_db
def test_the_sales_refunds_and_dashboard_dates_read_like_the_others(merchant, merchant_client):
    variant = stocked_variant(merchant=merchant, quantity=5, sku="MUG-1")
    sale = sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="s1")
    refund = refund_create(merchant=merchant, sale=sale, lines=[(sale.lines.get(), 1)], idempotency_key="r1")
    merchant_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    today = timezone.localdate()
    with translation.override("fr"):
        day, moment = when_text(today, "date"), when_text(refund.created_at)
    sales = merchant_client.get(reverse("inventory:sale_list"), {"day": today.isoformat()}).content.decode()
    assert f"Ventes et remboursements du {day}" in sales or day in sales
    assert f'<time datetime="{refund.created_at.isoformat()}">{moment}</time>' in sales
    dashboard = merchant_client.get(reverse("backoffice:dashboard")).content.decode()
    assert f">{day}</time>" in dashboard
