from django.core.management import call_command
from django_q.models import Schedule

from integrations.schedules import schedules_declared


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
        assert (rows[item.name].cluster, rows[item.name].kwargs) == (None, item.kwargs)
