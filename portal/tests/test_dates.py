import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

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
