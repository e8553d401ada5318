"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with several keys for rotation.

``COMPTOIR_ENCRYPTION_KEYS`` lists Fernet keys, newest first: the first encrypts, every one
decrypts. To rotate, put a new key first, re-encrypt (``reencrypt``), then drop the old key.
Locally, when the setting is empty, one key is derived from ``SECRET_KEY`` with HKDF-SHA256;
production settings require the variable.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

HKDF_INFO = b"comptoir/encrypted-fields/v1"


class DecryptionError(Exception):
    """A value could not be decrypted with any configured key (a key was dropped too early, or
    the value is not ours)."""


def derive_key(secret: str) -> bytes:
    """A Fernet key derived from a secret (SECRET_KEY, locally)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


def configured_keys() -> tuple[bytes, ...]:
    keys = [k.strip() for k in (settings.COMPTOIR_ENCRYPTION_KEYS or []) if k and k.strip()]
    if keys:
        return tuple(k.encode() for k in keys)
    return (derive_key(settings.SECRET_KEY),)


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[bytes, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"COMPTOIR_ENCRYPTION_KEYS holds an invalid Fernet key: {exc}") from None


def fernet() -> MultiFernet:
    """The MultiFernet for the current settings (cached per key list)."""
    return _multi_fernet(configured_keys())


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError("cannot decrypt with any of COMPTOIR_ENCRYPTION_KEYS") from exc


def reencrypt(token: str) -> str:
    """The same secret encrypted with the newest key (MultiFernet.rotate)."""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise DecryptionError("cannot decrypt with any of COMPTOIR_ENCRYPTION_KEYS") from exc


def generate_key() -> str:
    """A fresh key for COMPTOIR_ENCRYPTION_KEYS."""
    return Fernet.generate_key().decode("ascii")
