from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self):
        # Imported here, not at the top: models, receivers and registries load only once the app
        # registry is ready (Django's rule for AppConfig.ready), so these imports cannot move up.
        from django_q.signals import post_execute_in_worker, pre_execute

        from catalog.badges import product_badges_register
        from catalog.bulk_actions import BulkAction, bulk_action_register
        from catalog.managed import managed_fields_provider_register
        from integrations import journal_messages, receivers  # noqa: F401
        from integrations.selectors import managed_fields_narrow, product_sync_badges
        from integrations.services.queue import task_lane_enter, task_lane_exit
        from integrations.stock_page import stock_movement_links, stock_online_shop
        from inventory.online import movement_links_provider_register, online_shop_provider_register

        bulk_action_register(
            BulkAction(
                key="assign_channels", label=_("Assign channels…"), url_name="integrations:assign_channels", order=10
            )
        )
        pre_execute.connect(task_lane_enter, dispatch_uid="comptoir-task-lane-enter")
        post_execute_in_worker.connect(task_lane_exit, dispatch_uid="comptoir-task-lane-exit")
        product_badges_register("bigcommerce", product_sync_badges)
        managed_fields_provider_register(managed_fields_narrow)
        online_shop_provider_register("bigcommerce", stock_online_shop)
        movement_links_provider_register("bigcommerce", stock_movement_links)
