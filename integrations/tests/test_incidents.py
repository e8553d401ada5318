"""Incidents (issue 18, item 4): what needs the merchant becomes one incident, one email (a burst
is one email, a repeat none) with a link to its journal entry, and the Overview shows it until it
is resolved — by itself when the condition clears, or by the merchant where nothing can tell.
Real HTTP to the sandbox; Django's locmem mail outbox (``mailoutbox``)."""

import datetime as dt

import pytest
import requests
from django.db import IntegrityError, transaction
from django.db.models import F
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from catalog.services.products import ProductFields, VariantSpec, product_update
from integrations import tasks
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.stock import push as stock_push
from integrations.models import BigCommerceConnection, Incident, ProductLink, StockPush, SyncEvent
from integrations.services.incidents import EMAIL_GAP, GATHER, GATHER_MAX, incident_open
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import (
    CLIENT_ID,
    PUBLIC_URL,
    CommitClient,
    add_product,
    api,
    connect_from_comptoir,
    local,
    new_store,
    sandbox_install,
    signed_payload,
)
from integrations.tests.stock_helpers import stock_reconcile
from integrations.tests.test_export import _run_export_now, connected, connected_to
from integrations.tests.test_stock_push import sell, stocked
from inventory.models import StockOrigin
from inventory.services import stock_adjust
from portal.tests.factories import MembershipFactory, MerchantFactory

bc = connect_helpers.bc  # fixture
sandbox = connect_helpers.sandbox  # fixture
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]
OVERVIEW = "/integrations/bigcommerce/"
Kind = Incident.Kind


@pytest.fixture(autouse=True)
def _no_apply_window(settings):
    settings.BIGCOMMERCE_STOCK_APPLY_WINDOW_S = 0


def gathered():
    """The burst is over: what opened is older than the gathering delay."""
    Incident.objects.update(opened_at=timezone.now() - GATHER - dt.timedelta(seconds=1))


def email_now():
    gathered()
    return tasks.incidents_email_sweep()


def journal_url(event_id: int) -> str:
    return f"{PUBLIC_URL}/integrations/bigcommerce/journal/{event_id}/"


def resolve_url(incident) -> str:
    return reverse("integrations:bigcommerce_incident_resolve", args=[incident.pk])


def _store_product(bc, store, **fields):
    body = {"type": "physical", "weight": 1, "price": 99, **fields}
    return api(bc, store).post("/v3/catalog/products", json=body)["data"]


# -- a product BigCommerce refused ----------------------------------------------------------------


def test_a_burst_of_refused_products_in_one_sync_is_one_incident_each_and_one_email(bc, mailoutbox):
    store = new_store(bc)
    for i in range(5):
        _store_product(bc, store, name=f"Web item {i}", sku=f"TAKEN-{i}")

    def setup(merchant):
        return [add_product(merchant, f"Item {i}", sku=f"TAKEN-{i}") for i in range(5)] + [
            add_product(merchant, "Free", sku="FREE-1")
        ]

    _s, merchant, client, connection, products = connected_to(bc, store, setup=setup, review="create")
    opened = Incident.objects.filter(merchant=merchant)
    assert opened.count() == 5 and set(opened.values_list("kind", flat=True)) == {Kind.PRODUCT_REFUSED}
    assert {i.subject for i in opened} == {f"product:{p.pk}" for p in products[:5]}
    # Still gathering: nothing is sent while the burst may go on.
    assert tasks.incidents_email_sweep() == [] and mailoutbox == []

    assert email_now() == [merchant.pk]
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    user = merchant.memberships.get().user
    assert mail.to == [user.email]
    assert mail.subject == "Comptoir: 5 things in your BigCommerce sync need your attention"
    html = mail.alternatives[0][0]
    for incident in opened.select_related("event"):
        assert incident.event.status == "failed" and incident.event.product_id == int(incident.subject.split(":")[1])
        assert journal_url(incident.event_id) in mail.body and journal_url(incident.event_id) in html
        assert f"BigCommerce refused the product {incident.subject_name}." in mail.body
    assert not opened.filter(emailed_at__isnull=True).exists()

    # The sweep retries them: the same products refused again count occurrences, and send nothing.
    _run_export_now(connection)
    assert opened.count() == 5 and set(opened.values_list("occurrences", flat=True)) == {2}
    assert email_now() == [] and len(mailoutbox) == 1

    # One is fixed (a free SKU): its incident resolves by itself; the others stay open.
    fixed = products[0]
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_update(
            product=fixed, fields=ProductFields(name="Item 0", track_stock=True), variants=[VariantSpec(sku="OWN-0")]
        )
    _run_export_now(connection)
    assert ProductLink.objects.get(connection=connection, product=fixed).state == "synced"
    done = Incident.objects.get(subject=f"product:{fixed.pk}")
    assert done.resolved_at is not None and done.resolved_how == "automatic"
    assert Incident.objects.filter(resolved_at__isnull=True).count() == 4

    page = client.get(OVERVIEW).content.decode()
    assert "Needs your attention" in page
    assert page.count("BigCommerce refused the product") == 5  # four open, one resolved
    assert "Resolved automatically on" in page
    assert reverse("integrations:bigcommerce_event", args=[done.event_id]) in page
    assert "Mark resolved" not in page  # these resolve by themselves


