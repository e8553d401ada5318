import re
import secrets
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import Merchant, User
from portal.tests.factories import MembershipFactory, UserFactory


@pytest.mark.django_db
def test_signup_creates_merchant_and_membership(client):
    response = client.post(
        reverse("account_signup"),
        {
            "business_name": "La Petite Épicerie",
            "country": "fr",
            "currency": "eur",
            "default_vat_rate": "5.5",
            "email": "owner@epicerie.test",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="owner@epicerie.test")
    merchant = user.membership.merchant
    assert (merchant.name, merchant.country, merchant.currency, str(merchant.default_vat_rate)) == (
        "La Petite Épicerie",
        "FR",
        "EUR",
        "5.50",
    )


@pytest.mark.django_db
def test_signup_with_bad_currency_creates_nothing(client):
    response = client.post(
        reverse("account_signup"),
        {
            "business_name": "Shop",
            "country": "FR",
            "currency": "EURO",
            "default_vat_rate": "20",
            "email": "x@shop.test",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 200
    assert "“EURO” is not a currency code" in response.content.decode()
    assert not User.objects.exists()
    assert not Merchant.objects.exists()


def test_dashboard_requires_login(client, db):
    response = client.get(reverse("backoffice:dashboard"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_dashboard_shows_merchant_name(merchant_client, merchant):
    response = merchant_client.get(reverse("backoffice:dashboard"))
    assert response.status_code == 200
    assert merchant.name in response.content.decode()


def test_login_page_renders_in_french(client, db):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200


def test_user_without_merchant_is_sent_away_from_merchant_pages(client, db):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("backoffice:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


# -- login limits, password reset and enumeration (portal/accounts.py, README "Security") -----
LOGIN = "/accounts/login/"
PASSWORD = "correct-horse-battery"  # the factories' password
TOO_MANY = "Too many failed login attempts"


def _ip() -> str:
    """A fresh client address: allauth's counters live in the cache, which outlives a test when
    it is Redis, so each test keeps to addresses and emails of its own."""
    return f"2001:db8:{secrets.randbits(16):x}:{secrets.randbits(16):x}::1"


def _email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@shop.test"


def _log_in(client, email, password, ip=None):
    return client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=ip or client.ip)


def _browser():
    """A test client with an address of its own."""
    client = Client()
    client.ip = _ip()
    return client


def _logged_in(response):
    return response.status_code == 302 and response["Location"] == reverse("backoffice:dashboard")


@pytest.fixture
def owner(db):
    return MembershipFactory(user__email=_email("owner")).user


def test_failed_logins_elsewhere_do_not_lock_the_owner_out_of_a_browser_they_used_before(owner):
    known = _browser()
    assert _logged_in(_log_in(known, owner.email, PASSWORD))
    known.post("/accounts/logout/")
    attacker = _browser()
    for _ in range(5):
        assert "not correct" in _log_in(attacker, owner.email.upper(), "guess").content.decode()
    # From a browser that never logged in to the account, even the right password now waits...
    assert TOO_MANY in _log_in(attacker, owner.email, PASSWORD).content.decode()
    assert TOO_MANY in _log_in(_browser(), owner.email, PASSWORD).content.decode()
    # ...but the owner's own browser is not held back by them.
    assert _logged_in(_log_in(known, owner.email, PASSWORD))


def test_a_known_browser_has_its_own_limit_of_failures(owner):
    known = _browser()
    assert _logged_in(_log_in(known, owner.email, PASSWORD))
    known.post("/accounts/logout/")
    for _ in range(5):
        assert "not correct" in _log_in(known, owner.email, "typo").content.decode()
    assert TOO_MANY in _log_in(known, owner.email, PASSWORD).content.decode()
    # The cookie of one account says nothing about another.
    other = owner.__class__.objects.create_user(email=_email("other"), password=PASSWORD)
    assert _logged_in(_log_in(known, other.email, PASSWORD))


def test_failed_logins_are_limited_per_ip_across_accounts(db):
    client, someone_else = _browser(), _email("nobody")
    for _ in range(10):
        assert "not correct" in _log_in(client, _email("nobody"), "guess").content.decode()
    assert TOO_MANY in _log_in(client, someone_else, "guess").content.decode()
    assert "not correct" in _log_in(client, someone_else, "guess", ip=_ip()).content.decode()


def test_password_reset_works_while_the_account_is_limited_and_lets_the_owner_in(owner, mailoutbox):
    attacker = _browser()
    for _ in range(6):
        _log_in(attacker, owner.email, "guess")
    owner_browser = _browser()  # a new browser: the account's limit applies
    assert TOO_MANY in _log_in(owner_browser, owner.email, PASSWORD).content.decode()

    asked = owner_browser.post("/accounts/password/reset/", {"email": owner.email}, REMOTE_ADDR=owner_browser.ip)
    assert asked.status_code == 302 and len(mailoutbox) == 1 and mailoutbox[0].to == [owner.email]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[0].body).group(1)
    form_url = owner_browser.get(link, REMOTE_ADDR=owner_browser.ip)["Location"]
    new_password = {"password1": "a-new-long-passphrase-7", "password2": "a-new-long-passphrase-7"}
    done = owner_browser.post(form_url, new_password, REMOTE_ADDR=owner_browser.ip)
    assert done.status_code == 302, done.content.decode()[:2000]
    assert _logged_in(_log_in(owner_browser, owner.email, "a-new-long-passphrase-7"))


def test_login_answers_alike_for_an_unknown_email_and_a_wrong_password(owner):
    unknown = _log_in(_browser(), _email("nobody"), "guess").content.decode()
    wrong = _log_in(_browser(), owner.email, "guess").content.decode()
    assert "not correct" in unknown and "not correct" in wrong


SIGNUP = {
    "business_name": "Copycat",
    "country": "FR",
    "currency": "EUR",
    "default_vat_rate": "20",
    "password1": "a-long-pass-phrase-9",
    "password2": "a-long-pass-phrase-9",
}


def test_signup_with_a_registered_email_does_not_say_so_and_mails_the_owner(owner, client, mailoutbox):
    answer = client.post(reverse("account_signup"), {**SIGNUP, "email": owner.email.upper()})
    assert answer.status_code == 302 and answer["Location"] == reverse("account_email_verification_sent")
    page = client.get(answer["Location"]).content.decode()
    assert "Check your email" in page and "already" not in page
    assert User.objects.count() == 1 and not Merchant.objects.filter(name="Copycat").exists()
    assert not client.get(reverse("backoffice:dashboard")).wsgi_request.user.is_authenticated
    assert [m.to for m in mailoutbox] == [[owner.email]]
    assert "already exists" in mailoutbox[0].body and "/accounts/password/reset/" in mailoutbox[0].body


def test_password_reset_answers_alike_for_a_registered_and_an_unknown_email(owner, mailoutbox):
    answers, nobody = [], _email("nobody")
    for email in (owner.email, nobody):
        browser = _browser()
        asked = browser.post("/accounts/password/reset/", {"email": email}, REMOTE_ADDR=browser.ip)
        answers.append((asked.status_code, asked["Location"], browser.get(asked["Location"]).status_code))
    assert answers[0] == answers[1] == (302, "/accounts/password/reset/done/", 200)
    # Each address is told by mail, and only the registered one gets a reset link.
    assert [m.to for m in mailoutbox] == [[owner.email], [nobody]]
    assert "/accounts/password/reset/key/" in mailoutbox[0].body
    assert "/accounts/password/reset/key/" not in mailoutbox[1].body


def test_with_mandatory_verification_a_new_and_a_registered_email_get_the_same_answer(owner, settings, mailoutbox):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    answers, newcomer = [], _email("newcomer")
    for email in (owner.email, newcomer):
        browser = _browser()
        data = {**SIGNUP, "email": email, "business_name": email}
        answer = browser.post(reverse("account_signup"), data, REMOTE_ADDR=browser.ip)
        answers.append((answer.status_code, answer["Location"]))
    assert answers[0] == answers[1] == (302, reverse("account_email_verification_sent"))
    assert [m.to for m in mailoutbox] == [[owner.email], [newcomer]]
    assert "already exists" in mailoutbox[0].body and "already exists" not in mailoutbox[1].body
