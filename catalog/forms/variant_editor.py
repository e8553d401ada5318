"""The options-and-variants editor of the product form."""

import json
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog import managed
from catalog.barcodes import barcode_taken_message, barcode_validate
from catalog.models import MAX_OPTIONS, Product
from catalog.selectors import variant_barcodes_taken, variant_skus_taken
from catalog.services import OptionSpec, VariantSpec
from catalog.variants import (
    MAX_VARIANTS,
    Combination,
    combination_count,
    combination_key,
    combinations,
    combinations_carry_over,
    text_key,
)
from portal.formfields import MoneyField
from portal.json_input import json_parse
from portal.models import Merchant
from portal.money import from_minor, to_minor


class VariantRowForm(forms.Form):
    """One row of the variant grid. Money is typed as a decimal in the merchant's currency."""

    combination = forms.CharField(widget=forms.HiddenInput, required=False)
    sku = forms.CharField(label=_("SKU"), max_length=255, required=False)
    barcode = forms.CharField(label=_("Barcode"), max_length=20, required=False)

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        # Plain decimals within bounds, with the currency's decimals (portal.formfields.MoneyField).
        self.fields["price"] = MoneyField(label=_("Price incl. VAT"), currency=currency)
        self.fields["cost_price"] = MoneyField(label=_("Cost price"), currency=currency, required=False)
        for name in ("price", "cost_price"):
            self.fields[name].widget.attrs.update({"class": "input-money", "aria-label": self.fields[name].label})
        self.fields["sku"].widget.attrs.update({"class": "input-sku", "aria-label": _("SKU")})
        self.fields["barcode"].widget.attrs.update(
            {"inputmode": "numeric", "class": "input-barcode", "aria-label": _("Barcode")}
        )

    def clean_combination(self) -> Combination:
        return combination_decode(self.cleaned_data["combination"])

    def clean_barcode(self) -> str:
        return barcode_validate(self.cleaned_data["barcode"])

    @property
    def combo(self) -> Combination:
        """The row's combination, valid or not (for labels and carrying values over)."""
        try:
            return combination_decode(self["combination"].value() or "")
        except ValidationError:
            return ()

    @property
    def label(self) -> str:
        return " / ".join(value for _name, value in self.combo)

    def raw(self) -> dict:
        """What the merchant typed, to carry into a regenerated row."""
        return {name: self[name].value() for name in ("sku", "barcode", "price", "cost_price")}

    def spec(self) -> VariantSpec:
        data = self.cleaned_data
        return VariantSpec(
            combination=data["combination"],
            sku=data["sku"].strip(),
            barcode=data["barcode"],
            price=to_minor(data["price"], self.currency),
            cost_price=None if data["cost_price"] is None else to_minor(data["cost_price"], self.currency),
        )


def combination_encode(combination: Combination) -> str:
    return json.dumps([list(pair) for pair in combination], ensure_ascii=False)


def combination_decode(text: str) -> Combination:
    if not text:
        return ()
    try:
        pairs = json_parse(text, max_depth=2)  # the page wrote [[name, value], …]; anything else is damage
        if not isinstance(pairs, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair) for pair in pairs
        ):
            raise ValueError("not a list of [name, value] pairs")
        return tuple((name, value) for name, value in pairs)
    except ValueError as exc:
        raise ValidationError(_("This variant row is damaged; reload the page.")) from exc


@dataclass
class OptionRow:
    name: str = ""
    values: str = ""  # comma-separated, in order
    errors: list = field(default_factory=list)

    @property
    def value_list(self) -> list[str]:
        return [" ".join(v.split()) for v in self.values.split(",") if v.strip()]

    @property
    def is_blank(self) -> bool:
        return not self.name.strip() and not self.value_list


