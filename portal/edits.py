"""An edit never overwrites what it did not change (STYLE rule 18).

A form carries, in one signed hidden field, the version of the record it was opened at and the
values it showed then. When it is saved, three sets of values meet: what it was opened with,
what it sends, and what is stored now. ``edit_merge`` keeps, key by key:

- the stored value where this form left the key as it was opened (someone else's change survives);
- this form's value where only this form changed the key;
- nothing, and a conflict, where both changed the key to different values: the caller writes
  nothing, and shows the form again with the stored value and this form's, the stored one
  kept until the merchant chooses.

Values are plain JSON values (str, int, bool, None, lists) under stable keys; each form says
how it reads them from the record and from what was sent (``catalog.forms.product_versions``,
``inventory.forms.SplitForm``, ``backoffice.forms.MerchantSettingsForm``). A key missing from a set
means the thing does not exist there (a variant removed): removing is a change like any other.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core import signing

EDIT_BASE_FIELD = "edit_base"
_SALT = "portal.edits.base"
ABSENT = None  # how a missing key is shown in a conflict


@dataclass(frozen=True)
class EditBase:
    """What a form was opened with: the record's version and its values then."""

    version: Any
    values: dict
    # What else the form showed, not merged but needed to read what it sends (e.g. the store's
    # allocation next to the online one, which the stock it was computed from has moved since).
    shown: dict = field(default_factory=dict)


@dataclass(frozen=True)
class EditConflict:
    """A key both saves changed, to different values; ``present_*`` is False where one removed it."""

    key: str
    mine: Any
    theirs: Any
    present_mine: bool = True
    present_theirs: bool = True


@dataclass
class EditMerge:
    """The outcome: ``values`` to write (the stored value on conflicting keys), what this form
    changed, the conflicts, and whether the record changed since the form was opened."""

    values: dict
    changed: frozenset = frozenset()
    conflicts: list[EditConflict] = field(default_factory=list)
    stale: bool = False

    @property
    def others_kept(self) -> bool:
        """Someone else's change was kept alongside this form's (worth telling the merchant)."""
        return self.stale and not self.conflicts


class EditConflicts(Exception):
    """Raised inside the writing transaction to roll it back: both saves changed the same keys."""

    def __init__(self, merge: EditMerge, base: EditBase):
        super().__init__(f"{len(merge.conflicts)} conflicting field(s)")
        self.merge = merge
        self.base = base  # the stored version and values, for the form shown again


def _plain(values: dict) -> dict:
    """Tuples become lists, Decimals must already be strings: the form's copy went through JSON."""
    return json.loads(json.dumps(values))


def edit_merge(*, opened: EditBase | None, mine: dict, theirs: EditBase) -> EditMerge:
    """Merge this form's values (``mine``) with the stored ones (``theirs``), knowing what the
    form was opened with. Without ``opened`` (a client that does not carry it) the form's values
    win, as before this mechanism."""
    mine, current = _plain(mine), _plain(theirs.values)
    if opened is None:
        return EditMerge(values={**current, **mine}, changed=frozenset(k for k in mine if mine[k] != current.get(k)))
    before = _plain(opened.values)
    missing = object()
    merged, changed, conflicts = {}, set(), []
    for key in dict.fromkeys([*before, *mine, *current]):
        was, new, now = before.get(key, missing), mine.get(key, missing), current.get(key, missing)
        if new == was:
            chosen = now  # untouched here: whatever is stored now stays
        else:
            changed.add(key)
            if now == was or now == new:
                chosen = new
            else:
                conflicts.append(
                    EditConflict(
                        key=key,
                        mine=None if new is missing else new,
                        theirs=None if now is missing else now,
                        present_mine=new is not missing,
                        present_theirs=now is not missing,
                    )
                )
                chosen = now  # kept until the merchant chooses
        if chosen is not missing:
            merged[key] = chosen
    stale = str(opened.version) != str(theirs.version) or before != current
    return EditMerge(values=merged, changed=frozenset(changed), conflicts=conflicts, stale=stale)


def edit_base_dumps(base: EditBase) -> str:
    """The hidden field's value: signed so that a form cannot claim a state it was never shown."""
    data = {"version": base.version, "values": _plain(base.values), "shown": _plain(base.shown)}
    return signing.dumps(data, salt=_SALT, compress=True)


def edit_base_loads(text: str | None) -> EditBase | None:
    """The base a form sent back, or None (no field, or damaged)."""
    if not text:
        return None
    try:
        data = signing.loads(text, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("values"), dict):
        return None
    shown = data.get("shown") if isinstance(data.get("shown"), dict) else {}
    return EditBase(version=data.get("version"), values=data["values"], shown=shown)


@dataclass(frozen=True)
class ConflictRow:
    """A conflict as the page shows it: what the field is, the stored value, this form's value."""

    key: str
    label: str
    theirs: str
    mine: str


def edit_conflict_rows(
    conflicts: Iterable[EditConflict], *, label: Callable[[str], str], display: Callable[[str, Any], str]
) -> list[ConflictRow]:
    """The conflicts in the reader's words; ``display`` gets None for a removed thing."""
    return [
        ConflictRow(
            key=c.key,
            label=str(label(c.key)),
            theirs=str(display(c.key, c.theirs if c.present_theirs else ABSENT)),
            mine=str(display(c.key, c.mine if c.present_mine else ABSENT)),
        )
        for c in conflicts
    ]


class VersionedFormMixin:
    """For a Django form: the hidden ``edit_base`` field, set when the form is opened and read
    back when it is saved. Render ``{{ form.edit_base }}`` inside the ``<form>``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[EDIT_BASE_FIELD] = forms.CharField(widget=forms.HiddenInput, required=False)

    def edit_base_set(self, base: EditBase) -> None:
        """Open the form at ``base`` (an unbound form; a bound one keeps what it was sent)."""
        self.initial[EDIT_BASE_FIELD] = edit_base_dumps(base)

    def edit_opened(self) -> EditBase | None:
        """The base this form was opened with, as sent back."""
        return edit_base_loads(self.data.get(self.add_prefix(EDIT_BASE_FIELD)))
