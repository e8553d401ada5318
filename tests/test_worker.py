"""A real django-q2 cluster processes our tasks: the ORM broker on the embedded defaults,
the Redis broker when REDIS_URL is set (CI's second pass). Nothing here runs tasks inline. The
urgent lane runs while every worker of the bulk lane is held by a long task."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]

ENQUEUE = textwrap.dedent(
    """
    from django.db import transaction
    from integrations.models import BigCommerceConnection, WebhookEvent
    from integrations.services.queue import enqueue_on_commit
    from portal.tests.factories import MerchantFactory

    with transaction.atomic():
        merchant = MerchantFactory(name="Worker probe")
        conn = BigCommerceConnection.objects.create(merchant=merchant, store_hash="probe1", status="connected")
        event = WebhookEvent.objects.create(
            merchant=merchant, connection=conn, store_hash="probe1", scope="store/product/updated",
            event_hash="probe-hash", payload={"scope": "store/product/updated", "data": {"id": 7}},
        )
        enqueue_on_commit("integrations.tasks.webhook_event_process", event.pk)
    print(event.pk)
    """
)
HOLD = (
    "from integrations.services.queue import enqueue\n"
    "enqueue('tests.lane_probe.hold', {folder!r}, 'first')\n"
    "enqueue('tests.lane_probe.hold', {folder!r}, 'second')"
)
BROKER = "from django_q.brokers import get_broker; print(type(get_broker()).__name__)"
STATUS = "from integrations.models import WebhookEvent; print(WebhookEvent.objects.get(pk={pk}).status)"


@pytest.fixture
def database_url(transactional_db, tmp_path):
    """A database the cluster and this test share: a migrated SQLite file, or the PostgreSQL test database."""
    if connection.vendor == "sqlite":
        url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        return url
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def manage(*args, env, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--no-imports"]
        if args[0] == "shell"
        else [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        **kwargs,
    )


def test_a_real_cluster_processes_an_enqueued_task(database_url):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": database_url,
        "Q_SYNC": "0",  # the real queue, not inline
        "Q_NAME": f"test-{os.getpid()}",  # Redis queues of its own (xdist workers run side by side)
        "Q_URGENT_NAME": f"test-{os.getpid()}-urgent",
        "Q_CLUSTER_NAME": f"test-{os.getpid()}-urgent",  # webhooks are processed on the urgent lane
        "Q_WORKERS": "1",
    }
    broker = manage("shell", "-c", BROKER, env=env).stdout.strip().splitlines()[-1]
    assert broker == ("FirstRedis" if os.environ.get("REDIS_URL") else "FifoORM")  # portal.broker
    enqueued = manage("shell", "-c", ENQUEUE, env=env)
    assert enqueued.returncode == 0, enqueued.stderr
    event_id = int(enqueued.stdout.strip().splitlines()[-1])
    assert manage("shell", "-c", STATUS.format(pk=event_id), env=env).stdout.strip().splitlines()[-1] == "received"

    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        status = "received"
        while time.monotonic() < deadline and status != "processed":
            time.sleep(0.5)
            status = manage("shell", "-c", STATUS.format(pk=event_id), env=env).stdout.strip().splitlines()[-1]
    finally:
        cluster.terminate()
        try:
            cluster.wait(timeout=15)
        except subprocess.TimeoutExpired:
            cluster.kill()
    output = cluster.stdout.read().decode(errors="replace") if cluster.stdout else ""
    assert status == "processed", output[-2000:]


def start_cluster(env, lane: str, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env={**env, "Q_CLUSTER_NAME": lane},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_cluster(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait(timeout=10)


def wait_for(predicate, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_the_urgent_lane_runs_while_every_bulk_worker_is_held(database_url, tmp_path):
    """Two clusters on one broker, one worker each. Two long bulk tasks: the first holds the bulk
    worker, the second waits behind it. A webhook enqueued then is processed by the urgent lane
    while the first is still held and the second has not started; released, both bulk tasks run."""
    bulk, urgent = f"test-{os.getpid()}-bulk", f"test-{os.getpid()}-urgent"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": database_url,
        "Q_SYNC": "0",
        "Q_NAME": bulk,
        "Q_URGENT_NAME": urgent,
        "Q_WORKERS": "1",
        "Q_URGENT_WORKERS": "1",
    }
    folder = tmp_path / "marks"
    folder.mkdir()
    held = manage("shell", "-c", HOLD.format(folder=str(folder)), env=env)
    assert held.returncode == 0, held.stderr
    clusters = [start_cluster(env, lane, tmp_path / f"{lane}.log") for lane in (bulk, urgent)]
    try:
        assert wait_for(lambda: (folder / "first.started").exists()), (tmp_path / f"{bulk}.log").read_text()[-2000:]
        enqueued = manage("shell", "-c", ENQUEUE, env=env)
        assert enqueued.returncode == 0, enqueued.stderr
        event_id = int(enqueued.stdout.strip().splitlines()[-1])

        def status():
            return manage("shell", "-c", STATUS.format(pk=event_id), env=env).stdout.strip().splitlines()[-1]

        assert wait_for(lambda: status() == "processed"), (tmp_path / f"{urgent}.log").read_text()[-2000:]
        # Processed while the bulk lane was still busy: its first task held, its second not begun.
        assert sorted(p.name for p in folder.iterdir()) == ["first.started"]
        (folder / "release").touch()
        assert wait_for(lambda: (folder / "second.finished").exists()), (tmp_path / f"{bulk}.log").read_text()[-2000:]
        assert (folder / "first.finished").exists()
    finally:
        (folder / "release").touch()
        for proc in clusters:
            stop_cluster(proc)
