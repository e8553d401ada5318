"""Browser journey: Sync now on the Overview; the progress card polls until the run finishes,
then stops polling, and the Sync panel beside it says the same without a reload."""

import os
import time

import pytest
from django.core.management import call_command

from integrations import tasks
from integrations.models import BigCommerceConnection, SyncRun
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import add_product, connect_from_comptoir, new_store, walk_wizard
from tests.conftest import browser_login

sandbox = connect_helpers.sandbox  # fixture
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]


def test_sync_now_shows_a_progress_card_that_polls_until_finished_then_stops_and_the_panel_follows(
    page, live_server, sandbox, settings, merchant, merchant_user, monkeypatch
):
    from django_q.conf import Conf

    connect_helpers.point_at_sandbox(settings, sandbox)
    call_command("schedules_install", verbosity=0)
    add_product(merchant, "Mug", sku="MUG-1")
    add_product(merchant, "Tote", sku="TOTE-1")
    client = connect_helpers.CommitClient()
    client.force_login(merchant_user)
    connect_from_comptoir(client, sandbox, new_store(sandbox))
    walk_wizard(client)
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.status == "connected"
    settings.COMPTOIR_PUBLIC_URL = live_server.url
    # From here tasks go to the queue, as in production, and this test is the worker: the
    # browser sees the run running before the task takes it.
    monkeypatch.setattr(Conf, "SYNC", False)

    shots = os.environ.get("COMPTOIR_SCREENSHOTS")

    def shot(name):
        if shots:
            page.set_viewport_size({"width": 1280, "height": 900})
            page.screenshot(path=os.path.join(shots, f"{name}.png"), full_page=True)

    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/integrations/bigcommerce/")
    polls = []
    page.on("request", lambda request: "/integrations/bigcommerce/runs/" in request.url and polls.append(request.url))
    page.click("button:has-text('Sync now')")
    page.wait_for_selector(".sync-run[hx-trigger] >> text=Sync in progress")
    page.wait_for_selector("text=0 of 2 products sent")
    shot("sync-now-01-running")
    deadline = time.monotonic() + 5
    while len(polls) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert len(polls) >= 2  # the card polls by itself while the run is running

    run = SyncRun.objects.get(connection=connection, initial=False, status="running")
    tasks.bigcommerce_export_run(connection.pk, run.pk)  # the worker takes the task

    page.wait_for_selector(".sync-run >> text=Sync finished")
    assert page.text_content(".sync-run").count("2 of 2 products sent") == 1
    assert page.get_attribute(".sync-run", "hx-trigger") is None
    facts = page.text_content(".sync-facts")  # the card's last answer brought the panel along
    assert "2 products sent" in facts and "In progress" not in facts, facts
    shot("sync-now-02-finished")
    assert "Not scheduled" not in page.text_content(".sync-facts")  # the sweep's next run
    seen = len(polls)
    page.wait_for_timeout(2500)
    assert len(polls) == seen  # no more polling once finished
