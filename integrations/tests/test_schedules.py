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
