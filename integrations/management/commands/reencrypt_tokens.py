from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.fields import EncryptedTextField


def encrypted_fields() -> list[tuple[type, list[str]]]:
    """Every model with encrypted columns (BigCommerce tokens and webhook secrets today)."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


class Command(BaseCommand):
    help = (
        "After a key rotation (a new key first in COMPTOIR_ENCRYPTION_KEYS): write every stored token again "
        "with the newest key, so that the old key can be dropped. Safe to run twice."
    )

    def handle(self, *args, **options):
        for model, names in encrypted_fields():
            count = 0
            for pk in model.objects.values_list("pk", flat=True).iterator():
                with transaction.atomic():
                    row = model.objects.select_for_update().filter(pk=pk).only(*names).first()
                    if row is None:
                        continue
                    # Reading decrypts with any configured key; writing encrypts with the newest.
                    model.objects.filter(pk=pk).update(**{name: getattr(row, name) for name in names})
                    count += 1
            self.stdout.write(f"{model._meta.label}: {count} row(s) re-encrypted ({', '.join(names)})")
