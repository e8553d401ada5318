"""Model fields of the portal."""

from __future__ import annotations

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Text stored encrypted (``portal.crypto``: MultiFernet, keys newest first).

    The column holds the Fernet token, never the plaintext. Tokens are randomised, so the field
    cannot be filtered on, except ``isnull``.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None  # Django raises FieldError: Unsupported lookup
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        return None
