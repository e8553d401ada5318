from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from catalog.bulk_actions import BulkAction, bulk_action_register


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        bulk_action_register(BulkAction(key="archive", label=_("Archive…"), url_name="catalog:bulk_archive", order=50))
        bulk_action_register(
            BulkAction(
                key="restore",
                label=_("Restore…"),
                url_name="catalog:bulk_restore",
                order=50,
                for_active=False,
                for_archived=True,
            )
        )
        bulk_action_register(
            BulkAction(
                key="delete",
                label=_("Delete…"),
                url_name="catalog:bulk_delete",
                order=90,
                danger=True,
                for_archived=True,
            )
        )
