"""The journal's words for connecting, setting up and disconnecting, and for what the merchant
asked (assign, unassign, retry, Sync now)."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integrations.messages import message_register

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


# -- what needs the merchant (each opens an incident: integrations.services.incidents) --------------
ACCESS_REFUSED = "connection.access_refused"  # {status}
WEBHOOKS_DEACTIVATED = "connection.webhooks_deactivated"  # {count}


@message_register(ACCESS_REFUSED)
def access_refused(params: dict) -> str:
    return _(
        "BigCommerce refused Comptoir's access token (%(status)s): the app was uninstalled or its access "
        "revoked. Nothing syncs until the store is connected again."
    ) % {"status": params.get("status") or "401"}


@message_register(WEBHOOKS_DEACTIVATED)
def webhooks_deactivated(params: dict) -> str:
    return ngettext(
        "BigCommerce deactivated %(count)s of Comptoir's webhooks after failed deliveries.",
        "BigCommerce deactivated %(count)s of Comptoir's webhooks after failed deliveries.",
        params["count"],
    ) % {"count": params["count"]}
