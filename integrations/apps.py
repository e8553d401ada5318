from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self):
        from integrations.dashboard import bigcommerce_card
        from portal.dashboard import dashboard_card_register

        dashboard_card_register(bigcommerce_card)
