"""What every ``summary(figures)`` builds its rows with, so that a figure missing (a stack skipped, a
phase not run, a bench stopped half way) gives a row that says so instead of an exception.

A row: (figure, goal, value, met) — met is True (✔), False (✖) or None (– no goal, or nothing measured).
"""

from __future__ import annotations

from collections.abc import Callable

Row = tuple[str, str, str, bool | None]


def at_most(value, goal) -> bool | None:
    return None if value is None else value <= goal


def at_least(value, goal) -> bool | None:
    return None if value is None else value >= goal


def equal(value, goal) -> bool | None:
    return None if value is None else value == goal


def shown(value, unit: str = "", *, spec: str = "") -> str:
    """``value`` with its unit, or "–" when it was not measured."""
    if value is None:
        return "–"
    return f"{value:{spec}}{unit}" if spec else f"{value}{unit}"


def per_stack(figures: dict, title: str, rows_of: Callable[[str, dict], list[Row]]) -> list[Row]:
    """Rows for each stack of ``figures["stacks"]`` (``bench._stack.stacks_run``); a skipped one says why."""
    rows: list[Row] = []
    for kind, got in (figures.get("stacks") or {}).items():
        if "skipped" in got:
            rows.append((f"{title} [{kind}]", "run", f"skipped: {str(got['skipped'])[:60]}", None))
        else:
            rows += rows_of(kind, got)
    if not rows:
        rows.append((title, "run", "no stack ran", None))
    return rows
