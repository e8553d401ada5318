"""All API routes, by module."""

from __future__ import annotations

from ..web import Router, route_table


def build() -> Router:
    from . import (
        assignments,
        categories,
        channels,
        hooks,
        images,
        inventory,
        locations,
        options,
        orders,
        products,
        refunds,
        store_info,
        variants,
    )

    router = Router(ids=True)  # every {…_id} is a record id
    for module in (
        store_info,
        hooks,
        assignments,
        products,
        variants,
        options,
        images,
        categories,
        channels,
        inventory,
        locations,
        orders,
        refunds,
    ):
        router.include(route_table(*module.ROUTES))
    return router
