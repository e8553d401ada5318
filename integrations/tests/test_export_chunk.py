"""Creates that meet a product already in the store (issue 15, items 9, 10, 14 and the offer to
link): never bound by name alone, one product's failure never stops the run, a fix is pushed at
once. Over real HTTP against the sandbox."""

from django.test import TestCase
from django.urls import reverse

from catalog.models import Product
from catalog.services.products import ProductFields, VariantSpec, product_update
from integrations.models import ProductLink, SyncEvent
from integrations.redaction import MAX_TEXT
from integrations.services.assignments import product_sync_retry_all_failed
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import add_product, api, new_store
from integrations.tests.test_export import _remote_names, _run_export_now, connected_to, remote_product

pytestmark = connect_helpers.SANDBOX_TESTS


def _store_product(bc, store, **fields):
    body = {"type": "physical", "weight": 1, "price": 99, **fields}
    return api(bc, store).post("/v3/catalog/products", json=body)["data"]


def test_a_retry_never_binds_a_store_product_of_the_same_name_and_another_sku(bc):
    store = new_store(bc)
    native = _store_product(bc, store, name="Native Widget", sku="NATIVE-1")
    _s, merchant, client, connection, widget = connected_to(
        bc, store, setup=lambda m: add_product(m, "Native Widget", sku="CPT-1", price=1800), review="create"
    )
    link = ProductLink.objects.get(connection=connection, product=widget)
    assert link.state == "failed" and link.remote_product_id is None

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert product_sync_retry_all_failed(connection=connection) == 1
    # The request names the product it retries, and settles nothing by itself.
    asked = SyncEvent.objects.get(merchant=merchant, message="Retry of 1 failed product requested.")
    assert (asked.product_name, asked.sku) == ("Native Widget", "CPT-1")
    assert (asked.code, asked.params) == ("export.retry_requested", {"count": 1})
    assert not SyncEvent.objects.filter(merchant=merchant, status="failed", resolved_at__isnull=False).exists()
    _run_export_now(connection)
    link.refresh_from_db()
    assert link.state == "failed" and link.remote_product_id is None and link.attempts >= 2
    assert "already has this name" in link.last_error
    # Linking to it is offered, as the merchant's explicit choice only.
    assert link.last_error_detail["clash"]["remote_product_id"] == native["id"]
    assert link.last_error_detail["clash"]["matched_on"] == "name"
    card = client.get(reverse("integrations:product_channels", args=[widget.pk])).content.decode()
    assert 'Link to the store\'s product “Native Widget” (SKU <span class="sku">NATIVE-1</span>)' in card
    assert "with other SKUs" in card
    assert not SyncEvent.objects.filter(merchant=merchant, product_id=widget.pk, message__startswith="Created").exists()

    # An edit in Comptoir reaches nothing in the store.
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_update(
            product=widget,
            fields=ProductFields(name="Native Widget", description="Ours", track_stock=True),
            variants=[VariantSpec(sku="CPT-1", price=1900)],
        )
    _run_export_now(connection)
    theirs = api(bc, store).get(f"/v3/catalog/products/{native['id']}")["data"]
    assert (theirs["sku"], theirs["price"], theirs["description"]) == ("NATIVE-1", 99, native["description"])


def test_a_lost_create_without_sku_is_found_by_its_category_and_time_not_a_foreign_product(bc, settings):
    """Our own create whose answer was lost is still found (no duplicate) when the product has
    no SKU: it sits in the Comptoir POS category and was made after our create was sent."""
    settings.BIGCOMMERCE_TIMEOUT = 1
    store = new_store(bc)
    bc.set_faults(
        store["hash"],
        [{"kind": "timeout_after", "method": "POST", "path": "/v3/catalog/products", "count": 1, "ms": 2500}],
    )
    _s, _m, _c, connection, bowl = connected_to(bc, store, setup=lambda m: add_product(m, "Bowl"))
    link = ProductLink.objects.get(connection=connection, product=bowl)
    assert link.remote_product_id is None and link.create_sent_at is not None
    _run_export_now(connection)
    link.refresh_from_db()
    assert link.state == "synced" and link.remote_product_id
    assert _remote_names(bc, store) == ["Bowl"]


