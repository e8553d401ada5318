"""Secrets at rest: portal.crypto and EncryptedTextField, on a throwaway table."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import FieldError
from django.db import connection, models
from django.test.utils import isolate_apps

from portal import crypto
from portal.fields import EncryptedTextField

TOKEN = "plaintext-access-token-7f3a9c"
OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture
def secret_model(transactional_db):
    """A model with an encrypted column, created for the test and dropped after."""
    with isolate_apps("integrations"):

        class Holder(models.Model):
            secret = EncryptedTextField(null=True)

            class Meta:
                app_label = "integrations"
                db_table = "integrations_test_secret_holder"

            def __str__(self):
                return f"holder {self.pk}"

        with connection.schema_editor() as editor:
            editor.create_model(Holder)
        try:
            yield Holder
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Holder)


def raw_column(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM integrations_test_secret_holder WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_column_holds_a_token_not_the_plaintext(secret_model, settings):
    settings.COMPTOIR_ENCRYPTION_KEYS = [NEW_KEY]
    row = secret_model.objects.create(secret=TOKEN)
    stored = raw_column(row.pk)
    assert TOKEN not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert Fernet(NEW_KEY.encode()).decrypt(stored.encode()).decode() == TOKEN
    assert secret_model.objects.get(pk=row.pk).secret == TOKEN


def test_none_stays_null_and_isnull_works(secret_model, settings):
    settings.COMPTOIR_ENCRYPTION_KEYS = [NEW_KEY]
    row = secret_model.objects.create(secret=None)
    assert raw_column(row.pk) is None
    assert secret_model.objects.filter(secret__isnull=True).count() == 1


def test_filtering_on_the_value_is_refused(secret_model):
    with pytest.raises(FieldError):
        list(secret_model.objects.filter(secret=TOKEN))


def test_rotation_new_key_first_still_decrypts_old_rows(secret_model, settings):
    settings.COMPTOIR_ENCRYPTION_KEYS = [OLD_KEY]
    old_row = secret_model.objects.create(secret=TOKEN)

    settings.COMPTOIR_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert secret_model.objects.get(pk=old_row.pk).secret == TOKEN
    new_row = secret_model.objects.create(secret="another")
    with pytest.raises(InvalidToken):  # written with the new key, not the old one
        Fernet(OLD_KEY.encode()).decrypt(raw_column(new_row.pk).encode())

    # Re-encrypt, then the old key can go.
    for row in secret_model.objects.all():
        row.save()
    settings.COMPTOIR_ENCRYPTION_KEYS = [NEW_KEY]
    assert secret_model.objects.get(pk=old_row.pk).secret == TOKEN


def test_dropping_a_key_too_early_fails_loudly(secret_model, settings):
    settings.COMPTOIR_ENCRYPTION_KEYS = [OLD_KEY]
    row = secret_model.objects.create(secret=TOKEN)
    settings.COMPTOIR_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(crypto.DecryptionError):
        secret_model.objects.get(pk=row.pk)


def test_reencrypt_moves_a_token_to_the_newest_key(settings):
    settings.COMPTOIR_ENCRYPTION_KEYS = [OLD_KEY]
    token = crypto.encrypt(TOKEN)
    settings.COMPTOIR_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    rotated = crypto.reencrypt(token)
    assert Fernet(NEW_KEY.encode()).decrypt(rotated.encode()).decode() == TOKEN


def test_local_key_is_derived_from_secret_key(settings):
    settings.COMPTOIR_ENCRYPTION_KEYS = []
    settings.SECRET_KEY = "one-secret"
    token = crypto.encrypt(TOKEN)
    assert crypto.decrypt(token) == TOKEN
    assert Fernet(crypto.derive_key("one-secret")).decrypt(token.encode()).decode() == TOKEN
    settings.SECRET_KEY = "another-secret"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


def test_invalid_key_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.COMPTOIR_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt(TOKEN)


def test_reencrypt_tokens_command_moves_stored_tokens_to_the_new_key(db, settings):
    from django.core.management import call_command

    from integrations.models import BigCommerceConnection
    from portal.tests.factories import MerchantFactory

    def raw(pk):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT access_token, webhook_secret FROM integrations_bigcommerceconnection WHERE id = %s", [pk]
            )
            return cursor.fetchone()

    settings.COMPTOIR_ENCRYPTION_KEYS = [OLD_KEY]
    row = BigCommerceConnection.objects.create(
        merchant=MerchantFactory(), store_hash="rot", access_token=TOKEN, webhook_secret="hook-secret"
    )
    before = raw(row.pk)

    settings.COMPTOIR_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call_command("reencrypt_tokens", verbosity=0)
    after = raw(row.pk)
    assert after[0] != before[0] and after[1] != before[1]
    new = Fernet(NEW_KEY.encode())
    assert (new.decrypt(after[0].encode()).decode(), new.decrypt(after[1].encode()).decode()) == (TOKEN, "hook-secret")

    settings.COMPTOIR_ENCRYPTION_KEYS = [NEW_KEY]  # the old key is gone: still readable
    row.refresh_from_db()
    assert (row.access_token, row.webhook_secret) == (TOKEN, "hook-secret")
