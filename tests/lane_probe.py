"""A task for the lanes' cluster test (tests/test_worker.py): a long bulk job that holds its worker."""

import time
from pathlib import Path

HOLD_AT_MOST = 90  # seconds: a cap so that a failed test never leaves a worker held (not a measure)


def hold(folder: str, name: str) -> None:
    """Say it started, hold the worker until the test writes ``release``, say it finished."""
    here = Path(folder)
    (here / f"{name}.started").touch()
    deadline = time.monotonic() + HOLD_AT_MOST
    while not (here / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    (here / f"{name}.finished").touch()
