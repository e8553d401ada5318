"""Settings read from the environment, with safe local defaults.

Local defaults: a SQLite file and django-q2's ORM broker, so that ``make run`` works on a
fresh machine. At scale: ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` (django-q2's Redis
broker). Production secrets have no default (see ``production.py``).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-local-only-do-not-use-in-production")
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

# Ports `make run` serves on (scripts/run_all.py): the web and the BigCommerce sandbox. The local
# defaults of COMPTOIR_PUBLIC_URL and BIGCOMMERCE_API_URL / _LOGIN_URL below follow them.
PORT = int(os.environ.get("PORT") or 8000)
SANDBOX_PORT = int(os.environ.get("SANDBOX_PORT") or 8001)

# Where merchants' browsers and BigCommerce reach us (image URLs, callbacks, webhooks).
COMPTOIR_PUBLIC_URL = os.environ.get("COMPTOIR_PUBLIC_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
CSRF_TRUSTED_ORIGINS = [COMPTOIR_PUBLIC_URL]

# Fernet keys (comma-separated, newest first) for secrets at rest: access tokens, webhook secrets.
# Locally a key is derived from SECRET_KEY; production requires COMPTOIR_ENCRYPTION_KEYS.
COMPTOIR_ENCRYPTION_KEYS = [k for k in os.environ.get("COMPTOIR_ENCRYPTION_KEYS", "").split(",") if k]

COMPTOIR_SUPPORT_URL = os.environ.get("COMPTOIR_SUPPORT_URL", "mailto:support@comptoir.test")
# The sync journal (and processed webhook events) are kept this many days, then pruned.
COMPTOIR_JOURNAL_DAYS = int(os.environ.get("COMPTOIR_JOURNAL_DAYS", "90"))
# A running sync run with no progress for this many minutes is marked stalled and resumed.
COMPTOIR_RUN_STALLED_MINUTES = int(os.environ.get("COMPTOIR_RUN_STALLED_MINUTES", "10"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_htmx",
    "django_q",
    "template_partials",
    "portal",
    "catalog",
    "inventory",
    "integrations",
    "backoffice",
    "operations",
]

MIDDLEWARE = [
    "portal.middleware.RequestLogMiddleware",  # first: every line of a request carries its id
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.middleware.RefuseNulMiddleware",  # before anything looks up the session or a query
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.VaryOnHtmxMiddleware",
    "portal.middleware.CurrentMerchantMiddleware",
    "portal.middleware.FrenchTypographyMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'var' / 'comptoir.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the django-q2 worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# django-allauth: email + password, no username.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "none")
ACCOUNT_FORMS = {"signup": "portal.forms.MerchantSignupForm"}
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
# -- Security: allauth's login limits and enumeration (README "Security") --------------------
ACCOUNT_ADAPTER = "portal.accounts.AccountAdapter"
ACCOUNT_PREVENT_ENUMERATION = True  # signup and password reset answer alike for any email
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True  # a reset asked for an unknown email mails that address
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",  # every login POST
    # Failed logins: per IP, and per account from a browser that never logged in to it...
    "login_failed": "10/m/ip,5/5m/key",
    # ...or per browser that did (portal.accounts): failures elsewhere never lock the owner out.
    "login_failed_known_device": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
}
# Behind a reverse proxy, how many of them add to X-Forwarded-For (else every client is the proxy).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("ALLAUTH_TRUSTED_PROXY_COUNT", "0"))
# ---------------------------------------------------------------------------------------------
LOGIN_REDIRECT_URL = "backoffice:dashboard"
LOGIN_URL = "account_login"

# Mail (password reset, address verification): locally written to files in var/mail/ (one per
# message), or EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend for the terminal.
# Production sends through SMTP configured from the environment (see production.py).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", BASE_DIR / "var" / "mail"))
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Comptoir <no-reply@comptoir.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Product images must be reachable by BigCommerce: we serve MEDIA_URL ourselves (see urls.py)
# unless a front server or object storage does it.
COMPTOIR_SERVE_MEDIA = env_bool("COMPTOIR_SERVE_MEDIA", True)
# Where BigCommerce downloads product images from (a CDN or object storage in front of MEDIA_ROOT).
COMPTOIR_MEDIA_PUBLIC_URL = os.environ.get("COMPTOIR_MEDIA_PUBLIC_URL", f"{COMPTOIR_PUBLIC_URL}/{MEDIA_URL}")
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# django-q2: ORM broker by default (same database: enqueue inside a transaction is an outbox),
# Redis broker when REDIS_URL is set. timeout < retry, finite attempts.
# Two lanes, two clusters on one broker (integrations.services.queue picks the lane of each task):
# the default cluster, named Q_NAME, is the BULK lane (initial syncs, resyncs, stock checks,
# housekeeping); the URGENT lane (stock pushes, order intake, webhooks) is the alternative cluster
# started with ``Q_CLUSTER_NAME=urgent python manage.py qcluster``. Q_NAME is also the salt of the
# tasks' signature: every process of one site shares it. Q_URGENT_NAME="" puts all work on the
# bulk lane (one cluster: test harnesses that start a single cluster).
REDIS_URL = os.environ.get("REDIS_URL", "")
Q_URGENT_CLUSTER = os.environ.get("Q_URGENT_NAME", "urgent")
Q_CLUSTER = {
    "name": os.environ.get("Q_NAME", "comptoir"),
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": int(os.environ.get("Q_TIMEOUT", "120")),
    "retry": int(os.environ.get("Q_RETRY", "180")),
    "max_attempts": int(os.environ.get("Q_MAX_ATTEMPTS", "5")),
    "ack_failures": True,
    "save_limit": 1000,
    "catch_up": False,
    "label": "Django Q2",
    "poll": 0.5,
}
if Q_URGENT_CLUSTER:
    # Short tasks: a smaller timeout finds a stuck one sooner; its own workers, never busy with bulk work.
    Q_CLUSTER["ALT_CLUSTERS"] = {
        Q_URGENT_CLUSTER: {
            "workers": int(os.environ.get("Q_URGENT_WORKERS", "2")),
            "timeout": int(os.environ.get("Q_URGENT_TIMEOUT", "60")),
            "retry": int(os.environ.get("Q_URGENT_RETRY", "90")),
            # What a cluster's pusher takes from the broker ahead of its workers (django-q2's default:
            # workers², 4). A stock push taken first from the broker (portal/broker.py) still waits
            # behind those: one at most (and the one the pusher holds while it waits to hand it over).
            "queue_limit": int(os.environ.get("Q_URGENT_QUEUE_LIMIT", "1")),
            # Its successes are not stored (failures are, with their attempts): with a save_limit,
            # django-q2's monitor locks and reads every stored success (up to the limit, 1,000 rows)
            # after each task to prune one, a third of the lane's CPU at 20 stock pushes a second
            # (bench many_stores), and its tasks are a stock push or a drain a sale or a webhook
            # repeats. A task enqueued with ``save=True`` (a probe that waits for its row) is stored.
            "save_limit": -1,
        }
    }
if os.environ.get("Q_CLUSTER_NAME", Q_CLUSTER["name"]) not in (Q_CLUSTER["name"], Q_URGENT_CLUSTER or None):
    raise ImproperlyConfigured(
        f"Q_CLUSTER_NAME={os.environ['Q_CLUSTER_NAME']!r} is not a lane: it names the cluster a qcluster serves, "
        f"{Q_CLUSTER['name']!r} (bulk) or {Q_URGENT_CLUSTER!r} (urgent). The site's name is Q_NAME."
    )
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    Q_CLUSTER["broker_class"] = "portal.broker.FirstRedis"  # each queue with its first part (portal/broker.py)
else:
    # Tasks leave in the order they came (django-q2's ORM broker takes them in no set order): a job's
    # next round waits behind what other merchants enqueued meanwhile.
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["broker_class"] = "portal.broker.FifoORM"
# Tests run tasks inline (sync=True) unless they start a real cluster.
Q_CLUSTER["sync"] = env_bool("Q_SYNC", False)

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "comptoir_cache"}
    )
}

# BigCommerce. Local defaults point at the sandbox started by `make run` (python -m sandbox).
BIGCOMMERCE_API_URL = os.environ.get("BIGCOMMERCE_API_URL", f"http://127.0.0.1:{SANDBOX_PORT}").rstrip("/")
BIGCOMMERCE_LOGIN_URL = os.environ.get("BIGCOMMERCE_LOGIN_URL", f"http://127.0.0.1:{SANDBOX_PORT}/login").rstrip("/")
BIGCOMMERCE_CLIENT_ID = os.environ.get("BIGCOMMERCE_CLIENT_ID", "comptoir-local")
BIGCOMMERCE_CLIENT_SECRET = os.environ.get("BIGCOMMERCE_CLIENT_SECRET", "comptoir-local-secret")
BIGCOMMERCE_TIMEOUT = float(os.environ.get("BIGCOMMERCE_TIMEOUT", "15"))
# How long a stock adjustment whose answer was lost waits before BigCommerce's level is read to settle
# it (integrations.bigcommerce.stock.push; unset: max(60 s, 4 × the timeout)). Tests and benches shorten it.
if os.environ.get("BIGCOMMERCE_STOCK_SETTLE_AFTER_S"):
    BIGCOMMERCE_STOCK_SETTLE_AFTER_S = float(os.environ["BIGCOMMERCE_STOCK_SETTLE_AFTER_S"])
# How long BigCommerce may still be applying an inventory write it answered (its Inventory API is
# asynchronous; unset: 5 s): a stock check waits that long after a push, and a push BigCommerce
# answered with a 500 is settled that long after the answer, not a whole grace after it was sent.
if os.environ.get("BIGCOMMERCE_STOCK_APPLY_WINDOW_S"):
    BIGCOMMERCE_STOCK_APPLY_WINDOW_S = float(os.environ["BIGCOMMERCE_STOCK_APPLY_WINDOW_S"])
# Online orders are read in batches (integrations.bigcommerce.stock.intake): polls of one store at
# least this far apart (seconds; latency against calls), each reading again this far before the
# newest order read (BigCommerce's dates have one-second resolution and arrive out of order).
BIGCOMMERCE_ORDER_POLL_GAP_S = float(os.environ.get("BIGCOMMERCE_ORDER_POLL_GAP_S", "0.5"))
BIGCOMMERCE_ORDER_POLL_OVERLAP_S = float(os.environ.get("BIGCOMMERCE_ORDER_POLL_OVERLAP_S", "3"))
# Fairness (integrations.bigcommerce.api.pacing): bulk calls leave this % of each store's quota to
# urgent ones (stock pushes, order polls), and an urgent task waits at most this long (seconds, in
# all) for a store's spent quota before it gives its worker back to the other stores' work.
BIGCOMMERCE_URGENT_SHARE = int(os.environ.get("BIGCOMMERCE_URGENT_SHARE", "10"))
BIGCOMMERCE_URGENT_MAX_WAIT_S = float(os.environ.get("BIGCOMMERCE_URGENT_MAX_WAIT_S", "1.0"))

# Logs: one JSON object a line (LOG_FORMAT=json, production's default) or a readable line (text,
# the local default); every line passes portal.logs.RedactingFilter (no token, secret or password)
# and carries the request id, merchant, connection and task it belongs to where known.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "portal.logs.RedactingFilter"},
        "enqueued": {"()": "portal.logs.EnqueuedLineFilter"},
    },
    "formatters": {
        "json": {"()": "portal.logs.JsonFormatter"},
        "text": {"()": "portal.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # django-q2 logs to its own handler; through ours instead, redacted and in the same format.
        # Without its "Enqueued" line per task (portal.logs.EnqueuedLineFilter).
        "django-q": {
            "handlers": ["console"],
            "filters": ["enqueued"],
            "level": os.environ.get("LOG_LEVEL", "INFO"),
            "propagate": False,
        },
        # Django's own handlers (DEFAULT_LOGGING) would print unredacted: ours instead.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Errors reach the team through Sentry when SENTRY_DSN is set; nothing of sentry-sdk loads otherwise.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from portal.sentry import sentry_init

    sentry_init(dsn=SENTRY_DSN, environment=os.environ.get("SENTRY_ENVIRONMENT", "production"))

# /metrics (operations.metrics): a bearer token, or the addresses allowed to scrape (comma-separated
# addresses or networks); anyone else, and everyone when neither is set, gets 403.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = [a.strip() for a in os.environ.get("METRICS_ALLOWED_IPS", "").split(",") if a.strip()]
# /health/ready: how old a lane's heartbeat may be, how late a schedule may run, how long (seconds)
# a process reuses its last answer (a load balancer asks every few seconds).
HEALTH_HEARTBEAT_MAX_AGE_S = int(os.environ.get("HEALTH_HEARTBEAT_MAX_AGE_S", "120"))
HEALTH_SCHEDULE_GRACE_S = int(os.environ.get("HEALTH_SCHEDULE_GRACE_S", "120"))
HEALTH_READY_CACHE_S = float(os.environ.get("HEALTH_READY_CACHE_S", "2"))