# -- a token revoked, an app uninstalled ----------------------------------------------------------


def test_a_revoked_token_opens_one_incident_and_reconnecting_resolves_it(bc, mailoutbox):
    store, merchant, client, connection, _made = connected(bc, setup=lambda m: add_product(m, "Mug", sku="MUG-1"))
    # Uninstalled in BigCommerce's control panel, and its callback never reached us: the token is dead.
    answer = requests.post(f"{bc.url}/manage/stores/{store['hash']}/apps/{CLIENT_ID}/uninstall", timeout=10)
    assert answer.status_code in (200, 302, 303)
    for _ in range(3):  # the minute poll finds out, and again a minute later
        tasks.bigcommerce_orders_poll(connection.pk)
    incident = Incident.objects.get(merchant=merchant)
    assert (incident.kind, incident.occurrences, incident.resolved_at) == (Kind.TOKEN_REVOKED, 3, None)
    refused = SyncEvent.objects.filter(merchant=merchant, code="connection.access_refused")
    assert refused.count() == 1 and incident.event_id == refused.get().pk  # journaled once while it lasts

    email_now()
    assert len(mailoutbox) == 1 and journal_url(incident.event_id) in mailoutbox[0].body
    assert "Install the Comptoir app again" in mailoutbox[0].body
    assert "access to your store" in client.get(OVERVIEW).content.decode()

    # Installed again from BigCommerce: a new token for the same store, the incident resolved.
    callback = sandbox_install(bc, store)
    assert CommitClient().get(local(callback)).status_code == 302
    incident.refresh_from_db()
    assert incident.resolved_at is not None and incident.resolved_how == "automatic"
    assert BigCommerceConnection.objects.get(pk=connection.pk).access_token != connection.access_token
    tasks.bigcommerce_orders_poll(connection.pk)
    assert Incident.objects.filter(resolved_at__isnull=True).count() == 0


def test_an_uninstall_opens_an_incident_the_merchant_can_mark_resolved(bc, mailoutbox):
    store, merchant, client, _connection, _made = connected(bc)
    answer = client.get(
        "/integrations/bigcommerce/app/uninstall/", {"signed_payload_jwt": signed_payload(store["hash"])}
    )
    assert answer.status_code == 200
    incident = Incident.objects.get(merchant=merchant)
    assert incident.kind == Kind.APP_UNINSTALLED and "uninstalled" in incident.event.message
    email_now()
    assert len(mailoutbox) == 1 and "The Comptoir app was uninstalled in BigCommerce" in mailoutbox[0].body

    page = client.get(OVERVIEW).content.decode()
    assert "The Comptoir app was uninstalled" in page and "Mark resolved" in page and "Connect" in page
    answer = client.post(resolve_url(incident))
    assert answer.status_code == 302
    incident.refresh_from_db()
    assert incident.resolved_how == "merchant" and incident.resolved_by == merchant.memberships.get().user
    assert "Resolved by you on" in client.get(OVERVIEW).content.decode()


