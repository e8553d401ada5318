"""The Comptoir catalog: products, options, variants, images, videos, categories, folders.

Knows nothing of BigCommerce. Money is integer minor units in the merchant's currency,
prices include VAT; weights are grams.
"""

import uuid
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.barcodes import barcode_taken_message, barcode_validate
from portal.models import Merchant
from portal.money import price_validate
from portal.text import search_key

MAX_OPTIONS = 3
# The heaviest shipping weight Comptoir takes (10 tonnes, in grams), and the highest low stock
# level: a typo of a few extra digits is caught, whatever the database could hold.
MAX_WEIGHT_GRAMS = 10_000_000
MAX_LOW_STOCK_LEVEL = 1_000_000_000


def weight_validator(grams: int | None) -> None:
    """A shipping weight Comptoir takes: whole grams from 0 to MAX_WEIGHT_GRAMS (10 tonnes)."""
    if grams is None:
        return
    if grams < 0:
        raise ValidationError(gettext("A shipping weight cannot be negative."), code="weight_negative")
    if grams > MAX_WEIGHT_GRAMS:
        raise ValidationError(
            gettext("A shipping weight is at most %(max)s g (%(kg)s kg).")
            % {
                "max": formats.number_format(MAX_WEIGHT_GRAMS, use_l10n=True, force_grouping=True),
                "kg": formats.number_format(MAX_WEIGHT_GRAMS // 1000, use_l10n=True, force_grouping=True),
            },
            code="weight_too_high",
        )


class Category(models.Model):
    """A Comptoir-only grouping shown on the POS (never synced)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["merchant", "name"], name="category_unique_name")]

    def __str__(self):
        return self.name


class Folder(models.Model):
    """A Comptoir-only folder for organising the back office (never synced)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="folders")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("folder")
        verbose_name_plural = _("folders")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["merchant", "name"], name="folder_unique_name")]

    def __str__(self):
        return self.name


class Product(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="products")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=250)
    # ``name`` folded for search and sort (portal.text.search_key), kept in step on save.
    name_key = models.CharField(max_length=250, blank=True, editable=False)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    folder = models.ForeignKey(
        Folder, verbose_name=_("folder"), null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    shipping_weight_grams = models.PositiveIntegerField(_("shipping weight (g)"), null=True, blank=True)
    seo_title = models.CharField(_("page title"), max_length=255, blank=True)
    seo_description = models.TextField(_("meta description"), blank=True)
    search_keywords = models.CharField(
        _("search keywords"), max_length=1000, blank=True, help_text=_("Comma-separated")
    )
    track_stock = models.BooleanField(_("track stock"), default=True)
    low_stock_level = models.PositiveIntegerField(_("low stock level"), null=True, blank=True)
    # Archived products keep their variants (and so their stock and sales history) but leave
    # the catalog list and the register. Deleting is only possible while there is no history.
    is_archived = models.BooleanField(_("archived"), default=False)
    # Bumped in the same transaction as every change to the product or what belongs to it
    # (variants, options, images, videos, archiving): a durable "changed" mark that a
    # listener compares with the revision it last handled.
    revision = models.PositiveBigIntegerField(default=1, editable=False)
    # Set when another system owns the product's fields (e.g. "BigCommerce"): forms and the
    # API leave them read-only, and say where they are managed. Stock stays editable.
    managed_in = models.CharField(_("managed in"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name_key", "name", "id"]
        indexes = [models.Index(fields=["merchant", "is_archived", "name_key"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Here rather than in the services so that no writer (admin, import, factories) can
        # leave the key stale; bulk_create and update() callers set it themselves.
        self.name_key = search_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        # ``revision`` only moves forward, by the F() update in ``product_changed_mark``: a save
        # of an instance read before that update must not write the old number back.
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.attname for f in self._meta.concrete_fields if not f.primary_key and f.name != "revision"
            ]
        super().save(*args, **kwargs)

    def clean(self):
        # Django admin's check; the product form and services check the same.
        try:
            weight_validator(self.shipping_weight_grams)
        except ValidationError as exc:
            raise ValidationError({"shipping_weight_grams": exc.messages}) from None

    @property
    def has_options(self) -> bool:
        return self.options.exists()


class ProductOption(models.Model):
    """An option such as Size or Colour; a product has at most three."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="options")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="option_unique_name")]

    def __str__(self):
        return self.name


class OptionValue(models.Model):
    option = models.ForeignKey(ProductOption, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(_("value"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["option", "value"], name="option_value_unique")]

    def __str__(self):
        return self.value


class Variant(models.Model):
    """What is sold and stocked. A product without options has exactly one variant."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="variants")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    option_values = models.ManyToManyField(OptionValue, blank=True, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=255, blank=True)
    barcode = models.CharField(_("barcode"), max_length=14, blank=True)
    price = models.PositiveBigIntegerField(_("price incl. VAT"), help_text=_("In minor units (cents)"))
    cost_price = models.PositiveBigIntegerField(_("cost price"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["position", "id"]
        constraints = [
            # SKUs are unique per merchant regardless of letter case (as in BigCommerce).
            models.UniqueConstraint(
                Lower("sku"), "merchant", name="variant_unique_sku_ci", condition=~models.Q(sku="")
            ),
        ]
        indexes = [models.Index(fields=["merchant", "barcode"])]

    def __str__(self):
        label = self.label
        return f"{self.product.name} — {label}" if label else self.product.name

    def clean(self):
        # Django admin's checks; the product form and services check the same (price bounds,
        # a barcode that no other variant of the merchant has).
        merchant = self.merchant if self.merchant_id else (self.product.merchant if self.product_id else None)
        errors = {}
        for field in ("price", "cost_price"):
            value = getattr(self, field)
            if value is not None and merchant is not None:
                try:
                    price_validate(value, merchant.currency)
                except ValidationError as exc:
                    errors[field] = exc.messages
        if self.barcode and merchant is not None and "barcode" not in errors:
            try:
                self.barcode = barcode_validate(self.barcode)
            except ValidationError as exc:
                errors["barcode"] = exc.messages
            else:
                other = (
                    Variant.objects.filter(merchant=merchant, barcode=self.barcode)
                    .exclude(pk=self.pk)
                    .select_related("product")
                    .first()
                )
                if other is not None:
                    errors["barcode"] = [barcode_taken_message(other.product)]
        if errors:
            raise ValidationError(errors)

    @property
    def label(self) -> str:
        """Option values in option order, e.g. "M / Blue"; empty for a product without options.

        Prefetch ``option_values__option`` when listing many variants.
        """
        values = sorted(self.option_values.all(), key=lambda v: (v.option.position, v.option_id))
        return " / ".join(v.value for v in values)


def product_image_path(instance, filename):
    """A fresh name; only the extension is kept, and product_image_add sets it from the decoded
    format (never the client's)."""
    extension = PurePosixPath(filename).suffix.lower()
    return f"products/{instance.product.merchant_id}/{instance.product.uuid}/{uuid.uuid4().hex}{extension}"


class ProductImage(models.Model):
    """Uploaded images, ordered; served at public URLs so BigCommerce can fetch them."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to=product_image_path)
    alt_text = models.CharField(_("description"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.image.name


class ProductVideo(models.Model):
    """A YouTube video, as BigCommerce takes them (by video id)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="videos")
    youtube_id = models.CharField(_("YouTube video id"), max_length=32)
    title = models.CharField(_("title"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title or self.youtube_id
