import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-for-the-check" + "y" * 20,
    "COMPTOIR_ENCRYPTION_KEYS": "Qm9uam91ciBsZSBtb25kZSwgYydlc3QgdW5lIGNsZWY=",
    "ALLOWED_HOSTS": "comptoir.example.com",
    "COMPTOIR_PUBLIC_URL": "https://comptoir.example.com",
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
