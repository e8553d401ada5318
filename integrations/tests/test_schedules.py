from django.core.management import call_command
from django_q.models import Schedule

from integrations.schedules import SCHEDULES, schedules_declared
from integrations.services.queue import cluster_of


def test_schedules_install_is_idempotent_and_points_at_real_tasks(db):
    import importlib

    call_command("schedules_install", verbosity=0)
    call_command("schedules_install", verbosity=0)
    rows = {s.name: s for s in Schedule.objects.all()}
    assert set(rows) == {s.name for s in schedules_declared()}
    for item in schedules_declared():
        module, name = item.func.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), name))
        assert (rows[item.name].func, rows[item.name].minutes, rows[item.name].repeats) == (item.func, item.minutes, -1)
        assert (rows[item.name].cluster, rows[item.name].kwargs) == (item.cluster, None)


def test_each_schedule_goes_to_the_lane_of_its_task(db, settings):
    """django-q2's scheduler of a cluster creates the tasks of the schedules named after it: the
    urgent sweeps are created (and run) by the urgent cluster, the bulk work by the default one."""
    call_command("schedules_install", verbosity=0)
    clusters = dict(Schedule.objects.values_list("func", "cluster"))
    assert clusters["integrations.tasks.bigcommerce_stock_push_sweep"] == settings.Q_URGENT_CLUSTER == "urgent"
    assert clusters["integrations.tasks.bigcommerce_stock_sweep"] == "urgent"
    assert clusters["integrations.tasks.bigcommerce_stock_reconcile_all"] == settings.Q_CLUSTER["name"]
    assert clusters["integrations.tasks.journal_prune"] == settings.Q_CLUSTER["name"]
    assert all(clusters[item.func] == cluster_of(item.func) for item in SCHEDULES)


def test_a_new_schedule_runs_first_at_once_one_period_away_or_at_night(db, settings):
    """A sweep at once; work of half an hour or more one period later (run at install, the nightly
    resync spent a new merchant's quota in the minute they connected); daily work at 03:00 local.
    An installed schedule keeps its next run."""
    import datetime as dt

    from django.utils import timezone

    from integrations.schedules import NIGHT_HOUR

    settings.TIME_ZONE = "Europe/Paris"
    before = timezone.now()
    call_command("schedules_install", verbosity=0)
    rows = {s.name: s for s in Schedule.objects.all()}
    assert rows["bigcommerce-stock-push-sweep"].next_run <= timezone.now()
    reconcile = rows["bigcommerce-stock-reconcile"].next_run
    assert before + dt.timedelta(minutes=30) <= reconcile <= timezone.now() + dt.timedelta(minutes=30)
    nightly = timezone.localtime(rows["bigcommerce-nightly-resync"].next_run)
    assert (nightly.hour, nightly.minute) == (NIGHT_HOUR, 0) and before < nightly <= before + dt.timedelta(days=1)
    Schedule.objects.filter(name="bigcommerce-stock-reconcile").update(next_run=before)
    call_command("schedules_install", verbosity=0)
    assert Schedule.objects.get(name="bigcommerce-stock-reconcile").next_run == before
