"""The settings page from two tabs (STYLE rule 18)."""

from decimal import Decimal

from portal.models import Merchant
from portal.tests.form_html import form_data

URL = "/settings/"
FORM = "settings-form"


def _open(client) -> dict:
    return form_data(client.get(URL).content, FORM)


def test_a_field_changed_in_another_tab_is_kept(merchant_client, merchant):
    tab_a, tab_b = _open(merchant_client), _open(merchant_client)
    assert merchant_client.post(URL, {**tab_b, "default_vat_rate": "5.5"}).status_code == 302

    response = merchant_client.post(URL, {**tab_a, "business_name": "Le Comptoir de Lise"})

    assert response.status_code == 302
    merchant.refresh_from_db()
    assert (merchant.name, merchant.default_vat_rate) == ("Le Comptoir de Lise", Decimal("5.50"))
    assert any(
        "their changes to the fields you did not change were kept" in str(m) for m in response.wsgi_request._messages
    )


def test_the_same_field_in_both_tabs_is_shown_and_nothing_is_written(merchant_client, merchant):
    tab_a, tab_b = _open(merchant_client), _open(merchant_client)
    merchant_client.post(URL, {**tab_b, "business_name": "Chez Lise"})
    version = Merchant.objects.get(pk=merchant.pk).settings_version

    response = merchant_client.post(URL, {**tab_a, "business_name": "Lise & Co", "default_vat_rate": "10"})

    assert response.status_code == 409
    merchant.refresh_from_db()
    assert (merchant.name, merchant.default_vat_rate, merchant.settings_version) == (
        "Chez Lise",
        Decimal("20.00"),
        version,
    )
    html = response.content.decode()
    assert "Someone else saved a change to the same fields" in html
    assert "Chez Lise" in html and "Lise &amp; Co" in html
    shown = form_data(html, FORM)
    assert (shown["business_name"], shown["default_vat_rate"]) == ("Chez Lise", "10.00")

    assert merchant_client.post(URL, shown).status_code == 302
    merchant.refresh_from_db()
    assert (merchant.name, merchant.default_vat_rate) == ("Chez Lise", Decimal("10.00"))


def test_every_save_moves_the_version(merchant_client, merchant):
    before = merchant.settings_version
    merchant_client.post(URL, _open(merchant_client))
    merchant.refresh_from_db()
    assert merchant.settings_version == before + 1
