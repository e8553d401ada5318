"""The counters Comptoir's processes add to (Prometheus' client): requests, tasks, webhooks received,
BigCommerce calls. They are process-local unless ``PROMETHEUS_MULTIPROC_DIR`` names a directory that
every process of the host shares (gunicorn's workers and the django-q2 clusters): then each process
writes its own file there and a scrape adds them up (``operations.metrics``). The gauges that say how
things stand (queues, outbox, inbox, runs) are read from the database at scrape time instead.

Labels stay few: a view's name, a status code, a lane, a task's function, a store hash. Never a
merchant's name, a path with ids in it, or anything a merchant typed.
"""

from prometheus_client import Counter, Histogram

http_requests = Counter(
    "comptoir_http_requests", "HTTP requests answered, by view and status", ["view", "method", "status"]
)
http_request_seconds = Histogram(
    "comptoir_http_request_duration_seconds",
    "Time to answer a request, by view",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
tasks = Counter(
    "comptoir_tasks", "Tasks finished by the workers, by lane, function and outcome", ["lane", "func", "outcome"]
)
webhooks_received = Counter(
    "comptoir_webhooks_received", "BigCommerce webhook deliveries, by what became of them", ["outcome"]
)
bigcommerce_calls = Counter(
    "comptoir_bigcommerce_calls",
    "Requests sent to BigCommerce's API, by store and answer (ok, rate_limited, client_error, server_error, no_answer)",
    ["store", "outcome"],
)


def bigcommerce_call_record(*, store: str, status: int | None) -> None:
    """One request to a store's API and what came back (``None``: no answer)."""
    if status is None:
        outcome = "no_answer"
    elif status == 429:
        outcome = "rate_limited"
    elif status >= 500:
        outcome = "server_error"
    elif status >= 400:
        outcome = "client_error"
    else:
        outcome = "ok"
    bigcommerce_calls.labels(store=store, outcome=outcome).inc()
