"""/health/live and /health/ready: what a load balancer reads."""

import json
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_q import scheduler as scheduler_module
from django_q.models import Schedule
from django_q.tasks import async_task

from integrations.schedules import schedules_declared
from operations import health
from portal.heartbeat import KEY, lane_heartbeat_record, lanes
from portal.tests.factories import MerchantFactory


@pytest.fixture
def ready_system(db, settings, monkeypatch):
    """Everything /health/ready asks for: the cache table, the schedules, a heartbeat per lane."""
    settings.HEALTH_READY_CACHE_S = 0
    monkeypatch.setattr(health, "_last_answer", None)
    call_command("createcachetable", verbosity=0)
    call_command("schedules_install", verbosity=0)
    Schedule.objects.update(next_run=timezone.now() + timedelta(minutes=1))
    for lane in lanes():
        lane_heartbeat_record(lane=lane, force=True)


def get(client, path):
    response = client.get(path)
    return response.status_code, json.loads(response.content)


def test_live_answers_without_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        status, body = get(client, "/health/live")
    assert (status, body) == (200, {"status": "live"})


def test_ready_when_everything_runs(client, ready_system):
    status, body = get(client, "/health/ready")
    assert status == 200, body
    assert body == {
        "status": "ready",
        "checks": dict.fromkeys(("database", "cache", "broker", "migrations", "workers", "schedules"), "ok"),
        "failed": [],
    }


def test_a_lane_without_heartbeat_is_not_ready_and_named(client, ready_system):
    cache.delete(KEY.format(lane=lanes()[-1]))
    status, body = get(client, "/health/ready")
    assert status == 503
    assert body["status"] == "not ready" and body["failed"] == ["workers"]
    assert f"lane {lanes()[-1]}: no heartbeat" in body["checks"]["workers"]


def test_a_stale_heartbeat_is_not_ready(client, ready_system, settings):
    lane = lanes()[0]
    cache.set(KEY.format(lane=lane), (timezone.now() - timedelta(seconds=600)).timestamp())
    settings.HEALTH_HEARTBEAT_MAX_AGE_S = 120
    status, body = get(client, "/health/ready")
    assert status == 503 and body["failed"] == ["workers"]
    assert f"lane {lane}: last heartbeat 6" in body["checks"]["workers"]


def test_a_task_run_on_a_lane_is_its_heartbeat(client, ready_system):
    """The heartbeat schedule's task (run inline here, as a worker runs it) writes the lane's beat."""
    cache.delete_many([KEY.format(lane=lane) for lane in lanes()])
    assert get(client, "/health/ready")[0] == 503
    async_task("integrations.tasks.lane_heartbeat")
    assert cache.get(KEY.format(lane=lanes()[0])) is not None


def test_every_lane_has_a_heartbeat_schedule_whose_task_goes_to_that_lane(db, monkeypatch):
    """That lane's scheduler creates it (Schedule.cluster) on its own queue: the beat proves both."""
    call_command("schedules_install", verbosity=0)
    beats = {
        row.name: (row.cluster, row.kwargs) for row in Schedule.objects.filter(func="integrations.tasks.lane_heartbeat")
    }
    assert beats == {f"lane-heartbeat-{lane}": (lane, None) for lane in lanes()}
    sent = []
    monkeypatch.setattr(
        scheduler_module, "async_task", lambda func, *args, **kwargs: sent.append((func, kwargs)) or uuid.uuid4().hex
    )
    routed = {}
    for lane in lanes():  # each lane's cluster runs its own scheduler
        monkeypatch.setattr(scheduler_module.Conf, "CLUSTER_NAME", lane)
        Schedule.objects.update(next_run=timezone.now() - timedelta(seconds=1))
        sent.clear()
        scheduler_module.scheduler()
        routed[lane] = {kw["q_options"]["cluster"] for f, kw in sent if f == "integrations.tasks.lane_heartbeat"}
    assert routed == {lane: {lane} for lane in lanes()}


def test_missing_and_overdue_schedules_are_named(client, ready_system, settings):
    declared = [item.name for item in schedules_declared()]
    Schedule.objects.filter(name=declared[0]).delete()
    Schedule.objects.filter(name=declared[1]).update(next_run=timezone.now() - timedelta(minutes=30))
    status, body = get(client, "/health/ready")
    assert status == 503 and body["failed"] == ["schedules"]
    assert f"{declared[0]} missing" in body["checks"]["schedules"]
    assert f"{declared[1]} overdue by" in body["checks"]["schedules"]


def test_a_schedule_changed_by_hand_is_named(client, ready_system):
    name = schedules_declared()[0].name
    Schedule.objects.filter(name=name).update(minutes=999)
    status, body = get(client, "/health/ready")
    assert status == 503 and f"{name} differs" in body["checks"]["schedules"]


def test_unapplied_migrations_are_not_ready(client, ready_system, monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'integrations' AND name LIKE '0016%%'")
    status, body = get(client, "/health/ready")
    assert status == 503 and body["failed"] == ["migrations"]
    assert body["checks"]["migrations"].startswith("Unavailable: 1 migrations not applied")


def test_ready_is_cheap_and_reused_briefly(client, ready_system, settings, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert get(client, "/health/ready")[0] == 200
    settings.HEALTH_READY_CACHE_S = 60
    get(client, "/health/ready")
    with django_assert_max_num_queries(0):
        assert get(client, "/health/ready")[0] == 200


def test_ready_says_nothing_of_merchants_or_secrets(client, ready_system, settings):
    merchant = MerchantFactory(name="Boulangerie Secrète")
    raw = client.get("/health/ready").content.decode()
    assert merchant.name not in raw and settings.SECRET_KEY not in raw
