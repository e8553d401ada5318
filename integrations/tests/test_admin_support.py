"""Support in the Django admin: find a merchant by a user's email, filter by merchant, retry a
stock push through the stock push flow (journaled), and menus that read right in both languages."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from catalog.tests.factories import ProductFactory
from integrations.models import BigCommerceConnection, ProductLink, StockPush, SyncEvent, VariantLink
from integrations.tests.connect_helpers import CommitClient, api, new_store
from inventory.services import sale_create
from portal.tests.factories import MembershipFactory, MerchantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(db):
    client = CommitClient()
    client.force_login(UserFactory(is_staff=True, is_superuser=True, email="support@comptoir.test"))
    return client


@pytest.fixture
def two_merchants(db):
    """Two merchants, each with a user, a product, a sale, a connection and a journal line."""
    made = []
    for name, email in (("Atelier Grès", "lea@atelier-gres.test"), ("Chez Lou", "lou@chez-lou.test")):
        merchant = MerchantFactory(name=name)
        user = MembershipFactory(merchant=merchant, user__email=email).user
        product = ProductFactory(merchant=merchant, name=f"Mug {name}")
        sale_create(merchant=merchant, lines=[(product.variants.get(), 1)], idempotency_key=f"s-{name}", user=user)
        connection = BigCommerceConnection.objects.create(
            merchant=merchant, status=BigCommerceConnection.Status.CONNECTED, store_hash=f"h{len(made)}"
        )
        SyncEvent.objects.create(merchant=merchant, connection=connection, kind=SyncEvent.Kind.ERROR, message="x")
        link = ProductLink.objects.create(
            merchant=merchant, connection=connection, product=product, store_hash=connection.store_hash, origin="linked"
        )
        vlink = VariantLink.objects.create(link=link, variant=product.variants.get(), remote_variant_id=1 + len(made))
        StockPush.objects.create(connection=connection, variant_link=vlink, movement_id=100 + len(made), delta=1)
        made.append((merchant, product))
    return made


CHANGELISTS = [
    ("integrations_bigcommerceconnection", "merchant__id__exact"),
    ("integrations_syncevent", "merchant__id__exact"),
    ("integrations_productlink", "merchant__id__exact"),
    ("integrations_stockpush", "connection__merchant__id__exact"),
    ("inventory_sale", "merchant__id__exact"),
    ("inventory_stockmovement", "merchant__id__exact"),
    ("catalog_product", "merchant__id__exact"),
]


@pytest.mark.parametrize(("model", "merchant_param"), CHANGELISTS)
def test_support_finds_a_merchants_rows_by_a_users_email_and_filters_by_merchant(
    support, two_merchants, model, merchant_param
):
    (gres, _mug), (lou, _other) = two_merchants
    url = reverse(f"admin:{model}_changelist")
    found = support.get(url, {"q": "lea@atelier-gres.test"})
    assert found.status_code == 200
    assert found.context["cl"].result_count >= 1
    assert {_merchant_of(row) for row in found.context["cl"].result_list} == {gres.pk}
    filtered = support.get(url, {merchant_param: lou.pk})
    assert filtered.status_code == 200  # an unknown filter would redirect with ?e=1
    assert {_merchant_of(row) for row in filtered.context["cl"].result_list} == {lou.pk}
    assert "Chez Lou" in filtered.content.decode()  # the merchant filter lists them by name


def _merchant_of(row):
    if isinstance(row, StockPush):
        return row.connection.merchant_id
    return row.merchant_id


def test_the_menu_says_stock_pushes_in_both_languages(support):
    assert "Stock pushes" in support.get(reverse("admin:index")).content.decode()
    with translation.override("fr"):
        assert str(StockPush._meta.verbose_name_plural) == "envois de stock"
    page = support.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Stock pushs" not in page.content.decode()


@override_settings(BIGCOMMERCE_STOCK_SETTLE_AFTER_S=0)
def test_support_retries_a_stock_push_through_the_push_flow_and_it_is_journaled(bc, support):
    store = new_store(bc)
    token = bc.api_account(store["hash"])["access_token"]
    merchant = MerchantFactory()
    connection = BigCommerceConnection.objects.create(
        merchant=merchant,
        status=BigCommerceConnection.Status.CONNECTED,
        store_hash=store["hash"],
        access_token=token,
        managed_in="comptoir",
    )
    remote = api(bc, store).post(
        "/v3/catalog/products",
        json={"name": "Tote", "type": "physical", "weight": 1, "price": 10, "inventory_tracking": "product"},
    )["data"]
    remote_variant = api(bc, store).get(f"/v3/catalog/products/{remote['id']}/variants")["data"][0]
    product = ProductFactory(merchant=merchant, name="Tote", track_stock=True)
    link = ProductLink.objects.create(
        merchant=merchant,
        connection=connection,
        product=product,
        store_hash=store["hash"],
        remote_product_id=remote["id"],
        origin="linked",
        state="synced",
    )
    vlink = VariantLink.objects.create(
        link=link, variant=product.variants.get(), remote_variant_id=remote_variant["id"]
    )
    # Refused five times (BigCommerce was down), waiting for the next sweep; one already sent.
    waiting = StockPush.objects.create(connection=connection, variant_link=vlink, movement_id=1, delta=3, attempts=5)
    sent = StockPush.objects.create(connection=connection, variant_link=vlink, movement_id=2, delta=1, state="sent")

    answer = support.post(
        reverse("admin:integrations_stockpush_changelist"),
        {"action": "retry", "_selected_action": [waiting.pk, sent.pk]},
        follow=True,
    )
    page = answer.content.decode()
    assert "1 stock change queued to be sent again." in page
    assert "1 stock change was already sent: nothing to retry." in page
    waiting.refresh_from_db()
    assert waiting.state == "sent"  # the push run took it at once
    level = api(bc, store).get(f"/v3/catalog/products/{remote['id']}/variants")["data"][0]["inventory_level"]
    assert level == remote_variant["inventory_level"] + 3
    journaled = SyncEvent.objects.get(merchant=merchant, message__startswith="Support")
    assert journaled.message == (
        "Support (support@comptoir.test) retried stock sync: 1 stock change is sent to BigCommerce again."
    )
    assert journaled.detail["send"] == [1]


def test_a_lost_answer_is_never_sent_blindly_but_handed_to_the_stock_check(support, two_merchants):
    (gres, _mug), _ = two_merchants
    push = StockPush.objects.get(connection__merchant=gres)
    StockPush.objects.filter(pk=push.pk).update(state="unknown", attempts=2)
    from integrations.services.stock_support import stock_push_retry

    counts = stock_push_retry(pushes=[StockPush.objects.get(pk=push.pk)], requested_by="support@comptoir.test")
    assert counts == {"send": 0, "check": 1, "skipped": 0}
    assert StockPush.objects.get(pk=push.pk).state == "unknown"  # not re-sent
    assert VariantLink.objects.get(pk=push.variant_link_id).stock_check_requested_at is not None
    assert "settled by a stock check" in SyncEvent.objects.filter(merchant=gres).latest("id").message
