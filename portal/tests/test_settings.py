import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-for-the-check" + "y" * 20,
    "COMPTOIR_ENCRYPTION_KEYS": "Qm9uam91ciBsZSBtb25kZSwgYydlc3QgdW5lIGNsZWY=",
    "ALLOWED_HOSTS": "comptoir.example.com",
    "COMPTOIR_PUBLIC_URL": "https://comptoir.example.com",
    "BIGCOMMERCE_API_URL": "https://api.bigcommerce.com",
    "BIGCOMMERCE_LOGIN_URL": "https://login.bigcommerce.com",
    "BIGCOMMERCE_CLIENT_ID": "a1b2c3d4e5f6g7h8i9j0klmnopqrstu",
    "BIGCOMMERCE_CLIENT_SECRET": "f" * 20 + "the-app-secret-from-the-developer-portal" + "0" * 10,
    "EMAIL_HOST": "smtp.example.com",
    "DEFAULT_FROM_EMAIL": "Comptoir <no-reply@comptoir.example.com>",
}


def run_manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", *PRODUCTION_ENV}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_check_deploy_is_clean_in_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "COMPTOIR_ENCRYPTION_KEYS", "ALLOWED_HOSTS", "EMAIL_HOST", "DEFAULT_FROM_EMAIL"]
)
def test_production_settings_refuse_to_start_without_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


def test_production_settings_take_bigcommerce_and_the_public_url_from_the_environment(monkeypatch):
    production = _production_settings(monkeypatch, PRODUCTION_ENV)
    for name in (
        "COMPTOIR_PUBLIC_URL",
        "BIGCOMMERCE_API_URL",
        "BIGCOMMERCE_LOGIN_URL",
        "BIGCOMMERCE_CLIENT_ID",
        "BIGCOMMERCE_CLIENT_SECRET",
    ):
        assert production[name] == PRODUCTION_ENV[name]
    assert production["CSRF_TRUSTED_ORIGINS"] == ["https://comptoir.example.com"]


@pytest.mark.parametrize(
    "missing",
    [
        "COMPTOIR_PUBLIC_URL",
        "BIGCOMMERCE_API_URL",
        "BIGCOMMERCE_LOGIN_URL",
        "BIGCOMMERCE_CLIENT_ID",
        "BIGCOMMERCE_CLIENT_SECRET",
    ],
)
def test_production_settings_require_every_bigcommerce_setting_and_the_public_url(monkeypatch, missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    with pytest.raises(ImproperlyConfigured, match=f"{missing} must be set in production"):
        _production_settings(monkeypatch, env)


@pytest.mark.parametrize(
    "name, value, reason",
    [
        ("BIGCOMMERCE_CLIENT_ID", "comptoir-local", "the local sandbox's value"),
        ("BIGCOMMERCE_CLIENT_SECRET", "comptoir-local-secret", "the local sandbox's value"),
        ("BIGCOMMERCE_API_URL", "http://127.0.0.1:8001", "must be an https:// URL"),
        ("BIGCOMMERCE_API_URL", "https://127.0.0.1:8001", "points at this machine"),
        ("BIGCOMMERCE_LOGIN_URL", "http://127.0.0.1:8001/login", "must be an https:// URL"),
        ("BIGCOMMERCE_LOGIN_URL", "https://localhost:8001/login", "points at this machine"),
        ("COMPTOIR_PUBLIC_URL", "http://127.0.0.1:8000", "must be an https:// URL"),
        ("COMPTOIR_PUBLIC_URL", "https://localhost", "points at this machine"),
        ("COMPTOIR_PUBLIC_URL", "https://[::1]:8000", "points at this machine"),
        ("COMPTOIR_PUBLIC_URL", "https://127.0.0.2", "points at this machine"),
        ("COMPTOIR_PUBLIC_URL", "https://0.0.0.0", "points at this machine"),
        ("COMPTOIR_PUBLIC_URL", "comptoir.example.com", "must be an https:// URL"),
    ],
)
def test_production_settings_refuse_the_sandboxs_values(monkeypatch, name, value, reason):
    with pytest.raises(ImproperlyConfigured, match=f"{name} .*{reason}"):
        _production_settings(monkeypatch, {**PRODUCTION_ENV, name: value})


def _production_settings(monkeypatch, env) -> dict:
    """Run the production settings module against ``env`` (in this process, not importing it)."""
    for name in PRODUCTION_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_module("portal.settings.production")


def test_production_settings_send_mail_through_smtp_from_the_environment():
    code = (
        "from django.conf import settings as s;"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL)"
    )
    env = {**PRODUCTION_ENV, "EMAIL_PORT": "2525", "EMAIL_HOST_USER": "comptoir"}
    result = run_manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        "2525",
        "comptoir",
        "True",
        "Comptoir",
        "<no-reply@comptoir.example.com>",
    ]


LOCAL_URLS = {
    "COMPTOIR_PUBLIC_URL": "http://127.0.0.1:8000",
    "BIGCOMMERCE_API_URL": "http://127.0.0.1:8001",
    "BIGCOMMERCE_LOGIN_URL": "http://127.0.0.1:8001/login",
}


def test_the_local_http_override_serves_plain_http_on_this_machine_only(monkeypatch):
    production = _production_settings(monkeypatch, {**PRODUCTION_ENV, **LOCAL_URLS, "COMPTOIR_LOCAL_HTTP": "1"})
    assert production["COMPTOIR_PUBLIC_URL"] == "http://127.0.0.1:8000"
    assert production["BIGCOMMERCE_API_URL"] == "http://127.0.0.1:8001"
    assert production["SECURE_SSL_REDIRECT"] is False
    assert production["SESSION_COOKIE_SECURE"] is False and production["CSRF_COOKIE_SECURE"] is False
    assert production["SECURE_HSTS_SECONDS"] == 0
    # The secrets and the app's credentials are still production's.
    assert production["DEBUG"] is False
    assert production["BIGCOMMERCE_CLIENT_ID"] == PRODUCTION_ENV["BIGCOMMERCE_CLIENT_ID"]


@pytest.mark.parametrize("name", sorted(LOCAL_URLS))
def test_the_local_http_override_is_refused_for_another_host(monkeypatch, name):
    env = {**PRODUCTION_ENV, **LOCAL_URLS, "COMPTOIR_LOCAL_HTTP": "1", name: "http://comptoir.example.com"}
    with pytest.raises(ImproperlyConfigured, match=f"{name} must point at this machine with COMPTOIR_LOCAL_HTTP"):
        _production_settings(monkeypatch, env)


def test_without_the_override_production_is_https_only(monkeypatch):
    production = _production_settings(monkeypatch, PRODUCTION_ENV)
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SESSION_COOKIE_SECURE"] is True and production["CSRF_COOKIE_SECURE"] is True
    assert production["SECURE_HSTS_SECONDS"] == 31536000


def test_production_serves_static_files_through_whitenoises_compressed_manifest(monkeypatch):
    production = _production_settings(monkeypatch, PRODUCTION_ENV)
    assert production["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert production["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
