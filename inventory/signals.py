"""Signals that inventory sends after commit; integrations listen, inventory knows none of them.

``stock_changed`` — a ledger row was written: ``merchant_id``, ``variant_id``, ``movement_id``,
``origin`` (a ``StockOrigin`` value). Sent once per new movement, never on an idempotent replay.

Stock tracking on or off is a product change: ``catalog.signals.product_saved`` announces it.
"""

from django.dispatch import Signal

stock_changed = Signal()
