"""Sandbox settings, from command-line flags and environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def env_port(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def default_app_url() -> str:
    """Where the app's callbacks go: SANDBOX_APP_URL, else Comptoir's public URL, else Comptoir on
    PORT (the same defaults as Comptoir's settings)."""
    explicit = os.environ.get("SANDBOX_APP_URL") or os.environ.get("COMPTOIR_PUBLIC_URL")
    return (explicit or f"http://127.0.0.1:{env_port('PORT', 8000)}").rstrip("/")


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = field(default_factory=lambda: env_port("SANDBOX_PORT", 8001))
    data: str = field(default_factory=lambda: os.environ.get("SANDBOX_DATA") or "var/sandbox.sqlite3")
    seed_demo: bool = False
    rate_quota: int = 150
    rate_window_ms: int = 30000
    faults: list[str] = field(default_factory=list)
    seed: int = 0
    webhook_time_scale: float = 1.0
    # The app registration the sandbox knows (BigCommerce's Developer Portal).
    app_client_id: str = field(default_factory=lambda: os.environ.get("SANDBOX_APP_CLIENT_ID", "comptoir-local"))
    app_client_secret: str = field(
        default_factory=lambda: os.environ.get("SANDBOX_APP_CLIENT_SECRET", "comptoir-local-secret")
    )
    app_url: str = field(default_factory=default_app_url)
    base_url: str = ""  # set once the server is bound
