from django.core.management.base import BaseCommand

from integrations.schedules import schedules_install


class Command(BaseCommand):
    help = "Install (idempotently) the django-q2 schedules the BigCommerce sync needs."

    def handle(self, *args, **options):
        for name in schedules_install():
            self.stdout.write(f"schedule {name}")
