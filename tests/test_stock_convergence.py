"""Stock convergence (issues 10 and 19): a seeded random run of 2,000+ stock operations on 50
variants in three shops (the primary one at BigCommerce's default location, two at locations of
their own; transfers between them and online orders for pickup among the operations) with the
sandbox injecting faults, two django-q2 clusters (one killed with SIGKILL mid-run), then a drain
and the invariants per (variant, shop) (see ``tests/stock_convergence.py``). It prints a summary
line per check (the faults fired, the operations per shop, the drift measured while it ran: p50,
p99, max of how long BigCommerce's level at a location stayed apart from its shop's, the
adjustment writes by kind) and fails on any mismatch, on a drift that never ended, or when no
drift sample was taken.

Runs on PostgreSQL with django-q2's Redis broker (CI's second pass); elsewhere it skips saying
why, and CI's COMPTOIR_REQUIRE_SERVICES turns that skip into a failure. Sizes:
CONVERGENCE_OPERATIONS (2000), CONVERGENCE_SEED (1), CONVERGENCE_SHOPS (3);
CONVERGENCE_DUMP_ALWAYS=1 writes the operations, requests and the longest drift episodes' evidence
to CONVERGENCE_DUMP_DIR even when it passes; bigger runs: ``python -m bench stock_convergence``.
"""

import json
import os
from pathlib import Path

import pytest

from conftest import require_service
from integrations.tests import connect_helpers
from tests import stock_convergence
from tests.test_worker import database_url  # noqa: F401 (fixture)

sandbox = connect_helpers.sandbox  # fixture
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]
FINDINGS = Path(os.environ.get("CONVERGENCE_DUMP_DIR", "/tmp"))


@pytest.fixture
def redis_broker():
    require_service(
        "redis",
        bool(os.environ.get("REDIS_URL")),
        "needs REDIS_URL: the clusters use django-q2's Redis broker (make test-postgres sets it)",
    )


def test_stock_converges_under_faults_with_a_worker_killed(database_url, redis_broker, request):  # noqa: F811
    # Asked for only now: a pass that skips this test (no PostgreSQL) starts no sandbox for it.
    sandbox = request.getfixturevalue("sandbox")
    cfg = stock_convergence.Config(
        seed=int(os.environ.get("CONVERGENCE_SEED", "1")),
        operations=int(os.environ.get("CONVERGENCE_OPERATIONS", "2000")),
        shops=int(os.environ.get("CONVERGENCE_SHOPS", "3")),
    )
    runner, result = stock_convergence.run(cfg, sandbox=sandbox, database_url=database_url)
    for line in runner.summary(result):
        print(line)
    failures = runner.failures(result)
    if failures or os.environ.get("CONVERGENCE_DUMP_ALWAYS"):
        dump = FINDINGS / f"convergence-seed{cfg.seed}-{os.getpid()}.json"
        runner.dump(dump, result)
        print(f"operations and figures written to {dump}")
    assert not failures, "\n".join(failures)
    assert cfg.operations >= 2000 or "CONVERGENCE_OPERATIONS" in os.environ
    assert runner.figures["killed_at_op"] == cfg.operations // 2
    # Drift was measured while the run ran (its p99 against the 5 s goal is a figure, printed above,
    # not an assertion on wall time): samples were taken and compared, none is still apart.
    drift = result["drift"]
    assert drift["samples"] > 0 and drift["compared"] > 0
    assert drift["open_at_end"] == []
    assert result["writes"]["relative (connector)"]["applied"] > 0
    print(json.dumps({k: v for k, v in runner.figures.items() if k != "config"}, default=str))
