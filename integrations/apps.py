from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self):
        from integrations.locks import connection_currency_lock
        from portal.locks import currency_lock_register

        currency_lock_register(key="bigcommerce", check=connection_currency_lock)
