"""The Comptoir catalog: products, options, variants, images, videos, categories, folders.

Knows nothing of BigCommerce. Money is integer minor units in the merchant's currency,
prices include VAT; weights are grams.
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from portal.models import Merchant
from portal.text import search_key

MAX_OPTIONS = 3


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
        super().save(*args, **kwargs)

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

    @property
    def label(self) -> str:
        """Option values in option order, e.g. "M / Blue"; empty for a product without options.

        Prefetch ``option_values__option`` when listing many variants.
        """
        values = sorted(self.option_values.all(), key=lambda v: (v.option.position, v.option_id))
        return " / ".join(v.value for v in values)


def product_image_path(instance, filename):
    return f"products/{instance.product.merchant_id}/{instance.product.uuid}/{uuid.uuid4().hex}-{filename}"


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
