from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """The merchant's home: the dashboard, the settings page and the currency change.

    It sits above every other app (it composes them) and nothing imports it: the arrows point
    from here to ``catalog``, ``inventory``, ``integrations`` and ``portal``.
    """

    name = "backoffice"
    verbose_name = _("Back office")
