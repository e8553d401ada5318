"""The tasks of incidents (``integrations.services.incidents``): the hourly webhooks check and the
mail. Thin, as every task; ``integrations.tasks`` re-exports them, so that their dotted paths
(in queued rows and schedules) are ``integrations.tasks.<name>`` like every other task's."""

import logging

from integrations.bigcommerce.api.errors import BigCommerceError, Unauthorized
from integrations.bigcommerce.connection import setup
from integrations.models import BigCommerceConnection
from integrations.services import incidents
from integrations.services.queue import enqueue

__all__ = [
    "bigcommerce_webhooks_check",
    "bigcommerce_webhooks_check_all",
    "incidents_email_send",
    "incidents_email_sweep",
]
logger = logging.getLogger(__name__)
Status = BigCommerceConnection.Status


def bigcommerce_webhooks_check(connection_id: int) -> None:
    """Webhooks BigCommerce deactivated after failed deliveries: told, and registered again."""
    connection = BigCommerceConnection.objects.select_related("merchant").filter(pk=connection_id).first()
    if connection is None or connection.status != Status.CONNECTED or not connection.access_token:
        return
    try:
        setup.webhooks_check(connection=connection)
    except Unauthorized as exc:
        incidents.connection_access_refused(connection=connection, status=exc.status)
    except BigCommerceError as exc:  # the incident (if any) stays open; the next hour tries again
        logger.warning("Could not check the webhooks of connection %s: %s", connection.pk, exc)


def bigcommerce_webhooks_check_all() -> None:
    """Scheduled (hourly): one check per connected store."""
    for connection_id in BigCommerceConnection.objects.filter(status=Status.CONNECTED).values_list("pk", flat=True):
        enqueue("integrations.tasks.bigcommerce_webhooks_check", connection_id)


def incidents_email_sweep() -> list[int]:
    """Scheduled (every minute): a mail task for each merchant whose incidents are due."""
    return incidents.incidents_email_sweep()


def incidents_email_send(merchant_id: int) -> int:
    """One email listing the merchant's incidents not emailed yet."""
    return incidents.incidents_email_send(merchant_id=merchant_id)
