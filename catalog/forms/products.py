"""The product's own fields, and the small categories-and-folders form."""

from dataclasses import replace

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from catalog import managed
from catalog.models import MAX_LOW_STOCK_LEVEL, MAX_WEIGHT_GRAMS, Category, Folder, Product, weight_validator
from catalog.services import ProductFields, category_create, folder_create
from portal.edits import EditBase, VersionedFormMixin
from portal.formfields import PlainDecimalField, PlainIntegerField
from portal.models import Merchant


class ProductForm(VersionedFormMixin, forms.ModelForm):
    """The product's own fields; categories and folders can be created inline by name.

    It carries the version it was opened at (``portal.edits``): see ``catalog.forms.product_versions``.
    """

    new_category = forms.CharField(label=_("or a new category"), max_length=100, required=False)
    new_folder = forms.CharField(label=_("or a new folder"), max_length=100, required=False)

    class Meta:
        model = Product
        fields = [
            "name",
            "description",
            "category",
            "folder",
            "vat_rate",
            "track_stock",
            "low_stock_level",
            "shipping_weight_grams",
            "seo_title",
            "seo_description",
            "search_keywords",
        ]
        # Whole numbers typed with the digits 0–9, within bounds (weight: catalog.models.weight_validator).
        field_classes = {"shipping_weight_grams": PlainIntegerField, "low_stock_level": PlainIntegerField}
        widgets = {
            "shipping_weight_grams": forms.NumberInput(attrs={"min": 0, "max": MAX_WEIGHT_GRAMS}),
            "low_stock_level": forms.NumberInput(attrs={"min": 0, "max": MAX_LOW_STOCK_LEVEL}),
            "description": forms.Textarea(attrs={"rows": 5}),
            "seo_description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "track_stock": _(
                "Off: Comptoir stops counting this product's stock (sales are still recorded). An online shop it "
                "is synced to keeps counting its own stock, so the website sells out at 0 instead of overselling."
            ),
        }

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.merchant = merchant
        self.fields["category"].queryset = Category.objects.filter(merchant=merchant)
        self.fields["folder"].queryset = Folder.objects.filter(merchant=merchant)
        self.fields["category"].empty_label = _("No category")
        self.fields["folder"].empty_label = _("No folder")
        self.fields["vat_rate"] = PlainDecimalField(
            label=_("VAT rate (%)"), min_value=0, max_value=100, max_digits=5, decimal_places=2, localize=True
        )
        self.fields["shipping_weight_grams"].validators.append(weight_validator)
        self.fields["low_stock_level"].validators.append(MaxValueValidator(MAX_LOW_STOCK_LEVEL))
        if not self.instance.pk:
            self.initial.setdefault("vat_rate", merchant.default_vat_rate)
        # A category or folder deleted since the form was opened (another tab, another person) is
        # a change someone else made: the save keeps the stored one (``edit_opened``) and says so,
        # rather than failing on "Select a valid choice".
        self.vanished = self._vanished_groupings() if self.is_bound else frozenset()
        # Fields another system manages are shown, not edited (a disabled field keeps its value).
        self.locked = managed.product_managed_fields(product=self.instance) if self.instance.pk else frozenset()
        for name in self.locked & set(self.fields):
            self.fields[name].disabled = True

    def _vanished_groupings(self) -> frozenset[str]:
        vanished = set()
        for name in ("category", "folder"):
            key = self.add_prefix(name)
            sent = self.data.get(key, "")
            if sent and sent.isdigit() and not self.fields[name].queryset.filter(pk=sent).exists():
                vanished.add(name)
        if vanished:
            self.data = self.data.copy()
            for name in vanished:
                self.data[self.add_prefix(name)] = ""
        return frozenset(vanished)

    def edit_opened(self) -> EditBase | None:
        """The base the form was opened with; a deleted category or folder reads as untouched
        here (opened and sent: none), so that the merge keeps what is stored now."""
        opened = super().edit_opened()
        if opened is None or not self.vanished:
            return opened
        return replace(opened, values={**opened.values, **dict.fromkeys(self.vanished)})

    def product_fields(self) -> ProductFields:
        """The cleaned fields for the services; creates the new category/folder typed inline."""
        data = self.cleaned_data
        category, folder = data["category"], data["folder"]
        if data["new_category"].strip():
            category = category_create(merchant=self.merchant, name=data["new_category"])
        if data["new_folder"].strip():
            folder = folder_create(merchant=self.merchant, name=data["new_folder"])
        return ProductFields(
            name=data["name"],
            description=data["description"],
            category=category,
            folder=folder,
            vat_rate=data["vat_rate"],
            shipping_weight_grams=data["shipping_weight_grams"],
            seo_title=data["seo_title"],
            seo_description=data["seo_description"],
            search_keywords=data["search_keywords"],
            track_stock=data["track_stock"],
            low_stock_level=data["low_stock_level"],
        )


class GroupingForm(forms.Form):
    """Add a category or a folder on the small management page."""

    KINDS = (("category", _("Category")), ("folder", _("Folder")))
    kind = forms.ChoiceField(choices=KINDS, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=100)
