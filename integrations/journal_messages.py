"""The journal's business messages, as codes and parameters rendered in the reader's language.

Each renderer takes the parameters the writer stored (ids, names, numbers, other codes) and says
what happened in the merchant's words: "Sale #2: Tote bag −2 → BigCommerce 30 → 28". Technical
facts (the webhook's scope, the payload) stay in the entry's detail. Registered on import
(``IntegrationsConfig.ready``).
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integrations.messages import message_register
from inventory.reasons import ORDER_STATUSES, ReasonCode, reason_text

# -- webhooks -------------------------------------------------------------------------------------
WEBHOOK = "webhook.received"

# Why an event asked nothing of Comptoir (``Skipped.code``).
SKIP_REASONS = {
    "not_connected": lambda: _("The store is not connected to Comptoir any more."),
    "managed_in_comptoir": lambda: _(
        "Products are managed in Comptoir: changes made in BigCommerce are not brought in."
    ),
    "other_channel": lambda: _("It is about another channel than Comptoir's."),
    "no_product": lambda: _("It names no product."),
    "no_order": lambda: _("It names no order."),
    "not_used": lambda: _("Comptoir does not use this event."),
    "not_linked": lambda: _("This product is not synced with Comptoir."),
    "not_tracked": lambda: _("Comptoir does not track this product's stock."),
    "own_change": lambda: _("It is Comptoir's own stock change coming back: nothing to do."),
}


def webhook_family(scope: str) -> str:
    """What a scope is about, for the message: ``product_updated``, ``order_created``…"""
    parts = scope.split("/")
    if len(parts) > 2 and parts[1] == "channel":
        parts = [parts[0], *parts[3:]]  # store/channel/{id}/product/assigned → store/product/assigned
    tail = "/".join(parts[1:])
    families = {
        "product/created": "product_created",
        "product/updated": "product_updated",
        "product/deleted": "product_deleted",
        "product/assigned": "product_assigned",
        "product/unassigned": "product_unassigned",
        "sku/created": "variant_changed",
        "sku/updated": "variant_changed",
        "sku/deleted": "variant_changed",
        "order/created": "order_created",
        "order/updated": "order_changed",
        "order/statusUpdated": "order_changed",
        "order/refund/created": "order_refunded",
    }
    if tail in families:
        return families[tail]
    if "inventory" in tail or "stock" in tail:
        return "stock_changed"
    return ""


def _product(params: dict) -> str:
    if params.get("product"):
        return params["product"]
    if params.get("remote_product_id"):
        return _("Product #%(id)s") % {"id": params["remote_product_id"]}
    return _("a product")


@message_register(WEBHOOK)
def webhook_received(params: dict) -> str:
    family = params.get("family", "")
    product, order = _product(params), params.get("order_id")
    said = {
        "product_created": lambda: _("%(product)s created in BigCommerce.") % {"product": product},
        "product_updated": lambda: _("%(product)s changed in BigCommerce.") % {"product": product},
        "product_deleted": lambda: _("%(product)s deleted in BigCommerce.") % {"product": product},
        "product_assigned": lambda: _("%(product)s added to a sales channel in BigCommerce.") % {"product": product},
        "product_unassigned": lambda: (
            _("%(product)s removed from a sales channel in BigCommerce.") % {"product": product}
        ),
        "variant_changed": lambda: _("A variant of %(product)s changed in BigCommerce.") % {"product": product},
        "stock_changed": lambda: _("Stock of %(product)s changed in BigCommerce.") % {"product": product},
        "order_created": lambda: _("Order #%(order)s placed in BigCommerce.") % {"order": order},
        "order_changed": lambda: _("Order #%(order)s changed in BigCommerce.") % {"order": order},
        "order_refunded": lambda: _("Order #%(order)s refunded in BigCommerce.") % {"order": order},
    }.get(family, lambda: _("BigCommerce sent an event."))()
    why = SKIP_REASONS.get(params.get("skipped", ""))
    return f"{said} {why()}" if why else said


# -- stock sent to BigCommerce -------------------------------------------------------------------
STOCK_SENT = "stock_push.sent"


def stock_cause(cause: dict) -> str:
    """What moved the stock: "Sale #2", "Refund #1", "Stock change"…, or "3 stock changes"."""
    if cause.get("count", 1) > 1:
        return ngettext("%(count)s stock change", "%(count)s stock changes", cause["count"]) % {"count": cause["count"]}
    origin = cause.get("origin", "")
    if origin == "pos_sale" and cause.get("sale"):
        return _("Sale #%(number)s") % {"number": cause["sale"]}
    if origin == "pos_refund" and cause.get("refund"):
        return _("Refund #%(number)s") % {"number": cause["refund"]}
    return {
        "pos_sale": lambda: _("Sale"),
        "pos_refund": lambda: _("Refund"),
        "manual_comptoir": lambda: _("Stock change in Comptoir"),
        "split_change": lambda: _("Stock split change"),
        "initial": lambda: _("Starting stock"),
    }.get(origin, lambda: _("Stock change"))()


def _signed(number: int) -> str:
    return f"+{number}" if number > 0 else f"−{-number}"  # a real minus sign, as a person writes it


@message_register(STOCK_SENT)
def stock_sent(params: dict) -> str:
    values = {"cause": stock_cause(params.get("cause", {})), "product": params["product"]}
    if params.get("method") == "absolute":
        return _("%(cause)s: %(product)s → BigCommerce set to %(after)s ✓") % {**values, "after": params["after"]}
    return _("%(cause)s: %(product)s %(delta)s → BigCommerce %(before)s → %(after)s ✓") % {
        **values,
        "delta": _signed(params["delta"]),
        "before": params["before"],
        "after": params["after"],
    }


# -- online orders (stock from BigCommerce) -------------------------------------------------------
ONLINE_ORDER = "stock_in.online_order"
ONLINE_ORDER_KEPT = "stock_in.online_order_kept"


def order_lines(lines: list[dict], *, sign: int | None) -> str:
    """ "Tote bag −1, Mug −2" (``sign`` −1 or +1), or "Tote bag ×1, Mug ×2" when nothing moved."""
    said = []
    for line in lines:
        quantity = line["quantity"]
        amount = f"×{quantity}" if sign is None else _signed(sign * quantity)
        said.append(f"{line['product']} {amount}")
    return ", ".join(said)


@message_register(ONLINE_ORDER)
def online_order(params: dict) -> str:
    if params.get("returned"):
        return _("Online order #%(order)s (%(status)s): %(lines)s back in Comptoir's stock.") % {
            "order": params["order"],
            "status": ORDER_STATUSES[params["status"]],
            "lines": order_lines(params["lines"], sign=1),
        }
    return _("Online order #%(order)s: %(lines)s") % {
        "order": params["order"],
        "lines": order_lines(params["lines"], sign=-1),
    }


@message_register(ONLINE_ORDER_KEPT)
def online_order_kept(params: dict) -> str:
    reason = reason_text(code=ReasonCode.ONLINE_ORDER_KEPT, params=params["reason"])
    return _("%(reason)s Items: %(lines)s.") % {"reason": reason, "lines": order_lines(params["lines"], sign=None)}


# -- products sent to BigCommerce (the export) ------------------------------------------------------
EXPORT_CREATED = "export.created"
EXPORT_UPDATED = "export.updated"
EXPORT_STARTED = "export.started"
EXPORT_FINISHED = "export.finished"


def export_part_label(part: str) -> str:
    """What part of a product an update sent ("variants", "images"…), in the reader's words."""
    return {
        "fields": lambda: _("name, description and other fields"),
        "variants": lambda: _("variants"),
        "options": lambda: _("options"),
        "images": lambda: _("images"),
        "videos": lambda: _("videos"),
    }.get(part, lambda: part)()


