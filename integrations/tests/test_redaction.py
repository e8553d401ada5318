"""What the journal keeps and shows of a detail: secrets removed and sizes bounded, in linear time
whatever the text (issue 15, item 8: a 2 MB description froze the web process)."""

import json
import random
import re

import pytest

from integrations.models import SyncEvent
from integrations.redaction import (
    MAX_TEXT,
    MAX_TOTAL,
    REMOVED,
    size_bounded,
    text_secrets_removed,
)
from integrations.services.journal import sync_event_record

# The pattern redaction used before: the same answers on every text it could finish.
_OLD_IN_TEXT = re.compile(
    r"(?P<name>[\w-]*(?:token|secret|password|signature)[\w-]*)(?P<sep>[\"']?\s*[=:]\s*[\"']?)(?P<value>[^&\s\"',;}]+)",
    re.I,
)
_OLD_BEARER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.I)


def _old(text):
    text = _OLD_IN_TEXT.sub(lambda m: f"{m['name']}{m['sep']}{REMOVED}", text)
    return _OLD_BEARER.sub(lambda m: f"{m[1]} {REMOVED}", text)


def test_texts_are_redacted_as_before():
    rng = random.Random(15)
    alphabet = ["token", "Secret", "PASSWORD", "signature", "=", ":", " ", '"', "'", "&", "-", "_", "x", "é", "\n"]
    alphabet += ["Bearer ", "basic ", ";", "}", ",", "1"]
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(3000)]
    samples += ["a?access_token=s3&b=2", 'x-auth-token: "abc"', "Authorization: Bearer a.b", "no secret here"]
    for text in samples:
        assert text_secrets_removed(text)[0] == _old(text), text


@pytest.mark.parametrize(
    "text",
    [
        "a" * 2_000_000,  # one run of word characters: quadratic before
        "a" * 1_000_000 + "token",
        ("token" + "x" * 99 + " ") * 20_000,  # many runs that name a secret, none assigned
        "token=" * 300_000,  # the first value runs to the end
        "token=x&" * 300_000,
        "-" * 2_000_000,
    ],
)
def test_redaction_work_grows_with_the_number_of_runs_not_with_the_square_of_the_length(text):
    redacted, steps = text_secrets_removed(text)
    runs = len(re.findall(r"[\w-]+", text))
    assert steps <= 2 * runs + 2
    if text.startswith("token=x"):
        assert redacted == f"token={REMOVED}&" * 300_000
    elif text.startswith("token="):
        assert redacted == f"token={REMOVED}"
    else:
        assert redacted == text


def test_a_secret_at_the_end_of_a_long_text_is_still_removed():
    text = "d" * 100_000 + " access_token=s3cr3t"
    redacted, steps = text_secrets_removed(text)
    assert redacted == "d" * 100_000 + f" access_token={REMOVED}" and steps <= 5


def test_size_bounded_cuts_long_texts_lists_and_objects_with_a_visible_marker():
    detail = {
        "sent": {"name": "Mug", "description": "w" * 2_000_000, "images": list(range(500))},
        "k" * 5000: "x",
        "wide": {f"f{i}": i for i in range(1000)},
        "deep": [[[[[[[[[[[[[["bottom"]]]]]]]]]]]]]],
    }
    bounded = size_bounded(detail)
    description = bounded["sent"]["description"]
    assert description.startswith("w" * MAX_TEXT) and description.endswith(
        f"[{2_000_000 - MAX_TEXT} more characters not kept]"
    )
    assert bounded["sent"]["name"] == "Mug"
    assert bounded["sent"]["images"][-1] == "[450 more items not kept]" and len(bounded["sent"]["images"]) == 51
    assert len(bounded["wide"]) == 101 and bounded["wide"]["…"] == "[900 more keys not kept]"
    assert max(len(key) for key in bounded) < 300
    assert "nested items not kept" in json.dumps(bounded["deep"])
    assert len(detail["sent"]["description"]) == 2_000_000  # pure


def test_size_bounded_keeps_a_total_budget_for_all_texts():
    bounded = size_bounded({"parts": ["z" * 1500] * 50})
    kept = sum(len(part) for part in bounded["parts"])
    assert kept < MAX_TOTAL + 50 * 60  # the markers of the texts cut


@pytest.mark.django_db
def test_the_journal_keeps_a_bounded_detail_of_a_large_payload():
    from portal.tests.factories import MerchantFactory

    merchant = MerchantFactory()
    event = sync_event_record(
        connection=None,
        merchant=merchant,
        kind=SyncEvent.Kind.PRODUCT_EXPORT,
        status=SyncEvent.Status.FAILED,
        message=lambda: "refused",
        detail={"sent": {"name": "Big", "description": "word" * 500_000}, "status": 409},
    )
    event.refresh_from_db()
    stored = json.dumps(event.detail)
    assert len(stored) < MAX_TEXT + 200
    assert event.detail["status"] == 409
    assert event.detail["sent"]["description"].endswith("[1998000 more characters not kept]")


@pytest.mark.django_db
def test_an_old_entry_with_megabytes_of_detail_opens_with_its_first_page_only():
    from django.urls import reverse

    from integrations.models import BigCommerceConnection
    from integrations.tests.connect_helpers import merchant_with_client

    merchant, _user, client = merchant_with_client()
    connection = BigCommerceConnection.objects.create(
        merchant=merchant, status="connected", store_hash="abc123", managed_in="comptoir", access_token="t"
    )
    # Written before the journal bounded what it keeps: straight into the table.
    event = SyncEvent.objects.create(
        merchant=merchant,
        connection=connection,
        kind=SyncEvent.Kind.PRODUCT_EXPORT,
        status=SyncEvent.Status.FAILED,
        message="refused",
        detail={"sent": {"description": "a" * 2_000_000, "url": "?access_token=s3cr3t"}},
    )
    content = client.get(reverse("integrations:bigcommerce_event", args=[event.pk])).content.decode()
    assert "[1998000 more characters not kept]" in content and "s3cr3t" not in content
    assert len(content) < 100_000