class VariantEditor:
    """The options and the variant grid of the product form.

    Plain POST fields, because rows come and go: ``option-count``, ``option-N-name``,
    ``option-N-values`` (comma-separated), ``variant-count`` and ``variant-N-*`` (one
    VariantRowForm per row). The ``editor`` button (add_option, remove_option-N, refresh)
    rebuilds the grid without saving; HTMX only swaps the result in.
    """

    def __init__(self, *, merchant: Merchant, data=None, product: Product | None = None):
        self.merchant = merchant
        self.currency = merchant.currency
        self.product = product
        self.data = data
        self.errors: list[str] = []
        if data is not None:
            self.option_rows = [
                OptionRow(name=data.get(f"option-{i}-name", ""), values=data.get(f"option-{i}-values", ""))
                for i in range(_count(data, "option-count", MAX_OPTIONS))
            ]
            self.rows = [
                VariantRowForm(data, prefix=f"variant-{i}", currency=self.currency)
                for i in range(_count(data, "variant-count", 10_000))
            ]
        elif product is not None and product.pk:
            self.option_rows = [
                OptionRow(name=o.name, values=", ".join(v.value for v in o.values.all())) for o in product.options.all()
            ]
            self.rows = [self._row(i, self._variant_initial(v)) for i, v in enumerate(product.variants.all())]
        else:
            self.option_rows = []
            self.rows = [self._row(0, {"combination": combination_encode(())})]
        locked = managed.product_managed_fields(product=product) if product is not None and product.pk else frozenset()
        self.variants_locked = managed.VARIANTS in locked
        self.prices_locked = managed.PRICES in locked
        readonly = (["sku"] if self.variants_locked else []) + (["price", "cost_price"] if self.prices_locked else [])
        for row in self.rows:
            for name in readonly:
                row.fields[name].widget.attrs["readonly"] = True

    # Building -------------------------------------------------------------------------------

    def _row(self, index: int, initial: dict) -> VariantRowForm:
        return VariantRowForm(prefix=f"variant-{index}", initial=initial, currency=self.currency)

    def _variant_initial(self, variant) -> dict:
        values = sorted(variant.option_values.all(), key=lambda v: (v.option.position, v.option_id))
        return {
            "combination": combination_encode(tuple((v.option.name, v.value) for v in values)),
            "sku": variant.sku,
            "barcode": variant.barcode,
            "price": from_minor(variant.price, self.currency),
            "cost_price": None if variant.cost_price is None else from_minor(variant.cost_price, self.currency),
        }

    def option_specs(self) -> list[OptionSpec]:
        """The options complete enough to make combinations (a name and at least one value)."""
        return [
            OptionSpec(name=" ".join(r.name.split()), values=tuple(_unique(r.value_list)))
            for r in self.option_rows
            if r.name.strip() and r.value_list
        ]

    def apply(self, action: str) -> None:
        """Run an editor button: add or remove an option, then regenerate the grid."""
        if action == "add_option" and len(self.option_rows) < MAX_OPTIONS:
            self.option_rows.append(OptionRow())
        elif action.startswith("remove_option-"):
            try:
                del self.option_rows[int(action.rsplit("-", 1)[1])]
            except (ValueError, IndexError):
                pass
        self.regenerate()

    def regenerate(self) -> None:
        """One row per combination, keeping what was typed in rows whose combination survives."""
        if self.too_many_variants:
            self.errors.append(self.too_many_message)
            return
        old = [(row.combo, row.raw()) for row in self.rows]
        first = old[0][1] if old else {}
        landing = combinations_carry_over(old, self.option_specs())
        self.rows = []
        for index, (combo, raw) in enumerate(landing):
            # A new combination starts at the price of the first row: variants usually share it.
            initial = dict(raw) if raw else {"price": first.get("price"), "cost_price": first.get("cost_price")}
            initial["combination"] = combination_encode(combo)
            self.rows.append(self._row(index, initial))

    # Validating -----------------------------------------------------------------------------

    def is_valid(self) -> bool:
        valid = True
        names = set()
        for row in self.option_rows:
            row.errors = []
            if row.is_blank:
                continue
            if not row.name.strip():
                row.errors.append(_("Give this option a name, such as Size."))
            elif text_key(row.name) in names:
                row.errors.append(_("Another option has this name."))
            names.add(text_key(row.name))
            values = row.value_list
            if not values:
                row.errors.append(_("Add at least one value, such as S, M, L."))
            elif len({text_key(v) for v in values}) != len(values):
                row.errors.append(_("The same value appears twice."))
            if any(len(v) > 100 for v in values) or len(row.name) > 100:
                row.errors.append(_("Names and values have at most 100 characters."))
            valid = valid and not row.errors
        if not valid:
            return False
        if self.too_many_variants:
            self.errors.append(self.too_many_message)
            return False

        expected = sorted(combination_key(c) for c in combinations(self.option_specs()))
        given = sorted(combination_key(row.combo) for row in self.rows)
        if expected != given:
            # Options were edited without refreshing the grid (no JavaScript): show the new
            # grid, with what was typed carried over, and let the merchant check it.
            self.regenerate()
            self.errors.append(_("The variants below were updated to match the options. Check them, then save again."))
            return False

        rows_valid = all([row.is_valid() for row in self.rows])
        skus = self._rows_by("sku", key=lambda sku: sku.strip().lower())
        rows_valid &= self._mark_twice(skus, "sku", _("Two variants have this SKU; each needs its own."))
        taken = variant_skus_taken(merchant=self.merchant, skus=list(skus), exclude_product=self.product)
        for sku, product_name in taken.items():
            for row in skus[sku]:
                row.add_error(
                    "sku",
                    _("This SKU is already used by “%(product)s”. SKUs must be unique (letter case is ignored).")
                    % {"product": product_name},
                )
            rows_valid = False
        # Barcodes too: the register and POS devices find a product by its barcode, and refuse
        # one that two products share.
        barcodes = self._rows_by("barcode")
        rows_valid &= self._mark_twice(barcodes, "barcode", _("Two variants have this barcode; each needs its own."))
        taken = variant_barcodes_taken(merchant=self.merchant, barcodes=list(barcodes), exclude_product=self.product)
        for code, product in taken.items():
            for row in barcodes[code]:
                row.add_error("barcode", barcode_taken_message(product))
            rows_valid = False
        return rows_valid

    def _rows_by(self, name: str, key=lambda value: value) -> dict[str, list[VariantRowForm]]:
        """The valid rows grouped by the (keyed) value of field ``name``, blank values left out."""
        groups: dict[str, list[VariantRowForm]] = {}
        for row in self.rows:
            value = key(row.cleaned_data.get(name) or "") if hasattr(row, "cleaned_data") else ""
            if value:
                groups.setdefault(value, []).append(row)
        return groups

    @staticmethod
    def _mark_twice(groups: dict[str, list[VariantRowForm]], name: str, message: str) -> bool:
        """Put ``message`` on every row whose value another row shares; False if there were any."""
        ok = True
        for rows in groups.values():
            if len(rows) > 1:
                for row in rows:
                    row.add_error(name, message)
                ok = False
        return ok

    def specs(self) -> tuple[list[OptionSpec], list[VariantSpec]]:
        return self.option_specs(), [row.spec() for row in self.rows]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or any(r.errors for r in self.option_rows) or any(r.errors for r in self.rows))

    @property
    def too_many_variants(self) -> bool:
        return combination_count(self.option_specs()) > MAX_VARIANTS

    @property
    def too_many_message(self) -> str:
        return _("These options make %(count)d variants; a product has at most %(max)d.") % {
            "count": combination_count(self.option_specs()),
            "max": MAX_VARIANTS,
        }

    @property
    def can_add_option(self) -> bool:
        return len(self.option_rows) < MAX_OPTIONS

    @property
    def option_names(self) -> list[str]:
        return [spec.name for spec in self.option_specs()]


def _count(data, key: str, maximum: int) -> int:
    try:
        return max(0, min(int(data.get(key, 0)), maximum))
    except (TypeError, ValueError):
        return 0


def _unique(values: list[str]) -> list[str]:
    seen, result = set(), []
    for value in values:
        if text_key(value) not in seen:
            seen.add(text_key(value))
            result.append(value)
    return result