@message_register(EXPORT_CREATED)
def export_created(params: dict) -> str:
    return _("Created “%(name)s” in BigCommerce (#%(id)s), hidden, in the Comptoir POS category.") % {
        "name": params["name"],
        "id": params["id"],
    }


@message_register(EXPORT_UPDATED)
def export_updated(params: dict) -> str:
    return _("Updated “%(name)s” in BigCommerce: %(parts)s.") % {
        "name": params["name"],
        "parts": ", ".join(export_part_label(p) for p in params["parts"]),
    }


@message_register(EXPORT_STARTED)
def export_started(params: dict) -> str:
    total = params["total"]
    if not total:
        return _("Initial sync: no products to send to BigCommerce yet.")
    return ngettext(
        "Initial sync started: %(count)s product to send to BigCommerce.",
        "Initial sync started: %(count)s products to send to BigCommerce.",
        total,
    ) % {"count": total}


@message_register(EXPORT_FINISHED)
def export_finished(params: dict) -> str:
    done, failed = params["done"], params["failed"]
    if failed:
        return ngettext(
            "Sync to BigCommerce finished: %(done)s product sent, %(failed)s failed (see the lines above).",
            "Sync to BigCommerce finished: %(done)s products sent, %(failed)s failed (see the lines above).",
            done,
        ) % {"done": done, "failed": failed}
    return ngettext(
        "Sync to BigCommerce finished: %(done)s product sent.",
        "Sync to BigCommerce finished: %(done)s products sent.",
        done,
    ) % {"done": done}


