"""Redaction time on pathological texts (issue 15, item 8): the old pattern against the new pass.

.venv/bin/python bench/redaction.py
"""

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from integrations.redaction import size_bounded, text_secrets_removed  # noqa: E402

OLD = re.compile(
    r"(?P<name>[\w-]*(?:token|secret|password|signature)[\w-]*)(?P<sep>[\"']?\s*[=:]\s*[\"']?)(?P<value>[^&\s\"',;}]+)",
    re.I,
)


def timed(call):
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


for size in (4_000, 8_000, 16_000):
    text = "a" * size
    print(f"old pattern, {size:>9,} word characters: {timed(lambda: OLD.sub('x', text)):8.3f} s")  # noqa: B023
for size in (16_000, 2_000_000, 20_000_000):
    text = "a" * size
    print(f"new pass,    {size:>9,} word characters: {timed(lambda: text_secrets_removed(text)):8.3f} s")  # noqa: B023
detail = {"sent": {"description": "a" * 2_000_000}}
print(f"size_bounded of a 2 MB description:       {timed(lambda: size_bounded(detail)):8.3f} s")
