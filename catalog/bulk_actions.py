"""Bulk actions of the catalog list (the Actions menu), open to other apps.

An action is a URL. Its view receives the ticked products as ``ids`` (repeated) and the list's
address as ``next``:

- GET shows a confirmation (or a form, e.g. "Assign channels"): a full page, or for HTMX a
  ``<dialog>`` fragment that the list swaps into ``#bulk-dialog``;
- POST does the work through services, with the merchant's products only, then redirects to
  ``next`` with a message.

Another app registers its action once, in its ``AppConfig.ready()``::

    from catalog.bulk_actions import BulkAction, bulk_action_register
    bulk_action_register(BulkAction(key="assign_channels", label=_("Assign channels…"),
                                    url_name="integrations:assign_channels", order=10))

``catalog.views.bulk`` has the helpers (``selected_product_ids``, ``bulk_confirm_render``)
that the catalog's own actions use; the integrations app may use them too.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

_registry: dict[str, "BulkAction"] = {}


@dataclass(frozen=True)
class BulkAction:
    key: str
    label: str  # lazy translated, with "…" when it asks something before acting
    url_name: str
    order: int = 100
    danger: bool = False
    for_active: bool = True  # shown on the list of products in use
    for_archived: bool = False  # shown on the list of archived products

    @property
    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


def bulk_action_register(action: BulkAction) -> None:
    """Add (or replace, by key) an action of the Actions menu."""
    _registry[action.key] = action


def bulk_actions(*, archived: bool = False) -> list[BulkAction]:
    """The actions for the active or the archived list, in menu order, whose URL resolves."""
    actions = [a for a in _registry.values() if (a.for_archived if archived else a.for_active) and a.url]
    return sorted(actions, key=lambda a: (a.order, a.key))
