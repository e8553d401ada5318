"""BigCommerce's webhook deliveries: verify, store once, enqueue on commit, answer 200."""

import logging

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.bigcommerce.api.webhook_signature import InvalidWebhook, webhook_secret_matches, webhook_verify
from integrations.bigcommerce.inbox.receive import webhook_event_receive
from integrations.selectors import connection_receiving_webhooks
from portal.logs import log_context_bind
from portal.metrics import webhooks_received

logger = logging.getLogger(__name__)


@csrf_exempt  # BigCommerce posts from its servers; the signature is the authentication
@require_POST
def bigcommerce_webhook(request):
    headers = dict(request.headers)
    try:
        delivery = webhook_verify(body=request.body, headers=headers)
    except InvalidWebhook as exc:
        logger.warning("Refused a BigCommerce webhook: %s", exc.reason)
        webhooks_received.labels(outcome="refused").inc()
        return JsonResponse({"error": "invalid webhook"}, status=exc.status)
    connection = connection_receiving_webhooks(store_hash=delivery.store_hash)
    if connection is None or connection.merchant_id is None:
        # A store we are not (or no longer) connected to: acknowledge so BigCommerce stops.
        logger.info("Ignored %s from store %s: no active connection", delivery.scope, delivery.store_hash)
        webhooks_received.labels(outcome="ignored").inc()
        return JsonResponse({"status": "ignored"})
    log_context_bind(merchant_id=connection.merchant_id, connection_id=connection.pk)
    if not webhook_secret_matches(expected=connection.webhook_secret, headers=headers):
        logger.warning("Refused a BigCommerce webhook for %s: wrong connection secret", delivery.store_hash)
        webhooks_received.labels(outcome="refused").inc()
        return JsonResponse({"error": "invalid webhook"}, status=401)
    _event, created = webhook_event_receive(connection=connection, delivery=delivery)
    webhooks_received.labels(outcome="stored" if created else "duplicate").inc()
    return JsonResponse({"status": "stored" if created else "duplicate"})