def test_connecting_again_after_an_uninstall_resolves_it(bc):
    store, merchant, client, _connection, _made = connected(bc)
    client.get("/integrations/bigcommerce/app/uninstall/", {"signed_payload_jwt": signed_payload(store["hash"])})
    connect_from_comptoir(client, bc, store)
    incident = Incident.objects.get(merchant=merchant)
    assert incident.resolved_at is not None and incident.resolved_how == "automatic"


# -- stock pushes BigCommerce keeps refusing -------------------------------------------------------


def test_a_variant_whose_stock_bigcommerce_keeps_refusing_is_one_incident_resolved_when_accepted(bc, mailoutbox):
    store, merchant, client, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 1))
    _drifted(bc, store, mug, 0)  # an online order took the last mug; Comptoir has not heard of it yet
    sell(merchant, mug)  # BigCommerce cannot go to -1: refused, every sweep
    for attempt in range(1, stock_push.KEEPS_REFUSING + 3):
        tasks.bigcommerce_stock_push_sweep()
        opened = Incident.objects.filter(merchant=merchant, kind=Kind.STOCK_PUSH_REFUSED)
        assert opened.count() == (1 if attempt >= stock_push.KEEPS_REFUSING else 0), attempt
    assert StockPush.objects.get(variant_link__variant=mug).attempts == stock_push.KEEPS_REFUSING + 2
    incident = opened.get()
    assert incident.subject == f"variant:{mug.pk}" and incident.subject_name == "Mug MUG-1"
    assert incident.event.status == "failed" and "below zero" in incident.event.message
    email_now()
    assert len(mailoutbox) == 1 and journal_url(incident.event_id) in mailoutbox[0].body
    tasks.bigcommerce_stock_push_sweep()
    assert email_now() == [] and len(mailoutbox) == 1

    # The online order reaches Comptoir: nothing is refused any more, the incident says so.
    with TestCase.captureOnCommitCallbacks(execute=True):
        stock_adjust(merchant=merchant, variant=mug, delta=-1, origin=StockOrigin.ONLINE_ORDER, idempotency_key="o1")
    tasks.bigcommerce_stock_push_sweep()
    incident.refresh_from_db()
    assert incident.resolved_at is not None and incident.resolved_how == "automatic"


# -- webhooks BigCommerce deactivated -------------------------------------------------------------


def test_webhooks_bigcommerce_deactivated_are_told_and_registered_again(bc, mailoutbox):
    store, merchant, client, connection, _made = connected(bc)
    store_api = client_for(connection)  # hooks are the app's own: read with its token
    hook_id = connection.webhook_ids[0]
    # What BigCommerce leaves after days of failed deliveries: the hook inactive.
    store_api.put(f"/v3/hooks/{hook_id}", json={"is_active": False})
    tasks.bigcommerce_webhooks_check_all()
    incident = Incident.objects.get(merchant=merchant)
    assert incident.kind == Kind.WEBHOOKS_DEACTIVATED and incident.event.code == "connection.webhooks_deactivated"
    assert incident.resolved_at is not None and incident.resolved_how == "automatic"  # registered again
    assert store_api.get(f"/v3/hooks/{hook_id}")["data"]["is_active"] is True
    email_now()
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "deactivated Comptoir's webhooks" in body and "Already resolved automatically" in body
    assert journal_url(incident.event_id) in mailoutbox[0].body
    tasks.bigcommerce_webhooks_check_all()  # all active: nothing new
    assert Incident.objects.count() == 1


# -- a stock check that corrected drift -----------------------------------------------------------


