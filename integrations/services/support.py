"""What support staff may do from Django admin beyond the merchant's own pages."""

from django.utils.translation import gettext as _

from integrations.errors import WrongStep
from integrations.models import WebhookEvent
from integrations.services.queue import enqueue_on_commit


def webhook_event_retry(*, event: WebhookEvent) -> None:
    """Queue a webhook event that was not processed (its task gave up) to be processed again.

    The task is idempotent: it returns at once for an event processed in between.
    """
    if event.status == WebhookEvent.Status.PROCESSED:
        raise WrongStep(_("already processed."))
    enqueue_on_commit("integrations.tasks.webhook_event_process", event.pk)
