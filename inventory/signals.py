"""Signals that inventory sends after commit; integrations listen, inventory knows none of them.

``stock_changed`` — a ledger row was written: ``merchant_id``, ``variant_id``, ``movement_id``,
``origin`` (a ``StockOrigin`` value). Sent once per new movement, never on an idempotent replay.

``stock_tracking_changed`` — stock tracking was turned on or off for a product: ``merchant_id``,
``product_id``, ``track_stock``.
"""

from django.dispatch import Signal

stock_changed = Signal()
stock_tracking_changed = Signal()
