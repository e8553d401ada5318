"""Serve the sandbox with a threading wsgiref server."""

from __future__ import annotations

import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import Sandbox
from .config import Config
from .storage import Database


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # the request log lives in SQLite
        pass


def open_database(path: str) -> Database:
    if path != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return Database(path)


def serve(config: Config) -> None:
    db = open_database(config.data)
    httpd = make_server(config.host, config.port, None, ThreadingWSGIServer, QuietHandler)
    host, port = httpd.server_address[:2]
    config.port = port
    config.base_url = f"http://{host}:{port}"
    app = Sandbox(db, config)
    httpd.set_app(app)
    if config.seed_demo:
        from .demo import demo_seed

        demo_seed(app)
    app.webhooks.start()
    print(f"Sandbox listening on {config.base_url}", flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        app.webhooks.stop()
        httpd.server_close()
        sys.stdout.flush()
