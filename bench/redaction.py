"""Redaction time on pathological texts (issue 15, item 8): the old pattern against the new pass.

.venv/bin/python -m bench redaction
"""

import os
import re
import time

from bench._rows import Row, at_most, shown
from integrations.redaction import size_bounded, text_secrets_removed

# The pattern redaction used before: quadratic on a long run of word characters.
OLD = re.compile(
    r"(?P<name>[\w-]*(?:token|secret|password|signature)[\w-]*)(?P<sep>[\"']?\s*[=:]\s*[\"']?)(?P<value>[^&\s\"',;}]+)",
    re.I,
)


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


TINY = os.environ.get("BENCH_TINY") == "1"
OLD_SIZES = (1_000, 2_000, 4_000) if TINY else (4_000, 8_000, 16_000)
NEW_SIZES = (16_000, 200_000, 2_000_000) if TINY else (16_000, 2_000_000, 20_000_000)


def main() -> dict:
    figures = {}
    for size in OLD_SIZES:
        text = "a" * size
        figures[f"old_{size}"] = seconds = _timed(lambda: OLD.sub("x", text))  # noqa: B023
        print(f"   old pattern, {size:>10,} word characters: {seconds:8.3f} s")
    for size in NEW_SIZES:
        text = "a" * size
        figures[f"new_{size}"] = seconds = _timed(lambda: text_secrets_removed(text))  # noqa: B023
        print(f"   new pass,    {size:>10,} word characters: {seconds:8.3f} s")
    detail = {"sent": {"description": "a" * 2_000_000}}
    figures["bounded_2mb"] = seconds = _timed(lambda: size_bounded(detail))
    print(f"   size_bounded of a 2 MB description:         {seconds:8.3f} s")
    return figures


def summary(figures: dict) -> list[Row]:
    """Linear: ten times the text takes at most about ten times as long (20× leaves room for noise)."""
    middle, large = NEW_SIZES[1], NEW_SIZES[2]
    took, before = figures.get(f"new_{large}"), figures.get(f"new_{middle}")
    ratio = None if took is None or before is None else round(took / max(before, 1e-6), 1)
    return [
        (
            f"redaction time, {large:,} vs {middle:,} characters",
            "≤ 20× (linear)",
            f"{shown(ratio, '×')} ({shown(took, ' s', spec='.2f')})",
            at_most(ratio, 20),
        )
    ]
