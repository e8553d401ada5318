"""``/metrics``: Prometheus' text format, for operators' scrapers only.

Two kinds of figures. Counters that processes add to as things happen (``portal.metrics``:
requests by view and status, tasks, webhooks received, BigCommerce calls and their 429s and errors
per store): with ``PROMETHEUS_MULTIPROC_DIR`` set (the production stack sets it for every process)
they are summed over gunicorn's workers and the lanes' workers; without it, they are this
process's. Gauges that say how things stand now are read from the database and the broker at
scrape time (``StateCollector``): any process answers the same.

Who may scrape: a request carrying ``Authorization: Bearer <METRICS_TOKEN>``, or one from an
address in ``METRICS_ALLOWED_IPS`` (the direct peer: scrape the processes, not through the proxy).
Anyone else gets 403, as does everyone when neither is configured.
"""

import hmac
import ipaddress
import os
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from integrations.models import StockPush, SyncRun, WebhookEvent
from operations.queues import lane_queue
from portal.heartbeat import lane_heartbeats, lanes


class StateCollector:
    """The gauges read at scrape time: a handful of aggregate queries."""

    def collect(self):
        now = timezone.now()
        depth = GaugeMetricFamily("comptoir_queue_tasks", "Tasks waiting in a lane's queue", labels=["lane"])
        age = GaugeMetricFamily(
            "comptoir_queue_oldest_task_age_seconds",
            "Age of the oldest task waiting in a lane's queue",
            labels=["lane"],
        )
        beat = GaugeMetricFamily(
            "comptoir_lane_heartbeat_age_seconds", "Seconds since a lane's worker last finished a task", labels=["lane"]
        )
        beats = lane_heartbeats()
        for lane in lanes():
            waiting, oldest = lane_queue(lane=lane)
            depth.add_metric([lane], waiting)
            age.add_metric([lane], oldest)
            if beats.get(lane) is not None:
                beat.add_metric([lane], (now - beats[lane]).total_seconds())
        yield from (depth, age, beat)

        pending = StockPush.objects.filter(state=StockPush.State.PENDING).aggregate(
            n=Count("id"), oldest=Min("created_at")
        )
        yield GaugeMetricFamily(
            "comptoir_stock_pushes_pending", "Stock changes not yet sent to BigCommerce", value=pending["n"]
        )
        yield GaugeMetricFamily(
            "comptoir_stock_push_oldest_pending_age_seconds",
            "Age of the oldest stock change not yet sent to BigCommerce (0: none)",
            value=_age(pending["oldest"], now),
        )

        inbox = WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED).aggregate(
            n=Count("id"), oldest=Min("received_at")
        )
        yield GaugeMetricFamily(
            "comptoir_webhook_events_unprocessed", "Webhook events stored, not yet processed", value=inbox["n"]
        )
        yield GaugeMetricFamily(
            "comptoir_webhook_processing_lag_seconds",
            "Age of the oldest webhook event not yet processed (0: none)",
            value=_age(inbox["oldest"], now),
        )

        runs = GaugeMetricFamily(
            "comptoir_sync_runs", "Sync runs in progress and stalled, by kind", labels=["kind", "state"]
        )
        quiet_since = now - timedelta(minutes=settings.COMPTOIR_RUN_STALLED_MINUTES)
        counts = {(kind, state): 0 for kind in SyncRun.Kind.values for state in ("running", "stalled")}
        for row in (
            SyncRun.objects.filter(status__in=[SyncRun.Status.RUNNING, SyncRun.Status.STALLED])
            .values("kind", "status", "updated_at")
            .iterator()
        ):
            stalled = row["status"] == SyncRun.Status.STALLED or row["updated_at"] < quiet_since
            counts[(row["kind"], "stalled" if stalled else "running")] = (
                counts.get((row["kind"], "stalled" if stalled else "running"), 0) + 1
            )
        for (kind, state), n in sorted(counts.items()):
            runs.add_metric([kind, state], n)
        yield runs


def _age(moment, now) -> float:
    return max(0.0, (now - moment).total_seconds()) if moment else 0.0


def scrape_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].strip().encode(), token.encode()):
        return True
    if settings.METRICS_ALLOWED_IPS:
        try:
            peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(peer in ipaddress.ip_network(allowed, strict=False) for allowed in settings.METRICS_ALLOWED_IPS)
    return False


@require_GET
def metrics(request):
    if not scrape_allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    state = CollectorRegistry(auto_describe=False)
    state.register(StateCollector())
    return HttpResponse(generate_latest(counters) + generate_latest(state), content_type=CONTENT_TYPE_LATEST)
