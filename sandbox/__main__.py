"""Command line: `python -m sandbox [serve flags]` or `python -m sandbox api-account ...`."""

from __future__ import annotations

import argparse
import json
import sys

from .config import Config
from .ratelimit import parse_rate


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "api-account":
        return api_account_command(argv[1:])
    return serve_command(argv)


def serve_command(argv: list[str]) -> int:
    defaults = Config()
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Local BigCommerce sandbox.")
    parser.add_argument("--host", default=defaults.host)
    parser.add_argument(
        "--port", type=int, default=defaults.port, help="0 picks a free port (printed on the listening line)"
    )
    parser.add_argument("--data", default=defaults.data, help="SQLite file")
    parser.add_argument("--seed-demo", action="store_true", help="create the demo store")
    parser.add_argument("--rate-limit", default="150/30", help="QUOTA/SECONDS per store")
    parser.add_argument(
        "--fault", action="append", default=[], help="kind=...,store=...,method=...,path=...,probability=...,count=..."
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault dice")
    parser.add_argument("--webhook-time-scale", type=float, default=1.0, help="divide webhook retry delays by this")
    parser.add_argument("--app-client-id", default=defaults.app_client_id)
    parser.add_argument("--app-client-secret", default=defaults.app_client_secret)
    parser.add_argument("--app-url", default=defaults.app_url)
    args = parser.parse_args(argv)
    quota, window_ms = parse_rate(args.rate_limit)
    config = Config(
        host=args.host,
        port=args.port,
        data=args.data,
        seed_demo=args.seed_demo,
        rate_quota=quota,
        rate_window_ms=window_ms,
        faults=args.fault,
        seed=args.seed,
        webhook_time_scale=args.webhook_time_scale,
        app_client_id=args.app_client_id,
        app_client_secret=args.app_client_secret,
        app_url=args.app_url.rstrip("/"),
    )
    from .faults import parse_fault

    for spec in args.fault:
        try:
            parse_fault(spec)
        except (ValueError, TypeError) as exc:
            parser.error(f"--fault {spec!r}: {exc}")
    from .server import serve

    serve(config)
    return 0


def api_account_command(argv: list[str]) -> int:
    """Create a store-level API account, as BigCommerce's control panel does."""
    from .auth import ALL_SCOPES, account_create
    from .server import open_database

    parser = argparse.ArgumentParser(prog="python -m sandbox api-account")
    parser.add_argument("--store", required=True, help="store hash")
    parser.add_argument("--scopes", nargs="*", default=None, help=f"OAuth scopes (default: {' '.join(ALL_SCOPES)})")
    parser.add_argument("--name", default="API account")
    parser.add_argument("--data", default=Config().data)
    parser.add_argument("--json", action="store_true", help="print the whole account as JSON")
    args = parser.parse_args(argv)
    db = open_database(args.data)
    with db.tx():
        if db.store_get(args.store) is None:
            print(f"No store {args.store!r} in {args.data}", file=sys.stderr)
            return 2
        scopes = [s for part in args.scopes for s in part.split(",") if s] if args.scopes else None
        account = account_create(db, store_hash=args.store, scopes=scopes, name=args.name)
    print(json.dumps(account) if args.json else account["access_token"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