def _drifted(bc, store, variant, quantity):
    from integrations.models import VariantLink

    remote = VariantLink.objects.get(variant=variant).remote_variant_id
    api(bc, store).put(
        "/v3/inventory/adjustments/absolute",
        json={"reason": "lost", "items": [{"location_id": 1, "variant_id": remote, "quantity": quantity}]},
    )


def test_a_stock_check_that_corrected_drift_is_one_incident_until_the_merchant_marks_it_resolved(bc, mailoutbox):
    store, merchant, client, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 5))
    _drifted(bc, store, mug, 3)
    stock_reconcile(connection=connection)
    incident = Incident.objects.get(merchant=merchant)
    assert incident.kind == Kind.STOCK_DRIFT and incident.event.kind == "stock_check"
    email_now()
    assert len(mailoutbox) == 1 and journal_url(incident.event_id) in mailoutbox[0].body
    assert "A stock check found 1 variant whose stock differed" in mailoutbox[0].body
    _drifted(bc, store, mug, 2)  # again, while it is open: counted, no new email
    stock_reconcile(connection=connection)
    incident.refresh_from_db()
    assert incident.occurrences == 2 and Incident.objects.count() == 1
    assert email_now() == [] and len(mailoutbox) == 1

    # Mark resolved: CSRF, tenancy, a kind that resolves by itself — each refused, nothing changed.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(merchant.memberships.get().user)
    assert strict.post(resolve_url(incident)).status_code == 403
    other = Client()
    other.force_login(MembershipFactory(merchant=MerchantFactory()).user)
    assert other.post(resolve_url(incident)).status_code == 404
    assert client.get(resolve_url(incident)).status_code == 405
    assert (
        client.post(reverse("integrations:bigcommerce_incident_resolve", args=[incident.pk + 999])).status_code == 404
    )
    automatic = Incident.objects.create(merchant=merchant, connection=connection, kind=Kind.PRODUCT_REFUSED)
    answer = client.post(resolve_url(automatic), follow=True)
    assert "This resolves by itself once the problem is fixed." in answer.content.decode()
    automatic.refresh_from_db()
    incident.refresh_from_db()
    assert automatic.resolved_at is None and incident.resolved_at is None

    page = client.get(OVERVIEW).content.decode()
    assert "A stock check found 1 variant" in page and "Since" in page and "2 times" in page
    assert page.count("Mark resolved") == 1 and resolve_url(incident) in page
    assert client.post(resolve_url(incident)).status_code == 302
    incident.refresh_from_db()
    assert incident.resolved_how == "merchant" and incident.resolved_at is not None
    answer = client.post(resolve_url(incident), follow=True)  # twice: said, nothing changed
    assert "This was already resolved." in answer.content.decode()
    page = client.get(OVERVIEW).content.decode()
    assert "Resolved by you on" in page
    # A new drift after it was resolved is a new incident (and a new email, once the gap passed).
    _drifted(bc, store, mug, 1)
    stock_reconcile(connection=connection)
    assert Incident.objects.filter(kind=Kind.STOCK_DRIFT).count() == 2


# -- the mail's pace --------------------------------------------------------------------------------