# -- products brought in from BigCommerce (the import) ----------------------------------------------
IMPORT_PRODUCT = "import.product"
IMPORT_STARTED = "import.started"
IMPORT_CHECKED = "import.checked"
IMPORT_FINISHED = "import.finished"


@message_register(IMPORT_PRODUCT)
def import_product(params: dict) -> str:
    if params["created"]:
        return _("Imported “%(name)s” from BigCommerce.") % {"name": params["name"]}
    return _("Updated “%(name)s” from BigCommerce.") % {"name": params["name"]}


@message_register(IMPORT_STARTED)
def import_started(params: dict) -> str:
    return _("Importing %(count)s products of the Comptoir-POS channel from BigCommerce.") % {"count": params["total"]}


@message_register(IMPORT_CHECKED)
def import_checked(params: dict) -> str:
    return _(
        "Checked the %(total)s products of the Comptoir-POS channel: %(imported)s imported or updated, "
        "%(unchanged)s unchanged, %(left)s archived, %(failed)s failed."
    ) % {key: params[key] for key in ("total", "imported", "unchanged", "left", "failed")}


@message_register(IMPORT_FINISHED)
def import_finished(params: dict) -> str:
    said = _("Initial import from BigCommerce finished: %(done)s of %(total)s products imported, %(failed)s failed.")
    return said % {key: params[key] for key in ("done", "total", "failed")}


# -- connecting and disconnecting (the setup's steps) ----------------------------------------------
SETUP_STORE_READ = "setup.store_read"
SETUP_PREFLIGHT = "setup.preflight"
SETUP_CONNECTED = "setup.connected"
SETUP_CHANNEL = "setup.channel"  # {name, done: created | reconnected | reused}
SETUP_CATEGORY = "setup.category"  # {name, done: created | reused}
SETUP_WEBHOOKS = "setup.webhooks"  # {count}
SETUP_CHANNEL_ASSIGNED = "setup.channel_assigned"  # {count, channel}
SETUP_LINKED = "setup.linked"  # {count}
DISCONNECT_COPIES = "disconnect.copies"  # {count, where: bigcommerce | comptoir}
DISCONNECT_WEBHOOKS = "disconnect.webhooks"  # {count}


@message_register(SETUP_STORE_READ)
def setup_store_read(params: dict) -> str:
    return _("Read the store settings of %(name)s: currency %(currency)s, prices entered %(tax)s.") % {
        "name": params["name"],
        "currency": params["currency"],
        "tax": _("with tax") if params["with_tax"] else _("without tax"),
    }


@message_register(SETUP_PREFLIGHT)
def setup_preflight(params: dict) -> str:
    return _(
        "Checked for products on both sides: %(count)s found in BigCommerce with the same SKU or barcode, "
        "%(named)s with the same name only."
    ) % {"count": params["count"], "named": params["named"]}


@message_register(SETUP_CONNECTED)
def setup_connected(params: dict) -> str:
    where = {"comptoir": lambda: _("Comptoir"), "bigcommerce": lambda: _("BigCommerce")}[params["managed_in"]]()
    return _("Connected to BigCommerce store %(name)s. Products are managed in %(where)s.") % {
        "name": params["name"],
        "where": where,
    }


