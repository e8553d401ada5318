from django.urls import path

from integrations.views import app_callbacks, channels, journal, pages, wizard
from integrations.views import inbox as webhooks

app_name = "integrations"

urlpatterns = [
    path("", pages.integration_list, name="index"),
    path("bigcommerce/", pages.bigcommerce_overview, name="bigcommerce"),
    path("bigcommerce/products/", pages.bigcommerce_products, name="bigcommerce_products"),
    path("bigcommerce/runs/<int:run_id>/", pages.bigcommerce_run, name="bigcommerce_run"),
    path("bigcommerce/sync-now/", pages.bigcommerce_sync_now, name="bigcommerce_sync_now"),
    path("bigcommerce/stock-check/", pages.bigcommerce_stock_check, name="bigcommerce_stock_check"),
    path(
        "bigcommerce/incidents/<int:incident_id>/resolve/",
        pages.bigcommerce_incident_resolve,
        name="bigcommerce_incident_resolve",
    ),
    path(
        "bigcommerce/locations/<int:row_id>/retry/", pages.bigcommerce_location_retry, name="bigcommerce_location_retry"
    ),
    path("bigcommerce/journal/", journal.bigcommerce_journal, name="bigcommerce_journal"),
    path("bigcommerce/journal/export.csv", journal.bigcommerce_journal_export, name="bigcommerce_journal_export"),
    path(
        "bigcommerce/journal/retry-failed/",
        journal.bigcommerce_journal_retry_failed,
        name="bigcommerce_journal_retry_failed",
    ),
    path("bigcommerce/journal/<int:event_id>/", journal.bigcommerce_event, name="bigcommerce_event"),
    path("bigcommerce/journal/<int:event_id>/retry/", journal.bigcommerce_event_retry, name="bigcommerce_event_retry"),
    path("bigcommerce/connect/", pages.bigcommerce_connect, name="bigcommerce_connect"),
    path("bigcommerce/disconnect/", pages.bigcommerce_disconnect, name="bigcommerce_disconnect"),
    path("bigcommerce/setup/", wizard.setup_resume, name="setup"),
    path("bigcommerce/setup/managed-in/", wizard.setup_managed_in, name="setup_managed_in"),
    path("bigcommerce/setup/prices/", wizard.setup_prices, name="setup_prices"),
    path("bigcommerce/setup/products/", wizard.setup_products, name="setup_products"),
    path("bigcommerce/setup/review/", wizard.setup_review, name="setup_review"),
    path("bigcommerce/setup/locations/", wizard.setup_locations, name="setup_locations"),
    path("bigcommerce/setup/finish/", wizard.setup_finish, name="setup_finish"),
    path("bigcommerce/app/auth/", app_callbacks.app_auth, name="app_auth"),
    path("bigcommerce/app/load/", app_callbacks.app_load, name="app_load"),
    path("bigcommerce/app/uninstall/", app_callbacks.app_uninstall, name="app_uninstall"),
    path("bigcommerce/app/remove-user/", app_callbacks.app_remove_user, name="app_remove_user"),
    path("bigcommerce/app/welcome/", app_callbacks.app_welcome, name="app_welcome"),
    path("bigcommerce/webhooks/", webhooks.bigcommerce_webhook, name="bigcommerce_webhook"),
    path("channels/assign/", channels.assign_channels, name="assign_channels"),
    path("channels/products/<int:product_id>/", channels.product_channels, name="product_channels"),
    path("channels/products/<int:product_id>/retry/", channels.product_retry, name="product_retry"),
    path("channels/products/<int:product_id>/link-store/", channels.product_link_store, name="product_link_store"),
]