def test_at_most_one_email_per_gap_the_rest_waits_for_the_next(db, mailoutbox):
    merchant = MerchantFactory()
    MembershipFactory(merchant=merchant)
    connection = BigCommerceConnection.objects.create(merchant=merchant, store_hash="pace", status="connected")

    def opened(kind, subject=""):
        event = SyncEvent.objects.create(merchant=merchant, connection=connection, kind="error", message="x")
        return incident_open(connection=connection, kind=kind, subject=subject, event=event)

    assert opened(Kind.STOCK_DRIFT)
    assert email_now() == [merchant.pk] and len(mailoutbox) == 1
    assert opened(Kind.PRODUCT_REFUSED, "product:1")
    assert not opened(Kind.PRODUCT_REFUSED, "product:1")  # a repeat: counted
    assert email_now() == [] and len(mailoutbox) == 1  # emailed lately: it waits for the gap
    Incident.objects.update(emailed_at=F("emailed_at") - EMAIL_GAP)
    assert email_now() == [merchant.pk] and len(mailoutbox) == 2
    assert mailoutbox[1].subject == "Comptoir: 1 thing in your BigCommerce sync needs your attention"
    assert "(2 times)" in mailoutbox[1].body
    # A burst that never stops is emailed anyway after GATHER_MAX, in one email.
    Incident.objects.update(emailed_at=F("emailed_at") - EMAIL_GAP)
    opened(Kind.PRODUCT_REFUSED, "product:2")
    Incident.objects.filter(subject="product:2").update(opened_at=timezone.now() - GATHER_MAX)
    opened(Kind.PRODUCT_REFUSED, "product:3")
    assert tasks.incidents_email_sweep() == [merchant.pk] and len(mailoutbox) == 3
    assert "2 things" in mailoutbox[2].subject
    # Nobody to tell (no member left): they stay on the Overview, marked as told.
    merchant.memberships.all().delete()
    opened(Kind.PRODUCT_REFUSED, "product:4")
    Incident.objects.update(emailed_at=F("emailed_at") - EMAIL_GAP)
    assert email_now() == [merchant.pk] and len(mailoutbox) == 3


def test_the_email_and_the_overview_speak_french(db, mailoutbox, settings):
    settings.LANGUAGE_CODE = "fr"  # merchants have no language of their own: the site's
    merchant = MerchantFactory()
    user = MembershipFactory(merchant=merchant).user
    connection = BigCommerceConnection.objects.create(merchant=merchant, store_hash="fr", status="disconnected")
    event = SyncEvent.objects.create(merchant=merchant, connection=connection, kind="callback", message="x")
    incident_open(connection=connection, kind=Kind.APP_UNINSTALLED, event=event)
    email_now()
    mail = mailoutbox[0]
    assert mail.subject == "Comptoir : 1 point de votre synchronisation BigCommerce demande votre attention"
    assert "L'application Comptoir a été désinstallée dans BigCommerce" in mail.body
    assert journal_url(event.pk) in mail.alternatives[0][0]
    client = Client(headers={"accept-language": "fr"})
    client.force_login(user)
    page = client.get(OVERVIEW).content.decode()
    assert "Demande votre attention" in page and "Marquer comme résolu" in page


def test_the_database_keeps_one_open_incident_per_subject(db):
    merchant = MerchantFactory()
    connection = BigCommerceConnection.objects.create(merchant=merchant, store_hash="one", status="connected")
    same = {"merchant": merchant, "connection": connection, "kind": Kind.PRODUCT_REFUSED, "subject": "product:1"}
    first = Incident.objects.create(**same)
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.create(**same)  # what a second worker noticing it at the same moment would write
    assert not incident_open(connection=connection, kind=Kind.PRODUCT_REFUSED, subject="product:1")
    first.refresh_from_db()
    assert first.occurrences == 2
    Incident.objects.filter(pk=first.pk).update(resolved_at=timezone.now())
    assert incident_open(connection=connection, kind=Kind.PRODUCT_REFUSED, subject="product:1")  # a new one
    assert Incident.objects.filter(**same).count() == 2
    # An install nobody has claimed yet has nobody to tell.
    unclaimed = BigCommerceConnection.objects.create(merchant=None, store_hash="unclaimed", status="connected")
    assert not incident_open(connection=unclaimed, kind=Kind.TOKEN_REVOKED) and Incident.objects.count() == 2


def test_a_mail_server_that_refuses_leaves_the_incidents_to_the_next_sweep(db, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 5  # nothing listens
    merchant = MerchantFactory()
    MembershipFactory(merchant=merchant)
    connection = BigCommerceConnection.objects.create(merchant=merchant, store_hash="smtp", status="connected")
    incident_open(connection=connection, kind=Kind.STOCK_DRIFT)
    assert email_now() == [merchant.pk]
    assert Incident.objects.get().emailed_at is None  # told next time, not lost
    assert "Could not email merchant" in caplog.text
