"""``/health/live`` and ``/health/ready``: JSON a load balancer or an operator reads.

Live says the process answers (no database, no cache). Ready says this process can serve and the
system behind it runs: the database and the cache answer (django-health-check's own checks), the
task broker answers for every lane, every migration of this code is applied, each worker lane
beat within ``HEALTH_HEARTBEAT_MAX_AGE_S`` and every schedule ``schedules_install`` installs is
there and not overdue. A failing check makes it 503 and names itself; messages name lanes and
schedules, never a merchant, a store or a secret.

Cheap: at most four small queries and two cache calls, and a process reuses its answer for
``HEALTH_READY_CACHE_S`` seconds (a load balancer asks every few seconds, from every instance).
"""

import asyncio
import dataclasses
import time
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET
from django_q.brokers import get_broker
from django_q.models import Schedule
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from integrations.schedules import schedules_declared
from portal.heartbeat import lane_heartbeats, lanes


class _InRequestThread(HealthCheck):
    """A check whose probe uses the ORM: run in the request's own thread (its database
    connection, closed with the request), not in a pool thread that would keep one open."""

    async def run(self) -> None:
        await sync_to_async(self.probe)()

    def probe(self) -> None:
        raise NotImplementedError


@dataclasses.dataclass
class Broker(_InRequestThread):
    """django-q2's broker answers for every lane (Redis: a ping; the ORM broker is the database)."""

    def probe(self) -> None:
        for lane in lanes():
            try:
                answered = get_broker(lane).ping()
            except Exception as exc:
                raise ServiceUnavailable(f"lane {lane}: the broker does not answer ({type(exc).__name__})") from exc
            if not answered:
                raise ServiceUnavailable(f"lane {lane}: the broker does not answer")


_migrated = False  # once every migration of this code is applied, it stays so for this process


@dataclasses.dataclass
class Migrations(_InRequestThread):
    """Every migration this code ships is applied (a deploy that forgot ``migrate``)."""

    def probe(self) -> None:
        global _migrated
        if _migrated:
            return
        loader = MigrationExecutor(connection).loader
        # Every node, not the plan to the leaves: a migration missing under an applied leaf counts too.
        missing = set(loader.graph.nodes) - set(loader.applied_migrations)
        if missing:
            raise ServiceUnavailable(f"{len(missing)} migrations not applied: run manage.py migrate")
        _migrated = True


@dataclasses.dataclass
class Workers(_InRequestThread):
    """Each lane's worker finished a task within ``HEALTH_HEARTBEAT_MAX_AGE_S`` (its heartbeat
    schedule runs once a minute; django-q2's scheduler looks every 30 seconds)."""

    def probe(self) -> None:
        limit = timezone.now() - timedelta(seconds=settings.HEALTH_HEARTBEAT_MAX_AGE_S)
        silent = []
        for lane, beat in lane_heartbeats().items():
            if beat is None:
                silent.append(f"lane {lane}: no heartbeat")
            elif beat < limit:
                silent.append(f"lane {lane}: last heartbeat {int((timezone.now() - beat).total_seconds())} s ago")
        if silent:
            raise ServiceUnavailable("; ".join(silent))


@dataclasses.dataclass
class Schedules(_InRequestThread):
    """Every schedule ``schedules_install`` installs is in place, as declared, and not overdue."""

    def probe(self) -> None:
        declared = {item.name: item for item in schedules_declared()}
        rows = Schedule.objects.filter(name__in=declared).only(
            "name", "func", "minutes", "cluster", "repeats", "next_run", "schedule_type"
        )
        found = {row.name: row for row in rows}
        late = timezone.now() - timedelta(seconds=settings.HEALTH_SCHEDULE_GRACE_S)
        problems = [f"{name} missing" for name in sorted(set(declared) - set(found))]
        for name, row in sorted(found.items()):
            item = declared[name]
            if (row.func, row.minutes, row.cluster, row.repeats, row.schedule_type) != (
                item.func,
                item.minutes,
                item.cluster,
                -1,
                Schedule.MINUTES,
            ):
                problems.append(f"{name} differs from its declaration")
            elif row.next_run and row.next_run < late:
                problems.append(f"{name} overdue by {int((late - row.next_run).total_seconds())} s")
        if problems:
            raise ServiceUnavailable("; ".join(problems) + " (run manage.py schedules_install; is the scheduler up?)")


READY_CHECKS = (
    ("database", Database),
    ("cache", Cache),
    ("broker", Broker),
    ("migrations", Migrations),
    ("workers", Workers),
    ("schedules", Schedules),
)

_last_answer: tuple[float, int, dict] | None = None


@require_GET
def live(request):
    """The process answers. Nothing else is asked (no database, no cache)."""
    response = JsonResponse({"status": "live"})
    add_never_cache_headers(response)
    return response


class ReadyView(HealthCheckView):
    """django-health-check's view, answering our JSON: ``{"status", "checks": {name: "ok" | why},
    "failed": [names]}``, 200 when ready and 503 when not."""

    checks = tuple(check for _name, check in READY_CHECKS)

    async def get(self, request, *args, **kwargs):
        global _last_answer
        if _last_answer and time.monotonic() - _last_answer[0] < settings.HEALTH_READY_CACHE_S:
            return JsonResponse(_last_answer[2], status=_last_answer[1])
        with self.get_executor() as executor:
            results = await asyncio.gather(*(check().get_result(executor) for _name, check in READY_CHECKS))
        checks = {
            name: (str(result.error) if result.error else "ok")
            for (name, _c), result in zip(READY_CHECKS, results, strict=True)
        }
        failed = [name for name, outcome in checks.items() if outcome != "ok"]
        body = {"status": "not ready" if failed else "ready", "checks": checks, "failed": failed}
        status = 503 if failed else 200
        _last_answer = (time.monotonic(), status, body)
        return JsonResponse(body, status=status)


ready = ReadyView.as_view()
