"""Signals that inventory sends after commit; integrations listen, inventory knows none of them.

``stock_changed`` — a ledger row was written: ``merchant_id``, ``shop_id``, ``variant_id``,
``movement_id``, ``origin`` (a ``StockOrigin`` value). Sent once per new movement, never on an
idempotent replay.

``stock_changing`` — the same, but sent INSIDE the ledger's transaction, right after the row is
written, with ``shop_id``, ``primary_shop`` (the row moved the merchant's primary shop's stock),
``delta``, ``level_before`` and ``level_after`` (the whole stock) and
``online_before`` / ``online_after`` (the level the online shop should show: the whole stock, or
the online allocation when the stock is split; a ``split_change`` row moves only these).
For receivers that must write a durable mark in the same transaction (an outbox): a receiver
that raises rolls the stock change back, so keep them small and database-only (no network; work
for after the commit goes in ``transaction.on_commit``, as the stock push's kick does).

Stock tracking on or off is a product change: ``catalog.signals.product_saved`` announces it.
"""

from django.dispatch import Signal

stock_changed = Signal()
stock_changing = Signal()
