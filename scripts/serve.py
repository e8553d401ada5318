"""`make serve`: the production stack on this machine — the Procfile's processes (gunicorn, one django-q2
cluster per lane) on PostgreSQL + Redis with ``portal.settings.production``, and the BigCommerce sandbox
standing in for BigCommerce. Ctrl-C or SIGTERM stops everything (scripts/run_all.py's ``run``).

Before the processes start, what a deploy runs (README "Deploying"): the database is created if it is
missing, then ``migrate``, ``collectstatic`` (whitenoise's manifest), ``demo_data`` (the demo boutique,
unless ``SERVE_DEMO=0``) and ``schedules_install``.

The one local override is TLS: ``COMPTOIR_LOCAL_HTTP=1`` (plain http on 127.0.0.1; production.py
refuses it for any other host). Everything else is production's: the secrets and the app's credentials
are generated once into ``var/serve/secrets.json`` (kept so that sessions and the tokens encrypted at
rest survive a restart; the sandbox is given the same app credentials), and mail goes to SMTP
(``EMAIL_HOST``/``EMAIL_PORT``, default 127.0.0.1:1025: without a server there, a mail that fails is
logged and the page says so). The environment overrides any of these defaults.
"""

import json
import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import run_all

ROOT = run_all.ROOT
STATE = Path(os.environ.get("SERVE_STATE") or ROOT / "var" / "serve")
# Gunicorn's graceful timeout (25 s) and a task in flight get this long before SIGKILL.
GRACE = float(os.environ.get("SERVE_GRACE") or 40)


def app_secrets() -> dict[str, str]:
    """The generated secrets, made once and kept in var/serve/secrets.json (mode 600)."""
    path = STATE / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    from cryptography.fernet import Fernet

    values = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "COMPTOIR_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BIGCOMMERCE_CLIENT_ID": "serve-" + secrets.token_hex(8),
        "BIGCOMMERCE_CLIENT_SECRET": secrets.token_urlsafe(32),
    }
    STATE.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(values, indent=2))
    return values


def serve_env(environ: dict[str, str]) -> dict[str, str]:
    """Production settings for this machine; what ``environ`` sets wins."""
    port = int(environ.get("PORT") or 8000)
    sandbox_port = int(environ.get("SANDBOX_PORT") or 8001)
    defaults = {
        **app_secrets(),
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/comptoir_serve",
        "REDIS_URL": "redis://127.0.0.1:6379/1",
        "DATABASE_CONN_MAX_AGE": "60",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "COMPTOIR_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "BIGCOMMERCE_API_URL": f"http://127.0.0.1:{sandbox_port}",
        "BIGCOMMERCE_LOGIN_URL": f"http://127.0.0.1:{sandbox_port}/login",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": "1025",
        "EMAIL_USE_TLS": "false",
        "DEFAULT_FROM_EMAIL": "Comptoir <no-reply@comptoir.test>",
        "MEDIA_ROOT": str(STATE / "media"),
        "SANDBOX_DATA": str(STATE / "sandbox.sqlite3"),
    }
    env = {**defaults, **environ}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "COMPTOIR_LOCAL_HTTP": "1",
            "PORT": str(port),
            "SANDBOX_PORT": str(sandbox_port),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            # The sandbox's app is the one Comptoir is configured with.
            "SANDBOX_APP_CLIENT_ID": env["BIGCOMMERCE_CLIENT_ID"],
            "SANDBOX_APP_CLIENT_SECRET": env["BIGCOMMERCE_CLIENT_SECRET"],
        }
    )
    env.pop("Q_SYNC", None)  # tasks go to the workers, never inline
    return env


def procfile(path: Path = ROOT / "Procfile") -> dict[str, list[str]]:
    """The Procfile's processes, ``python`` and ``gunicorn`` run by this interpreter."""
    processes = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        own_env, argv = run_all.split_assignments(shlex.split(command))
        if argv[0] == "python":
            argv[0] = sys.executable
        elif argv[0] == "gunicorn":
            argv[:1] = [sys.executable, "-m", "gunicorn"]
        processes[name.strip()] = [*(f"{k}={v}" for k, v in own_env.items()), *argv]
    return processes


def database_create(url: str) -> None:
    """CREATE DATABASE for a PostgreSQL URL whose database does not exist yet."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def release(env: dict[str, str]) -> None:
    """What every deploy runs before the processes start."""
    steps = [["migrate", "--noinput"], ["collectstatic", "--noinput", "--verbosity", "0"]]
    if env.get("SERVE_DEMO", "1") != "0":
        steps.append(["demo_data"])
    steps.append(["schedules_install"])
    for step in steps:
        subprocess.run([sys.executable, "manage.py", *step], cwd=ROOT, env=env, check=True)


def main() -> int:
    env = serve_env(dict(os.environ))
    port, sandbox_port = int(env["PORT"]), int(env["SANDBOX_PORT"])
    busy = run_all.busy_ports({"web": (port, "PORT"), "sandbox": (sandbox_port, "SANDBOX_PORT")}, target="serve")
    if busy:
        run_all.say("\n".join(busy), stream=sys.stderr)
        return 1
    try:
        database_create(env["DATABASE_URL"])
        release(env)
    except (subprocess.CalledProcessError, OSError, ImportError) as error:
        run_all.say(f"make serve: could not prepare the database: {error}", stream=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    processes = {
        **procfile(),
        "sandbox": [sys.executable, "-m", "sandbox", "--port", str(sandbox_port), "--seed-demo"],
    }
    return run_all.run(
        processes,
        ports={"web": (port, "PORT"), "sandbox": (sandbox_port, "SANDBOX_PORT")},
        banner=[
            f"Comptoir (production settings, gunicorn): http://127.0.0.1:{port} (demo@comptoir.test / comptoir-demo)",
            f"Health: http://127.0.0.1:{port}/health/ready — processes: {', '.join(processes)}",
            f"BigCommerce sandbox: http://127.0.0.1:{sandbox_port}/manage/ — Ctrl-C stops everything.",
        ],
        target="serve",
        env=env,
        grace=GRACE,
    )


if __name__ == "__main__":
    sys.exit(main())