@message_register(SETUP_CHANNEL)
def setup_channel(params: dict) -> str:
    said = {
        "created": lambda: _("Created the sales channel %(name)s in BigCommerce."),
        "reconnected": lambda: _("Reconnected the existing sales channel %(name)s."),
        "reused": lambda: _("Reused the existing sales channel %(name)s."),
    }[params["done"]]()
    return said % {"name": params["name"]}


@message_register(SETUP_CATEGORY)
def setup_category(params: dict) -> str:
    said = {
        "created": lambda: _("Created the hidden category %(name)s for products synced from Comptoir."),
        "reused": lambda: _("Reused the existing category %(name)s."),
    }[params["done"]]()
    return said % {"name": params["name"]}


@message_register(SETUP_WEBHOOKS)
def setup_webhooks(params: dict) -> str:
    return _("Registered %(count)s webhooks so that BigCommerce tells Comptoir about changes.") % {
        "count": params["count"]
    }


@message_register(SETUP_CHANNEL_ASSIGNED)
def setup_channel_assigned(params: dict) -> str:
    return _("Added %(count)s linked products to the %(channel)s channel, so that they sync with Comptoir.") % {
        "count": params["count"],
        "channel": params["channel"],
    }


@message_register(SETUP_LINKED)
def setup_linked(params: dict) -> str:
    return _("Linked %(count)s products that already existed on both sides, instead of creating copies.") % {
        "count": params["count"]
    }


@message_register(DISCONNECT_COPIES)
def disconnect_copies(params: dict) -> str:
    if params["where"] == "bigcommerce":
        said = _("Deleted %(count)s products that Comptoir had created in BigCommerce.")
    else:
        said = _("Removed %(count)s products that had been copied from BigCommerce into Comptoir.")
    return said % {"count": params["count"]}


@message_register(DISCONNECT_WEBHOOKS)
def disconnect_webhooks(params: dict) -> str:
    return _("Removed %(count)s webhooks from BigCommerce.") % {"count": params["count"]}


# -- what the merchant asked (assign, unassign, retry, sync now) ----------------------------------
ASSIGNED = "export.assigned"  # {count}
UNASSIGNED = "export.unassigned"  # {count, delete_copies}
RETRY_REQUESTED = "export.retry_requested"  # {count}
SYNC_NOW = "sync_now.started"  # {direction: to_bigcommerce | from_bigcommerce, total}


@message_register(ASSIGNED)
def assigned(params: dict) -> str:
    count = params["count"]
    return ngettext(
        "%(count)s product assigned to BigCommerce: it will be created there.",
        "%(count)s products assigned to BigCommerce: they will be created there.",
        count,
    ) % {"count": count}


@message_register(UNASSIGNED)
def unassigned(params: dict) -> str:
    count = params["count"]
    if params["delete_copies"]:
        said = ngettext(
            "%(count)s product unassigned from BigCommerce: it no longer syncs, and its copy there is being deleted.",
            "%(count)s products unassigned from BigCommerce: they no longer sync, and their "
            "copies there are being deleted.",
            count,
        )
    else:
        said = ngettext(
            "%(count)s product unassigned from BigCommerce: it no longer syncs; its copy there was kept.",
            "%(count)s products unassigned from BigCommerce: they no longer sync; their copies there were kept.",
            count,
        )
    return said % {"count": count}


@message_register(RETRY_REQUESTED)
def retry_requested(params: dict) -> str:
    count = params["count"]
    return ngettext(
        "Retry of %(count)s failed product requested.", "Retry of %(count)s failed products requested.", count
    ) % {"count": count}


@message_register(SYNC_NOW)
def sync_now(params: dict) -> str:
    if params["direction"] == "from_bigcommerce":
        return _("Sync now: Comptoir is checking the products of the Comptoir-POS channel.")
    total = params["total"]
    return ngettext(
        "Sync now: %(count)s product to send to BigCommerce again.",
        "Sync now: %(count)s products to send to BigCommerce again.",
        total,
    ) % {"count": total}


