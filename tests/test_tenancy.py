"""Tenant isolation: every URL a merchant can reach, walked with another merchant's ids.

Every URL pattern of the portal must appear in ``URL_CASES`` (a new URL without a case
fails ``test_every_url_has_a_tenancy_case``). A case builds the URL's kwargs from objects
that belong to *another* merchant; GET and POST with them must answer 404.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.tenancy_cases import API_URL_CASES, PUBLIC_OR_OWN, URL_CASES

# Namespaces and prefixes that are not merchant pages (third-party apps, admin, static).
IGNORED_NAMESPACES = {"admin", "djdt"}
IGNORED_NAMES_PREFIXES = ("account_", "socialaccount_", "set_language", "mfa_", "usersessions_")


def iter_patterns(resolver=None, namespace=None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in IGNORED_NAMESPACES:
                continue
            if namespace and entry.namespace:
                ns = f"{namespace}:{entry.namespace}"
            yield from iter_patterns(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            if not name.startswith(IGNORED_NAMES_PREFIXES):
                yield name, entry


def url_names():
    return sorted({name for name, _ in iter_patterns()})


def test_every_url_has_a_tenancy_case():
    known = URL_CASES.keys() | API_URL_CASES.keys() | PUBLIC_OR_OWN
    missing = [n for n in url_names() if n not in known]
    assert not missing, f"add these URLs to tests/tenancy_cases.py: {missing}"


@pytest.mark.parametrize("name", sorted(URL_CASES))
def test_other_merchants_ids_answer_404(name, merchant_client, merchant, other_merchant):
    kwargs_list = URL_CASES[name](other_merchant)
    assert kwargs_list, f"{name}: the case built no object of the other merchant"
    for kwargs in kwargs_list:
        url = reverse(name, kwargs=kwargs)
        get = merchant_client.get(url)
        post = merchant_client.post(url, {})
        assert get.status_code in (404, 405), f"GET {url} answered {get.status_code}"
        assert post.status_code in (404, 405), f"POST {url} answered {post.status_code}"
        assert (get.status_code, post.status_code) != (405, 405), f"{url} answered neither GET nor POST"


@pytest.mark.parametrize("name", sorted(API_URL_CASES))
def test_device_api_answers_404_for_other_merchants_ids(name, client, merchant, other_merchant):
    from portal.tests.factories import DeviceFactory

    device = DeviceFactory(merchant=merchant)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {device.token}", "HTTP_IDEMPOTENCY_KEY": "tenancy-1"}
    for kwargs in API_URL_CASES[name](other_merchant):
        url = reverse(name, kwargs=kwargs)
        get = client.get(url, **auth)
        post = client.post(url, {"lines": []}, content_type="application/json", **auth)
        assert get.status_code in (404, 405), f"GET {url} answered {get.status_code}"
        assert post.status_code in (404, 405), f"POST {url} answered {post.status_code}"
        assert (get.status_code, post.status_code) != (405, 405), f"{url} answered neither GET nor POST"
