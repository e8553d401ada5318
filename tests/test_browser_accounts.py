import pytest

from portal.models import User
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_then_log_out_and_back_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=business_name]", "Fleurs de Lune")
    page.select_option("select[name=country]", "BE")
    page.select_option("select[name=currency]", "EUR")
    page.fill("input[name=default_vat_rate]", "21")
    page.fill("input[name=email]", "flora@fleurs.test")
    page.fill("input[name=password1]", "a-long-pass-phrase-9")
    page.fill("input[name=password2]", "a-long-pass-phrase-9")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "Fleurs de Lune" in page.text_content("body")
    assert User.objects.get(email="flora@fleurs.test").membership.merchant.country == "BE"

    page.click("text=Log out")
    page.wait_for_url("**/accounts/**")
    if page.locator("button:has-text('Log out')").count():
        page.click("button:has-text('Log out')")
    browser_login(page, live_server, email="flora@fleurs.test", password="a-long-pass-phrase-9")
    assert "Fleurs de Lune" in page.text_content(".merchant-name")


def test_language_switch_to_french(page, live_server, merchant_user):
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    with page.expect_navigation():
        page.select_option("#lang-select", "fr")
    assert page.locator("html").get_attribute("lang") == "fr"
