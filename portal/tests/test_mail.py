"""Mail: allauth's messages (password reset, verification) go out, and a mail server that
refuses never turns the page into a 500."""

import socket

import pytest
from django.core import mail
from django.urls import reverse

from portal.tests.factories import MembershipFactory


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused, as with no mail server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_password_reset_sends_the_mail(client):
    user = MembershipFactory().user
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[user.email]]


@pytest.mark.django_db
def test_password_reset_with_the_mail_server_down_says_so_instead_of_500(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    user = MembershipFactory().user

    response = client.post(reverse("account_reset_password"), {"email": user.email}, follow=True)

    assert response.status_code == 200
    assert "could not send the email" in response.content.decode()
