"""The journal's words for shops and their BigCommerce inventory locations."""

from django.utils.translation import gettext as _

from integrations.messages import message_register

LOCATION_CREATED = "location.created"  # {shop, location, id}
LOCATION_LINKED = "location.linked"  # {shop, location, id}
LOCATION_UPDATED = "location.updated"  # {shop, location, id, enabled}
LOCATION_REFUSED = "location.refused"  # {shop, action: create | link | update, error}

__all__ = ["LOCATION_CREATED", "LOCATION_LINKED", "LOCATION_REFUSED", "LOCATION_UPDATED"]


@message_register(LOCATION_CREATED)
def location_created(params: dict) -> str:
    return _("Created the BigCommerce location %(location)s (#%(id)s) for the shop %(shop)s.") % params


@message_register(LOCATION_LINKED)
def location_linked(params: dict) -> str:
    return _("Linked the shop %(shop)s to the existing BigCommerce location %(location)s (#%(id)s).") % params


@message_register(LOCATION_UPDATED)
def location_updated(params: dict) -> str:
    if not params.get("enabled", True):
        return _("Disabled the BigCommerce location %(location)s (#%(id)s): the shop %(shop)s is deactivated.") % params
    return _("Updated the BigCommerce location %(location)s (#%(id)s) with the name and address of %(shop)s.") % params


@message_register(LOCATION_REFUSED)
def location_refused(params: dict) -> str:
    said = {
        "create": lambda: _("BigCommerce refused to create a location for the shop %(shop)s: “%(error)s”."),
        "link": lambda: _("The shop %(shop)s could not be linked to its BigCommerce location: “%(error)s”."),
        "update": lambda: _("BigCommerce refused to update the location of the shop %(shop)s: “%(error)s”."),
    }[params["action"]]()
    return said % params + " " + _("You can retry from the BigCommerce overview.")
