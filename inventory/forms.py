"""Forms for the stock section, the register and refunds. They validate input; services decide."""

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.services import MAX_LINE_QUANTITY, MAX_STOCK_QUANTITY
from portal.edits import EditBase, VersionedFormMixin
from portal.formfields import PlainIntegerField
from portal.ids import MAX_ID

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def new_idempotency_key() -> str:
    """A key for a form, generated when the form renders: resubmitting it cannot count twice."""
    return uuid.uuid4().hex


class IdempotentForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_idempotency_key())

    def clean_idempotency_key(self):
        key = self.cleaned_data["idempotency_key"]
        if not KEY_PATTERN.match(key):
            raise forms.ValidationError(_("This form has expired. Reload the page and try again."))
        return key


class TrackingForm(forms.Form):
    track_stock = forms.BooleanField(label=_("Track stock for this product"), required=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class SetCountsForm(IdempotentForm):
    """One absolute count per variant, prefilled with the current level; blank leaves it unchanged.

    A level below zero is not prefilled (a count cannot be negative): the merchant enters the shelf's figure.
    """

    reason = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def __init__(self, *args, variants, **kwargs):
        kwargs.setdefault("auto_id", "counts_%s")  # shares the stock page with AdjustForm: ids apart
        super().__init__(*args, **kwargs)
        self.variants = variants
        for variant in variants:
            self.fields[f"count_{variant.pk}"] = PlainIntegerField(
                label=variant.label or variant.product.name,
                min_value=0,
                max_value=MAX_STOCK_QUANTITY,
                required=False,
                initial=_counted(variant) if _counted(variant) >= 0 else None,
                widget=forms.NumberInput(attrs={"min": 0, "class": "num", "inputmode": "numeric"}),
            )

    def rows(self):
        """(variant, bound field) pairs for the template."""
        return [(variant, self[f"count_{variant.pk}"]) for variant in self.variants]

    def changed_counts(self):
        """(variant, new count) for the counts the merchant changed."""
        return [
            (variant, self.cleaned_data[f"count_{variant.pk}"])
            for variant in self.variants
            if self.cleaned_data[f"count_{variant.pk}"] is not None
            and self.cleaned_data[f"count_{variant.pk}"] != _counted(variant)
        ]


def _counted(variant) -> int:
    """What a count in Comptoir sets: the whole stock, or the store's allocation when it is split."""
    return getattr(variant, "stock_store_quantity", variant.stock_quantity)


class SplitForm(VersionedFormMixin, IdempotentForm):
    """Split stock: per variant, the online shop's allocation and the store's, which must add up
    to the variant's stock. Either may be left blank: it is the stock minus the other.

    It carries the allocations it was opened with (``portal.edits``): a save keeps an allocation
    it did not change as it is stored now (an online order since, another tab's save)."""

    split = forms.BooleanField(required=False)

    def __init__(self, *args, variants, shop_name, **kwargs):
        kwargs.setdefault("auto_id", "split_%s")
        super().__init__(*args, **kwargs)
        self.variants = variants
        self.shop_name = shop_name
        self.fields["split"].label = _("Split stock for %(shop)s") % {"shop": shop_name}
        self.initial.setdefault("split", any(v.stock_online_quantity is not None for v in variants))
        for variant in variants:
            name = variant.label or variant.product.name
            if variant.stock_online_quantity is not None:
                online, store = variant.stock_online_quantity, variant.stock_store_quantity
            else:  # turning split on: the online shop keeps what it shows until the merchant moves units
                online = max(0, variant.stock_quantity)
                store = variant.stock_quantity - online
            self.fields[f"online_{variant.pk}"] = PlainIntegerField(
                label=_("%(name)s: allocation for %(shop)s") % {"shop": shop_name, "name": name},
                min_value=0,
                max_value=MAX_STOCK_QUANTITY,
                required=False,
                initial=online,
                widget=forms.NumberInput(
                    attrs={"min": 0, "class": "num", "inputmode": "numeric", "data-split": "online"}
                ),
            )
            self.fields[f"store_{variant.pk}"] = PlainIntegerField(
                label=_("%(name)s: allocation for Comptoir") % {"name": name},
                min_value=-MAX_STOCK_QUANTITY,
                max_value=MAX_STOCK_QUANTITY,
                required=False,
                initial=store,
                widget=forms.NumberInput(attrs={"class": "num", "inputmode": "numeric", "data-split": "store"}),
            )

    def rows(self):
        """(variant, online field, store field) for the template."""
        return [(v, self[f"online_{v.pk}"], self[f"store_{v.pk}"]) for v in self.variants]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("split"):
            return cleaned
        opened = self.edit_opened()
        for variant in self.variants:
            online_name, store_name = f"online_{variant.pk}", f"store_{variant.pk}"
            if online_name in self.errors or store_name in self.errors:
                continue
            if opened is not None and [cleaned.get(online_name), cleaned.get(store_name)] == opened.shown.get(
                _online_key(variant.pk)
            ):
                # Untouched since the page opened: it stays as stored now (an order may have moved it).
                cleaned[online_name] = opened.values.get(_online_key(variant.pk))
                continue
            total = variant.stock_quantity
            online, store = cleaned.get(online_name), cleaned.get(store_name)
            if online is None and store is None:
                self.add_error(online_name, _("Enter how many go to %(shop)s.") % {"shop": self.shop_name})
                continue
            if online is None:
                online = total - store
            if store is None:
                store = total - online
            if online < 0 or online > max(0, total):
                self.add_error(
                    online_name,
                    _("The allocation for %(shop)s must be between 0 and the stock (%(total)s).")
                    % {"shop": self.shop_name, "total": max(0, total)},
                )
            elif online + store != total:
                self.add_error(
                    store_name,
                    _("%(online)s + %(store)s = %(sum)s: the two must add up to the stock (%(total)s).")
                    % {"online": online, "store": store, "sum": online + store, "total": total},
                )
            cleaned[online_name], cleaned[store_name] = online, store
        if self.errors:
            self.add_error(None, _("Nothing was changed: correct the allocations below."))
        return cleaned

    def allocations(self) -> dict[int, int]:
        """Variant id → online allocation."""
        return {variant.pk: self.cleaned_data[f"online_{variant.pk}"] for variant in self.variants}

    def edit_values(self) -> dict:
        """What this form sends, as ``split_stored`` reads the stored allocations."""
        return {"split": True, **{_online_key(pk): online for pk, online in self.allocations().items()}}

    def allocations_from(self, values: dict) -> dict[int, int]:
        """The allocations of merged ``values``."""
        return {variant.pk: values.get(_online_key(variant.pk)) for variant in self.variants}

    def show_values(self, values: dict) -> None:
        """Open this (unbound) form with ``values`` in it rather than the stored allocations."""
        for variant in self.variants:
            online = values.get(_online_key(variant.pk))
            if online is not None:
                self.initial[f"online_{variant.pk}"] = online
                self.initial[f"store_{variant.pk}"] = variant.stock_quantity - online


def _online_key(variant_id: int) -> str:
    return f"online:{variant_id}"


def split_stored(*, variants, version: int) -> EditBase:
    """The stored allocations of ``variants`` (None where the stock is shared), at ``version``."""
    values = {"split": any(v.stock_online_quantity is not None for v in variants)}
    values.update({_online_key(v.pk): v.stock_online_quantity for v in variants})
    shown = {_online_key(v.pk): _split_shown(v) for v in variants}
    return EditBase(version=version, values=values, shown=shown)


def _split_shown(variant) -> list[int]:
    """The (online, store) pair the form shows for ``variant`` (see ``SplitForm.__init__``)."""
    if variant.stock_online_quantity is not None:
        return [variant.stock_online_quantity, variant.stock_store_quantity]
    online = max(0, variant.stock_quantity)
    return [online, variant.stock_quantity - online]


def split_value_label(key: str, *, variants, shop_name: str) -> str:
    if key == "split":
        return str(_("Split stock for %(shop)s") % {"shop": shop_name})
    names = {_online_key(v.pk): v.label or v.product.name for v in variants}
    return str(_("%(name)s: allocation for %(shop)s") % {"shop": shop_name, "name": names.get(key, "?")})


def split_value_display(key: str, value) -> str:
    if value is None:
        return str(_("Not split"))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(value)


class MergeForm(IdempotentForm):
    """Disable stock split: sent once the merchant has seen the merged quantities."""

    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class AdjustForm(IdempotentForm):
    variant = forms.TypedChoiceField(label=_("Variant"), coerce=int)
    delta = PlainIntegerField(
        label=_("Change"),
        min_value=-MAX_STOCK_QUANTITY,
        max_value=MAX_STOCK_QUANTITY,
        help_text=_("Positive to add (delivery, return), negative to remove (breakage, loss)."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, variants, **kwargs):
        kwargs.setdefault("auto_id", "adjust_%s")
        super().__init__(*args, **kwargs)
        self.variants = {v.pk: v for v in variants}
        self.fields["variant"].choices = [(v.pk, v.label or v.product.name) for v in variants]
        if len(variants) == 1:
            self.fields["variant"].widget = forms.HiddenInput()
            self.initial["variant"] = variants[0].pk

    def clean_delta(self):
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError(_("Enter a change other than zero."))
        return delta

    def clean_variant(self):
        return self.variants[self.cleaned_data["variant"]]

    def clean(self):
        cleaned = super().clean()
        if self.fields["variant"].widget.is_hidden and "variant" in self.errors:
            # A hidden field's error would not show: say it where the merchant looks.
            for message in self.errors.pop("variant"):
                self.add_error(None, message)
        return cleaned


class TransferForm(IdempotentForm):
    """Move stock between two of the merchant's active shops: a quantity per variant (blank or 0:
    that variant stays), a note. The service checks the levels; the form checks the input."""

    from_shop = forms.TypedChoiceField(label=_("From shop"), coerce=int)
    to_shop = forms.TypedChoiceField(label=_("To shop"), coerce=int)
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def __init__(self, *args, variants, shops, source=None, **kwargs):
        kwargs.setdefault("auto_id", "transfer_%s")
        super().__init__(*args, **kwargs)
        self.variants, self.shops = variants, {shop.pk: shop for shop in shops}
        choices = [(shop.pk, shop.name) for shop in shops]
        self.fields["from_shop"].choices = self.fields["to_shop"].choices = choices
        source = source if source is not None and source.pk in self.shops else shops[0]
        self.initial.setdefault("from_shop", source.pk)
        self.initial.setdefault("to_shop", next(shop.pk for shop in shops if shop.pk != source.pk))
        for variant in variants:
            self.fields[f"quantity_{variant.pk}"] = PlainIntegerField(
                label=variant.label or variant.product.name,
                min_value=0,
                max_value=MAX_STOCK_QUANTITY,
                required=False,
                widget=forms.NumberInput(attrs={"min": 0, "class": "num", "inputmode": "numeric"}),
            )

    def rows(self):
        """(variant, bound quantity field) pairs for the template."""
        return [(variant, self[f"quantity_{variant.pk}"]) for variant in self.variants]

    def clean(self):
        cleaned = super().clean()
        source, destination = cleaned.get("from_shop"), cleaned.get("to_shop")
        if source is not None and source == destination:
            self.add_error("to_shop", _("Choose two different shops."))
        if not self.errors and not self.lines():
            raise forms.ValidationError(_("Enter a quantity to transfer for at least one variant."))
        return cleaned

    def lines(self):
        """(variant, quantity) for the quantities entered."""
        quantities = ((v, self.cleaned_data.get(f"quantity_{v.pk}")) for v in self.variants)
        return [(variant, quantity) for variant, quantity in quantities if quantity]

    def source(self):
        return self.shops[self.cleaned_data["from_shop"]]

    def destination(self):
        return self.shops[self.cleaned_data["to_shop"]]


class CartLineForm(forms.Form):
    variant = PlainIntegerField(min_value=1, max_value=MAX_ID)
    quantity = PlainIntegerField(min_value=0, max_value=MAX_LINE_QUANTITY, required=False)


class RefundForm(IdempotentForm):
    """A quantity to refund per sale line, at most what is left to refund."""

    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, lines, full=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if line.refundable_quantity > 0]
        for line in self.lines:
            self.fields[f"line_{line.pk}"] = PlainIntegerField(
                label=line.description,
                min_value=0,
                max_value=line.refundable_quantity,
                initial=line.refundable_quantity if full else 0,
                required=False,
                widget=forms.NumberInput(attrs={"min": 0, "max": line.refundable_quantity, "class": "num"}),
            )

    def rows(self):
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.requested():
            raise forms.ValidationError(_("Enter a quantity to refund for at least one line."))
        return cleaned

    def requested(self):
        """(sale line, quantity) for every line with something to refund."""
        return [
            (line, self.cleaned_data[f"line_{line.pk}"])
            for line in self.lines
            if self.cleaned_data.get(f"line_{line.pk}")
        ]
