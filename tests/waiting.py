"""The suites' one hang guard: poll a condition until it holds or a timeout passes. What a test
asserts is the condition, never how soon it came (a busy CI machine is slow at random)."""

import time

POLL_S = 0.05


def wait_until(predicate, timeout: float):
    """The predicate's first truthy value, or its last (falsy) one when ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    return value


def wait_for(predicate, timeout: float = 30.0):
    """``wait_until`` that fails the test when the condition never holds."""
    value = wait_until(predicate, timeout)
    if not value:
        raise AssertionError(f"condition not met within {timeout:g} s")
    return value
