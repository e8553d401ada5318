"""Gunicorn's settings for the web process (the Procfile's `web`), read from the environment.

gunicorn loads ./gunicorn.conf.py by itself when started from the project folder. Threads
(``gthread``) let one worker process wait on the database or BigCommerce for several requests at
once; memory grows with processes, not threads. SIGTERM (a deploy, `make serve`'s stop) is
graceful: the workers stop accepting, finish the requests in flight within GRACEFUL_TIMEOUT
seconds and exit; only what is still running after it is killed.
"""

import os

wsgi_app = "portal.wsgi:application"
# PORT is what platforms (and `make serve`) hand the web process; GUNICORN_BIND overrides the address.
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT') or 8000}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)  # processes: about one per core
threads = int(os.environ.get("GUNICORN_THREADS") or 4)  # per process
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)  # a request stuck longer: its worker restarts
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 25)  # < a platform's 30 s kill
keepalive = 5
# A worker is replaced after this many requests (spread by the jitter) so a slow leak cannot grow.
# Not too often: a new worker costs about 0.7 s of CPU to start (Django, the app, its first
# connections) and, while it starts, the others take its share. At 2,000 the load run's 70
# requests a second (README "Benchmarks") replaced each of two workers about once a minute; at
# 20,000 it is about every 9 minutes (tests/test_request_cost.py keeps it at 5 or more).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 20000)
max_requests_jitter = max_requests // 10
# Per-request logging is the application's (JSON lines); gunicorn's access log only on demand.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# X-Forwarded-* are trusted from these proxies only (gunicorn also reads FORWARDED_ALLOW_IPS itself).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"
# No gunicornc control socket: one shared path per user would clash between several servers on a host.
control_socket_disable = True
