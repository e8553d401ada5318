"""The ports `make run` serves on are settings (PORT, SANDBOX_PORT); the local URLs follow them
unless they are set themselves."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLLOWING = ("COMPTOIR_PUBLIC_URL", "BIGCOMMERCE_API_URL", "BIGCOMMERCE_LOGIN_URL")
READ = (
    "import json; from django.conf import settings as s; print(json.dumps({n: getattr(s, n) for n in "
    "('PORT', 'SANDBOX_PORT', 'COMPTOIR_PUBLIC_URL', 'CSRF_TRUSTED_ORIGINS', 'BIGCOMMERCE_API_URL', "
    "'BIGCOMMERCE_LOGIN_URL')}))"
)


def settings_with(env: dict) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in {"PORT", "SANDBOX_PORT", *FOLLOWING}}
    result = subprocess.run(
        [sys.executable, "-c", READ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings.base", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def sandbox_config_with(env: dict) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in {"PORT", "SANDBOX_PORT", "SANDBOX_APP_URL", *FOLLOWING}}
    code = "import json; from sandbox.config import Config; c = Config(); print(json.dumps([c.port, c.app_url]))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_the_defaults_are_8000_and_8001():
    assert settings_with({}) == {
        "PORT": 8000,
        "SANDBOX_PORT": 8001,
        "COMPTOIR_PUBLIC_URL": "http://127.0.0.1:8000",
        "CSRF_TRUSTED_ORIGINS": ["http://127.0.0.1:8000"],
        "BIGCOMMERCE_API_URL": "http://127.0.0.1:8001",
        "BIGCOMMERCE_LOGIN_URL": "http://127.0.0.1:8001/login",
    }
    assert sandbox_config_with({}) == [8001, "http://127.0.0.1:8000"]


def test_the_local_urls_follow_the_ports():
    assert settings_with({"PORT": "18000", "SANDBOX_PORT": "18001"}) == {
        "PORT": 18000,
        "SANDBOX_PORT": 18001,
        "COMPTOIR_PUBLIC_URL": "http://127.0.0.1:18000",
        "CSRF_TRUSTED_ORIGINS": ["http://127.0.0.1:18000"],
        "BIGCOMMERCE_API_URL": "http://127.0.0.1:18001",
        "BIGCOMMERCE_LOGIN_URL": "http://127.0.0.1:18001/login",
    }
    assert sandbox_config_with({"PORT": "18000", "SANDBOX_PORT": "18001"}) == [18001, "http://127.0.0.1:18000"]


@pytest.mark.parametrize("name", FOLLOWING)
def test_a_url_set_explicitly_wins_over_the_port(name):
    value = "https://comptoir.example.com" if name == "COMPTOIR_PUBLIC_URL" else "https://api.bigcommerce.com"
    assert settings_with({"PORT": "18000", "SANDBOX_PORT": "18001", name: value})[name] == value


def test_the_sandbox_calls_back_the_public_url_unless_its_app_url_is_set():
    public = {"PORT": "18000", "COMPTOIR_PUBLIC_URL": "https://tunnel.example.com/"}
    assert sandbox_config_with(public)[1] == "https://tunnel.example.com"
    assert sandbox_config_with({**public, "SANDBOX_APP_URL": "http://127.0.0.1:9000"})[1] == "http://127.0.0.1:9000"
