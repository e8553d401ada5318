"""Issue 18's webhook intake throughput: BigCommerce's webhooks, signed as BigCommerce signs them,
posted to Comptoir's web as production runs it (gunicorn: WEB_CONCURRENCY processes × GUNICORN_THREADS
threads, gunicorn.conf.py) at BENCH_WEBHOOK_RATE a second (100: twice the load run's 50) for
BENCH_WEBHOOK_SECONDS (30). Figures: webhooks accepted a second (goal ≥ 50, the rate the load run
asks of the whole stack), the answer time p50 / p99 (no goal of its own: BigCommerce waits for
it), no 5xx, and every webhook stored once. The intake alone: no worker runs
(``bench._webhooks_driver``).

PostgreSQL + Redis by default (BENCH_STACKS; ``embedded`` for SQLite and the ORM broker), in a
throwaway database. Also: BENCH_CLIENT_THREADS (32), BENCH_WEBHOOK_PRODUCTS (10).

``python -m bench --tiny`` (BENCH_TINY=1) runs it at the sizes of ``TINY`` below.
"""

from __future__ import annotations

from bench._rows import Row, at_least, equal, per_stack, shown
from bench._stack import stacks_run, tiny

GOAL_ACCEPTED_PER_S = 50
TINY = {"BENCH_WEBHOOK_RATE": "10", "BENCH_WEBHOOK_SECONDS": "2", "BENCH_WEBHOOK_PRODUCTS": "2"}


def main() -> dict:
    tiny(TINY)
    return stacks_run("webhooks", "bench._webhooks_driver", default="server", report=report)


def report(kind: str, got: dict) -> list[str]:
    answer = got["answer"]
    return [
        f"[{kind}] {got['sent']} webhooks at {got['rate_per_s']:g}/s: {got['accepted_per_s']} accepted a second "
        f"(goal ≥ {GOAL_ACCEPTED_PER_S}); answer p50 {answer.get('median_s')} s, p99 {answer.get('p99_s')} s; "
        f"statuses {got['statuses']}; stored {got['stored']} of {got['sent']}"
    ]


def summary(figures: dict) -> list[Row]:
    def rows_of(kind: str, got: dict) -> list[Row]:
        answer, per_s = got.get("answer") or {}, got.get("accepted_per_s")
        sent, stored, errors = got.get("sent"), got.get("stored"), got.get("http_5xx")
        asked = f"sent at {shown(got.get('rate_per_s'), '/s', spec='g')} [{kind}]"
        return [
            (
                f"webhook intake throughput, {asked}",
                f"≥ {GOAL_ACCEPTED_PER_S}/s",
                shown(per_s, "/s"),
                at_least(per_s, GOAL_ACCEPTED_PER_S),
            ),
            (
                f"webhook answer p50 / p99 [{kind}]",
                "–",
                f"{shown(answer.get('median_s'), ' s')} / {shown(answer.get('p99_s'), ' s')}",
                None,
            ),
            (f"webhook 5xx answers [{kind}]", "0", shown(errors), equal(errors, 0)),
            (f"webhooks stored once [{kind}]", f"{shown(sent)}", shown(stored), equal(stored, sent)),
        ]

    return per_stack(figures, "webhook intake", rows_of)
