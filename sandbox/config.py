"""Sandbox settings, from command-line flags and environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 8001
    data: str = "var/sandbox.sqlite3"
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
    app_url: str = field(default_factory=lambda: os.environ.get("SANDBOX_APP_URL", "http://127.0.0.1:8000"))
    base_url: str = ""  # set once the server is bound