def test_two_comptoir_products_of_one_name_fail_one_entry_and_the_run_retries_the_others(bc):
    store = new_store(bc)
    _store_product(bc, store, name="Web scarf", sku="SCARF-1")

    def setup(merchant):
        return (
            add_product(merchant, "Mug", sku="MUG-A"),
            add_product(merchant, "Mug", sku="MUG-B"),
            add_product(merchant, "Scarf", sku="SCARF-1"),
        )

    _s, merchant, _c, connection, (mug_a, mug_b, scarf) = connected_to(bc, store, setup=setup, review="create")
    links = {link.product_id: link for link in ProductLink.objects.filter(connection=connection)}
    assert links[mug_a.pk].state == "synced"
    assert links[mug_b.pk].state == "failed" and f"#{mug_a.pk}" in links[mug_b.pk].last_error
    assert "same name" in links[mug_b.pk].last_error
    assert links[scarf.pk].state == "failed"
    assert "clash" not in links[mug_b.pk].last_error_detail  # the store's "Mug" is the other one's
    assert links[scarf.pk].last_error_detail["clash"]["matched_on"] == "sku"

    # Every retry: each failed product is tried again and journaled again; nothing crashes.
    for round_ in (2, 3):
        _run_export_now(connection)
        for product in (mug_b, scarf):
            link = ProductLink.objects.get(pk=links[product.pk].pk)
            assert (link.state, link.attempts, link.remote_product_id) == ("failed", round_, None)
        assert SyncEvent.objects.filter(merchant=merchant, status="failed", product_id=mug_b.pk).count() == round_
    assert ProductLink.objects.get(pk=links[mug_a.pk].pk).state == "synced"


def test_a_fixed_sku_clash_is_pushed_at_once_like_any_edit(bc):
    store = new_store(bc)
    _store_product(bc, store, name="Web scarf", sku="SCARF-1")
    _s, merchant, _c, connection, scarf = connected_to(
        bc, store, setup=lambda m: add_product(m, "Scarf", sku="SCARF-1"), review="create"
    )
    link = ProductLink.objects.get(connection=connection, product=scarf)
    assert link.state == "failed" and link.claimed_until is not None  # waiting for its retry
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_update(
            product=scarf, fields=ProductFields(name="Scarf", track_stock=True), variants=[VariantSpec(sku="SCARF-2")]
        )
    link.refresh_from_db()  # no sweep, no waiting: the edit's own push
    assert link.state == "synced" and link.remote_product_id
    assert remote_product(bc, store, link)["sku"] == "SCARF-2"


def test_a_refused_product_with_a_huge_description_keeps_a_bounded_entry_that_opens_small(bc):
    """Issue 15, item 8: what was sent is kept as its first page; the entry opens at once."""
    store = new_store(bc)
    _store_product(bc, store, name="Plaid", sku="WEB-PLAID")

    def setup(merchant):
        plaid = add_product(merchant, "Plaid", sku="PLAID-1")
        Product.objects.filter(pk=plaid.pk).update(description="laine" * 40_000)  # 200,000 characters
        return plaid

    _s, merchant, client, connection, plaid = connected_to(bc, store, setup=setup, review="create")
    event = SyncEvent.objects.get(merchant=merchant, status="failed", product_id=plaid.pk)
    sent = event.detail["sent"]["description"]
    assert sent.startswith("laine" * (MAX_TEXT // 5)) and sent.endswith(
        f"[{200_000 - MAX_TEXT} more characters not kept]"
    )
    page = client.get(reverse("integrations:bigcommerce_event", args=[event.pk]))
    assert page.status_code == 200 and len(page.content) < 60_000
