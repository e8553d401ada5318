"""Why a ledger row moved, kept as a code and its parameters and said in the reader's language
(inventory.reasons, STYLE rule 17), and the migration that gave older rows their codes."""

import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from inventory.models import StockMovement, StockOrigin
from inventory.reasons import ReasonCode, reason_text
from inventory.services import refund_create, sale_create, stock_adjust, stock_note_record, stock_split_set
from inventory.tests.factories import stocked_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant(merchant):
    return stocked_variant(merchant=merchant, quantity=10, sku="MUG-1")


def page(client, variant, language="en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("inventory:product_stock", args=[variant.product.pk])).content.decode()
    return html.replace("\xa0", " ")  # French typography's non-breaking spaces


def text(**kwargs):
    return reason_text(**kwargs).replace("\xa0", " ")


def test_a_sale_and_its_refund_keep_a_code_and_their_ids_not_a_sentence(merchant, variant):
    sale = sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="s1")
    refund = refund_create(merchant=merchant, sale=sale, lines=[(sale.lines.get(), 1)], idempotency_key="r1")
    sold, refunded = StockMovement.objects.filter(origin__in=["pos_sale", "pos_refund"]).order_by("pk")
    assert (sold.reason_code, sold.reason_params, sold.reason) == (ReasonCode.SALE, {"sale": sale.pk}, "")
    assert (refunded.reason_code, refunded.reason_params) == (ReasonCode.REFUND, {"refund": refund.pk, "sale": sale.pk})


def test_each_code_reads_in_english_and_in_french():
    params = {"order": 100, "shop": "BigCommerce", "why": "refund", "status": "refunded"}
    with translation.override("en"):
        assert reason_text(code=ReasonCode.ONLINE_ORDER_KEPT, params=params) == (
            "Online order #100 refunded in BigCommerce; the store did not return the items to stock, "
            "so neither did Comptoir."
        )
        assert reason_text(code=ReasonCode.SALE, params={"sale": 2}) == "Sale #2"
    with translation.override("fr"):
        assert text(code=ReasonCode.SALE, params={"sale": 2}) == "Vente n° 2"
        returned = text(
            code=ReasonCode.ONLINE_ORDER_RETURNED, params={"order": 100, "shop": "BigCommerce", "status": "cancelled"}
        )
        assert "100" in returned and "annulée" in returned and "Cancelled" not in returned
        kept = text(code=ReasonCode.ONLINE_ORDER_KEPT, params=params)
        assert "remboursée" in kept and "refunded" not in kept
    assert reason_text(code="no-such-code", params={}) == ""


def test_the_history_speaks_one_language_whatever_language_the_rows_were_written_in(merchant_client, merchant, variant):
    with translation.override("en"):  # written by a task in English…
        sale = sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="s1")
        stock_adjust(
            merchant=merchant,
            variant=variant,
            delta=-1,
            origin=StockOrigin.ONLINE_ORDER,
            idempotency_key="o1",
            reason_code=ReasonCode.ONLINE_ORDER,
            reason_params={"order": 100, "shop": "BigCommerce"},
        )
        stock_adjust(
            merchant=merchant,
            variant=variant,
            delta=1,
            origin=StockOrigin.ONLINE_REFUND,
            idempotency_key="o1-back",
            reason_code=ReasonCode.ONLINE_ORDER_RETURNED,
            reason_params={"order": 100, "shop": "BigCommerce", "status": "cancelled"},
        )
        stock_split_set(merchant=merchant, variant=variant, online_quantity=3, idempotency_key="split")
    html = page(merchant_client, variant, "fr")  # …read in French
    assert f"Vente n° {sale.pk}" in html and "Sale #" not in html
    assert "Commande en ligne n° 100" in html and "Online order" not in html and "Cancelled" not in html
    assert "Stock séparé : 3 pour la boutique en ligne" in html and "Stock split:" not in html
    english = page(merchant_client, variant, "en")
    assert "Online order #100 cancelled in BigCommerce: items back in stock" in english
    assert "Vente" not in english


