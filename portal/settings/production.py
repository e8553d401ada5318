"""Production settings: secrets are required, HTTPS everywhere. `manage.py check --deploy` is clean.

One local override, for TLS only: ``COMPTOIR_LOCAL_HTTP=1`` lets ``make serve`` run this stack on plain
http on this machine (the public and BigCommerce URLs on loopback, no HTTPS redirect, HSTS or
secure-only cookies). It is refused unless every URL points at this machine, so it cannot weaken a
real deployment; every other requirement (secrets, non-sandbox app credentials, SMTP) stays.
"""

import ipaddress
import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production")
    return value


# The sandbox's app credentials are printed in its README: anyone could sign callbacks with them.
SANDBOX_VALUES = frozenset({"comptoir-local", "comptoir-local-secret"})


def required_not_sandbox(name: str) -> str:
    value = required(name)
    if value in SANDBOX_VALUES:
        raise ImproperlyConfigured(f"{name} is the local sandbox's value; set the production one")
    return value


def _is_this_machine(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


LOCAL_HTTP = env_bool("COMPTOIR_LOCAL_HTTP", False)


def required_public_url(name: str) -> str:
    """An https URL of another machine: not the sandbox's 127.0.0.1/localhost defaults.
    With COMPTOIR_LOCAL_HTTP: an http(s) URL of this machine, and only that."""
    value = required(name).rstrip("/")
    parts = urlsplit(value)
    if LOCAL_HTTP:
        if parts.scheme not in {"http", "https"} or not parts.hostname or not _is_this_machine(parts.hostname):
            raise ImproperlyConfigured(
                f"{name} must point at this machine with COMPTOIR_LOCAL_HTTP, not {value!r}: "
                "the override is for trying the production stack locally only"
            )
        return value
    if parts.scheme != "https" or not parts.hostname:
        raise ImproperlyConfigured(f"{name} must be an https:// URL in production, not {value!r}")
    if _is_this_machine(parts.hostname):
        raise ImproperlyConfigured(f"{name} points at this machine ({value}), as the local sandbox does")
    return value


DEBUG = False
SECRET_KEY = required("SECRET_KEY")
COMPTOIR_ENCRYPTION_KEYS = required("COMPTOIR_ENCRYPTION_KEYS").split(",")
ALLOWED_HOSTS = required("ALLOWED_HOSTS").split(",")

# BigCommerce and the public URL: nothing falls back to the local sandbox in production.
COMPTOIR_PUBLIC_URL = required_public_url("COMPTOIR_PUBLIC_URL")
CSRF_TRUSTED_ORIGINS = [COMPTOIR_PUBLIC_URL]
BIGCOMMERCE_API_URL = required_public_url("BIGCOMMERCE_API_URL")
BIGCOMMERCE_LOGIN_URL = required_public_url("BIGCOMMERCE_LOGIN_URL")
BIGCOMMERCE_CLIENT_ID = required_not_sandbox("BIGCOMMERCE_CLIENT_ID")
BIGCOMMERCE_CLIENT_SECRET = required_not_sandbox("BIGCOMMERCE_CLIENT_SECRET")
# Mail goes through SMTP; where to is the deployment's to say.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = required("EMAIL_HOST")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = SERVER_EMAIL = required("DEFAULT_FROM_EMAIL")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True) and not LOCAL_HTTP
SESSION_COOKIE_SECURE = not LOCAL_HTTP
CSRF_COOKIE_SECURE = not LOCAL_HTTP
SECURE_HSTS_SECONDS = 0 if LOCAL_HTTP else int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A load balancer's probes and Prometheus' scrapes reach the processes over plain HTTP, behind TLS.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]

# Logs: one JSON object a line unless LOG_FORMAT=text.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING["handlers"]["console"]["formatter"] = "json" if LOG_FORMAT == "json" else "text"  # noqa: F405

# Static files: hashed names (cached forever by browsers) and pre-compressed copies, served by
# whitenoise from STATIC_ROOT after `manage.py collectstatic`; a reference to a file that does not
# exist fails at render time instead of serving a 404.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
