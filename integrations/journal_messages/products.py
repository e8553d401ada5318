"""The journal's words for products: sent to BigCommerce (the export), brought in from it (the
import), a product leaving the sync."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integrations.messages import message_register

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
