from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """What operators and machines read: health (``/health/live``, ``/health/ready``) and metrics
    (``/metrics``). Reads every app; nothing imports it."""

    name = "operations"
    verbose_name = _("Operations")
