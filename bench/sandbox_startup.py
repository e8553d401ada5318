"""How long the BigCommerce sandbox takes to start (the figure a test used to assert).

Starts ``python -m sandbox --port 0`` BENCH_STARTS times (default 5) on a fresh SQLite file each
time, as the tests' ``SandboxProcess`` does, and prints the time from spawning the process to its
first answer on ``/_sandbox/health``: the median and the slowest. The tests only check that it
starts and answers; on a busy machine this figure grows, which is why it lives here.
"""

import os
import statistics
import tempfile
import time

from bench._rows import Row, shown


def main() -> dict:
    import requests

    from sandbox.testing import SandboxProcess

    starts = int(os.environ.get("BENCH_STARTS", "5"))
    seconds = []
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as folder:
        for i in range(starts):
            started = time.monotonic()
            with SandboxProcess(data=os.path.join(folder, f"{i}.sqlite3")) as process:
                requests.get(process.url + "/_sandbox/health", timeout=30).raise_for_status()
                seconds.append(time.monotonic() - started)
    figures = {
        "starts": starts,
        "median_s": round(statistics.median(seconds), 3),
        "slowest_s": round(max(seconds), 3),
    }
    print(f"   {starts} starts: median {figures['median_s']} s, slowest {figures['slowest_s']} s to the first answer")
    return figures


def summary(figures: dict) -> list[Row]:
    return [
        (
            f"sandbox start to its first answer, median of {figures.get('starts')}",
            "–",
            shown(figures.get("median_s"), " s"),
            None,
        )
    ]
