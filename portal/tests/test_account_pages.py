"""allauth's pages inside the portal's layout: a real title, the portal's styles, one
"Forgot your password?", and account settings reachable from the user menu."""

import re

import pytest
from django.urls import reverse


def title(html: str) -> str:
    """The title as a browser shows it (whitespace collapsed)."""
    return " ".join(re.search(r"<title>(.*?)</title>", html, re.S).group(1).split())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "expected"),
    [("account_reset_password", "Password Reset"), ("account_reset_password_done", "Password Reset")],
)
def test_entrance_pages_have_a_title_and_the_entrance_card(client, name, expected):
    html = client.get(reverse(name)).content.decode()
    assert title(html) == f"{expected} · Comptoir"
    assert 'class="entrance"' in html and 'class="card account-card"' in html
    assert 'class="btn btn-primary"' in html or name.endswith("done")


@pytest.mark.parametrize(
    ("name", "expected"), [("account_email", "Email Addresses"), ("account_change_password", "Change Password")]
)
def test_manage_pages_sit_in_the_portal_with_their_tabs(merchant_client, name, expected):
    html = merchant_client.get(reverse(name)).content.decode()
    assert title(html) == f"{expected} · Comptoir"
    assert 'class="sidebar"' in html and 'class="card account-card"' in html
    assert 'aria-label="Account settings"' in html and 'class="active"' in html
    assert "<strong>Menu:</strong>" not in html  # allauth's bare layout is gone


def test_login_offers_forgot_your_password_once(client, db):
    html = client.get(reverse("account_login")).content.decode()
    assert html.count("Forgot your password?") == 1


def test_account_settings_are_linked_from_the_user_menu(merchant_client):
    html = merchant_client.get(reverse("backoffice:dashboard")).content.decode()
    menu = html[html.index('class="user-menu"') :]
    assert f'href="{reverse("account_email")}"' in menu and "Account settings" in menu
