from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self):
        from catalog.managed import managed_fields_provider_register
        from integrations.bigcommerce.webhook_handlers import handlers_register
        from integrations.selectors import managed_fields_narrow
        from integrations.services.webhooks import WEBHOOK_HANDLERS

        handlers_register(WEBHOOK_HANDLERS)
        managed_fields_provider_register(managed_fields_narrow)