SETUP_LOGGED_IN = "setup.logged_in"  # {store}
SETUP_STORE_CONNECTED = "setup.store_connected"  # {store}
SETUP_FINISHING = "setup.finishing"
DISCONNECTING = "disconnect.started"  # {delete_copies}


@message_register(SETUP_LOGGED_IN)
def setup_logged_in(params: dict) -> str:
    return _("Logged in to BigCommerce: store %(store)s granted access to Comptoir.") % {"store": params["store"]}


@message_register(SETUP_STORE_CONNECTED)
def setup_store_connected(params: dict) -> str:
    return _("Store %(store)s connected to this Comptoir account.") % {"store": params["store"]}


@message_register(SETUP_FINISHING)
def setup_finishing(params: dict) -> str:
    return _("Finishing setup.")


@message_register(DISCONNECTING)
def disconnecting(params: dict) -> str:
    return _("Disconnecting from BigCommerce (delete synced copies: %(answer)s).") % {
        "answer": _("yes") if params["delete_copies"] else _("no")
    }


# -- a product leaving the sync ---------------------------------------------------------------------
EXPORT_REMOVED = "export.removed"  # {name, id, case: copy_kept | deleted_gone | kept_gone | copy_deleted | kept}
IMPORT_LEFT = "import.left"  # {name, deleted}
DISCONNECT_DETACHED = "disconnect.detached"  # {count}


@message_register(EXPORT_REMOVED)
def export_removed(params: dict) -> str:
    values = {"name": params.get("name", ""), "id": params["id"]}
    said = {
        "copy_kept": lambda: _(
            "“%(name)s” was unassigned from BigCommerce: its copy #%(id)s was kept there, "
            "off the Comptoir-POS channel, and no longer syncs."
        ),
        "deleted_gone": lambda: _("Product deleted in Comptoir: its BigCommerce copy #%(id)s was deleted too."),
        "kept_gone": lambda: _(
            "Product deleted in Comptoir: BigCommerce product #%(id)s was kept "
            "(it existed there before) and is no longer synced."
        ),
        "copy_deleted": lambda: _("“%(name)s” was unassigned from BigCommerce and its copy #%(id)s deleted."),
        "kept": lambda: _(
            "“%(name)s” was unassigned from BigCommerce; product #%(id)s existed there before and was kept."
        ),
    }[params["case"]]()
    return said % values


@message_register(IMPORT_LEFT)
def import_left(params: dict) -> str:
    if params["deleted"]:
        said = _("“%(name)s” was deleted in BigCommerce: archived in Comptoir, its sales history is kept.")
    else:
        said = _(
            "“%(name)s” was removed from the Comptoir-POS channel in BigCommerce: archived in Comptoir, "
            "its sales history is kept."
        )
    return said % {"name": params["name"]}


@message_register(DISCONNECT_DETACHED)
def disconnect_detached(params: dict) -> str:
    return _("%(count)s products copied from BigCommerce can be edited in Comptoir again.") % {"count": params["count"]}


# -- the stock check ---------------------------------------------------------------------------------
STOCK_CHECKED = "stock_check.finished"  # {total, corrected: [{product, sku, expected, seen}], count, busy}


@message_register(STOCK_CHECKED)
def stock_checked(params: dict) -> str:
    total, count, busy = params["total"], params["count"], params["busy"]
    text = ngettext(
        "Stock check: %(count)s variant compared with BigCommerce",
        "Stock check: %(count)s variants compared with BigCommerce",
        total,
    ) % {"count": total}
    if count:
        found = ", ".join(
            f"{c['product']} ({c['sku']}): {c['expected']} → {c['seen']}"
            if c.get("sku")
            else f"{c['product']}: {c['expected']} → {c['seen']}"
            for c in params["corrected"]
        )
        text += ngettext("; %(count)s corrected (%(found)s).", "; %(count)s corrected (%(found)s).", count) % {
            "count": count,
            "found": found,
        }
    else:
        text += _("; both sides agree.")
    if busy:
        text += " " + ngettext(
            "%(count)s was changing and will be checked on the next round.",
            "%(count)s were changing and will be checked on the next round.",
            busy,
        ) % {"count": busy}
    return text
