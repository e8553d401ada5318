from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        # Imported here, not at the top: the receivers read settings and the cache, which load only once
        # the app registry is ready (Django's rule for AppConfig.ready).
        from django_q.signals import post_execute_in_worker, pre_execute

        # The same reason: portal.tasklog reads the cache and django-q2's configuration.
        from portal.tasklog import task_finished, task_started

        pre_execute.connect(task_started, dispatch_uid="comptoir-task-started")
        post_execute_in_worker.connect(task_finished, dispatch_uid="comptoir-task-finished")
