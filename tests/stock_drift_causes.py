"""Where a convergence run's long drift episodes come from (issue 17): for each episode longer than
the goal (``stock_drift.GOAL_P99_S``), what preceded it on that variant and what ended it, read
from the run's own records (its operations, the variant's ``StockPush`` rows and ledger rows, the
connector's journal). ``cause`` is the first thing found, in this order, in the seconds before the
episode began: a push whose answer was lost, a push BigCommerce refused, the merchant's edit in
BigCommerce, an online order; else a change made in Comptoir (the push's own lag). ``settled_by`` is
the last record about the variant up to the episode's end. Both are a reading of the records, not a
proof: the ``timeline`` of each episode is kept for a person to check."""

from __future__ import annotations

from collections import Counter

LOOKBACK_S = 15.0  # how far before an episode's start its cause is looked for
TIMELINE_MAX = 60


def _journal_label(detail: dict, status: str, kind: str, movements: set[int]) -> str:
    if kind == "stock_check" and "items" in detail:
        return "check: undecided pushes settled (absolute write)"
    if "applied" in detail or "resent" in detail:
        mine = "applied" if movements & set(detail.get("applied") or ()) else "resent"
        return f"settle: lost answer decided ({mine})"
    if "undecided" in detail:
        return "settle: undecided, left to the stock check"
    if status == "failed" and "status" in detail:
        return f"push refused ({detail.get('status')})"
    if status == "failed" and "error" in detail:
        return "push answer lost"
    if "variant_id" in detail:
        return f"push sent ({detail.get('method')})"
    return "journal: " + ",".join(sorted(detail))[:60]


def _mentions(detail: dict, movements: set[int], remote: int) -> bool:
    ids = set()
    for key in ("movements", "applied", "resent", "undecided"):
        ids |= {m for m in detail.get(key) or () if isinstance(m, int)}
    if ids & movements:
        return True
    if detail.get("variant_id") == remote:
        return True
    return any(isinstance(i, dict) and i.get("variant_id") == remote for i in detail.get("items") or ())


def _op_touches(op: dict, variant: int) -> bool:
    if op.get("variant") == variant:
        return True
    return any(line[0] == variant for line in op.get("lines") or ())


def episode_timeline(runner, episode: dict, journal: list[dict]) -> list[tuple[float, str]]:
    """(seconds from the episode's start, what) for the variant, from LOOKBACK_S before it to its end;
    for an episode at a location (a run with shops), that location's pushes and its shop's ledger rows."""
    from integrations.models import StockPush
    from inventory.models import StockMovement

    variant, start, end = episode["variant"], episode["start_ts"], episode["end_ts"]
    lo, hi = start - LOOKBACK_S, end + 0.5
    remote = runner.remote_of[variant]
    ledger = StockMovement.objects.filter(variant_id=variant)
    pushes = StockPush.objects.filter(variant_link__variant_id=variant)
    if episode.get("location") is not None:
        ledger = ledger.filter(shop_id=runner.shop_at[episode["location"]].pk)
        pushes = pushes.filter(location_id=episode["location"])
    events: list[tuple[float, str]] = []
    for op in runner.ops:
        if lo <= op.get("at", 0) <= hi and _op_touches(op, variant):
            events.append((op["at"], f"op {op['op']}"))
    movements = set()
    for m in ledger.values("pk", "origin", "delta", "created_at"):
        movements.add(m["pk"])
        if lo <= m["created_at"].timestamp() <= hi:
            events.append((m["created_at"].timestamp(), f"ledger {m['origin']} {m['delta']:+d}"))
    for p in pushes.values("movement_id", "delta", "state", "attempts", "created_at", "sent_at"):
        if lo <= p["created_at"].timestamp() <= hi:
            events.append((p["created_at"].timestamp(), f"push marked {p['delta']:+d}"))
        if p["sent_at"] and lo <= p["sent_at"].timestamp() <= hi:
            events.append((p["sent_at"].timestamp(), f"push sent_at (now {p['state']}, attempts {p['attempts']})"))
    for entry in journal:
        at = entry["created_at"].timestamp()
        if lo <= at <= hi and _mentions(entry["detail"] or {}, movements, remote):
            label = _journal_label(entry["detail"] or {}, entry["status"], entry["kind"], movements)
            events.append((at, label))
    events.sort()
    return [(round(at - start, 2), what) for at, what in events]


def _cause(timeline: list[tuple[float, str]]) -> str:
    before = [what for t, what in timeline if t <= 0.3]
    for needle, name in (
        ("push answer lost", "lost answer"),
        ("push refused", "push refused"),
        ("op bc_edit", "merchant edit in BigCommerce"),
        ("op online", "online order/cancel/refund"),
    ):
        if any(needle in what for what in before):
            return name
    return "Comptoir change (push lag)"


def _settled_by(timeline: list[tuple[float, str]], duration: float) -> str:
    kinds = (
        ("check: undecided", "stock check: absolute write"),
        ("settle: lost answer decided (resent)", "settle read → resent"),
        ("settle: lost answer decided (applied)", "settle read → applied"),
        ("ledger manual_online", "stock check correction (edit)"),
        ("ledger reconciliation", "stock check correction"),
        ("ledger online_order", "order intake"),
        ("ledger online_refund", "order intake"),
        ("push sent", "push"),
    )
    last = [what for t, what in timeline if 0 < t <= duration + 0.3]
    for what in reversed(last):
        for needle, name in kinds:
            if what.startswith(needle):
                return name
    return "unknown"


def explain(runner, episodes: list[dict]) -> dict:
    """The long episodes with their cause, what ended them and their timeline; counts by cause."""
    from integrations.models import SyncEvent

    journal = list(
        SyncEvent.objects.filter(
            connection=runner.connection, kind__in=[SyncEvent.Kind.STOCK_PUSH, SyncEvent.Kind.STOCK_CHECK]
        ).values("kind", "status", "detail", "created_at")
    )
    out = []
    for episode in episodes:
        timeline = episode_timeline(runner, episode, journal)
        out.append(
            {
                **episode,
                "cause": _cause(timeline),
                "settled_by": _settled_by(timeline, episode["s"]),
                "timeline": timeline[-TIMELINE_MAX:],
            }
        )
    by = Counter(f"{e['cause']} → {e['settled_by']}" for e in out)
    return {"episodes": out, "by_cause": dict(by.most_common())}


def causes_line(explained: dict) -> str:
    if not explained["episodes"]:
        return "long drift episodes: none"
    parts = "; ".join(f"{k}: {v}" for k, v in explained["by_cause"].items())
    return f"long drift episodes (> goal): {len(explained['episodes'])}; cause → settled by: {parts}"