def test_a_row_that_moves_nothing_says_why_and_sends_nothing(merchant_client, merchant, variant):
    row = stock_note_record(
        merchant=merchant,
        variant=variant,
        origin=StockOrigin.ONLINE_REFUND,
        idempotency_key="kept",
        reason_code=ReasonCode.ONLINE_ORDER_KEPT,
        reason_params={"order": 100, "shop": "BigCommerce", "why": "refund", "status": "refunded"},
    )
    again = stock_note_record(
        merchant=merchant,
        variant=variant,
        origin=StockOrigin.ONLINE_REFUND,
        idempotency_key="kept",
        reason_code=ReasonCode.ONLINE_ORDER_KEPT,
    )
    assert again.pk == row.pk and (row.delta, row.level_after) == (0, 10)
    html = page(merchant_client, variant)
    assert "the store did not return the items to stock, so neither did Comptoir." in html
    with pytest.raises(ValueError):
        stock_note_record(
            merchant=merchant, variant=variant, origin=StockOrigin.ONLINE_REFUND, idempotency_key="x", reason_code=""
        )


def test_a_count_keeps_the_merchants_note_as_typed_and_its_code_in_the_readers_language(
    merchant_client, merchant, variant
):
    merchant_client.post(
        reverse("inventory:product_stock", args=[variant.product.pk]),
        {
            "action": "set_counts",
            "idempotency_key": "k" * 32,
            f"count_{variant.pk}": "8",
            "reason": "Inventaire annuel",
        },
    )
    row = StockMovement.objects.latest("pk")
    assert (row.reason_code, row.reason) == (ReasonCode.COUNT, "Inventaire annuel")
    html = page(merchant_client, variant, "en")
    assert "Stock count" in html and "Inventaire annuel" in html


def _legacy(merchant, variant, *, key, reason, origin=StockOrigin.MANUAL_COMPTOIR, delta=1, **fields):
    """A row as the ledger wrote them before reason codes."""
    row = stock_adjust(merchant=merchant, variant=variant, delta=delta, origin=origin, idempotency_key=key, **fields)
    StockMovement.objects.filter(pk=row.pk).update(reason=reason, reason_code="", reason_params={})
    return row.pk


def test_the_migration_gives_older_rows_their_codes_and_keeps_the_text_it_cannot_read(merchant, variant):
    migration = importlib.import_module("inventory.migrations.0004_history_reason_codes")
    sale = sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="s1")
    StockMovement.objects.filter(origin=StockOrigin.POS_SALE).update(
        reason=f"Sale #{sale.pk}", reason_code="", reason_params={}
    )
    taken = _legacy(
        merchant,
        variant,
        key="bigcommerce:3:order:100:line:7:taken",
        reason="Commande en ligne n° 100",
        origin=StockOrigin.ONLINE_ORDER,
        delta=-1,
    )
    returned = _legacy(
        merchant,
        variant,
        key="bigcommerce:3:order:100:line:7:returned",
        reason="Online order #100: Cancelled",
        origin=StockOrigin.ONLINE_REFUND,
    )
    check = _legacy(
        merchant,
        variant,
        key="bigcommerce:3:reconciliation:9:1.0",
        reason="BigCommerce affichait 12, Comptoir 10",
        origin=StockOrigin.RECONCILIATION,
        delta=2,
    )
    count = _legacy(merchant, variant, key="web:abc:count:1", reason="Inventaire")
    noted = _legacy(merchant, variant, key="web:abc:count:2", reason="Annual count")
    unknown = _legacy(merchant, variant, key="api:xyz", reason="Something a script wrote")
    keyless = _legacy(merchant, variant, key="x1", reason="Online order #7: Refunded", origin=StockOrigin.ONLINE_REFUND)
    migration.reason_codes_fill(apps, None)
    rows = {row.pk: row for row in StockMovement.objects.all()}
    sold = StockMovement.objects.get(origin=StockOrigin.POS_SALE)
    assert (sold.reason_code, sold.reason_params, sold.reason) == ("sale", {"sale": sale.pk}, "")
    assert (rows[taken].reason_code, rows[taken].reason_params) == (
        "online_order",
        {"order": 100, "connection": 3, "shop": "BigCommerce"},
    )
    assert rows[returned].reason_params["status"] == "cancelled" and rows[returned].reason == ""
    assert (rows[check].reason_code, rows[check].reason_params["seen"], rows[check].reason_params["expected"]) == (
        "online_check",
        12,
        10,
    )
    assert (rows[count].reason_code, rows[count].reason) == ("count", "")
    assert (rows[noted].reason_code, rows[noted].reason) == ("count", "Annual count")
    assert (rows[unknown].reason_code, rows[unknown].reason) == ("", "Something a script wrote")
    assert rows[keyless].reason_params == {"order": 7, "shop": "BigCommerce", "status": "refunded"}
    with translation.override("fr"):
        label = rows[returned].reason_label.replace("\xa0", " ")
        assert label == "Commande en ligne n° 100 annulée dans BigCommerce : articles remis en stock"
        assert rows[unknown].reason_label == "Something a script wrote"
