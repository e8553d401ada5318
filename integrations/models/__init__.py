"""Connections to BigCommerce, the sync journal, and which local product is which remote one.

Fields and constraints only; the flows live in ``integrations.services`` and
``integrations.bigcommerce``. One module a room; every model is importable from here.
"""

from integrations.models.bindings import (
    ProductLink,
    ProductLinkQuerySet,
    RemoteRef,
    SyncState,
    VariantLink,
    VariantLinkQuerySet,
)
from integrations.models.connection import BigCommerceConnection, ProductAssignment
from integrations.models.incidents import Incident
from integrations.models.journal import SyncEvent, SyncRun
from integrations.models.locations import ShopLocation
from integrations.models.stock import OrderIntake, OrderLineEffect, OrderStatusAnnounced, RemoteOrder, StockPush
from integrations.models.transport import RateLimitState, UsedSignedPayload, WebhookEvent

__all__ = [
    "BigCommerceConnection",
    "Incident",
    "OrderIntake",
    "OrderLineEffect",
    "OrderStatusAnnounced",
    "ProductAssignment",
    "ProductLink",
    "ProductLinkQuerySet",
    "RateLimitState",
    "RemoteOrder",
    "RemoteRef",
    "ShopLocation",
    "StockPush",
    "SyncEvent",
    "SyncRun",
    "SyncState",
    "UsedSignedPayload",
    "VariantLink",
    "VariantLinkQuerySet",
    "WebhookEvent",
]
