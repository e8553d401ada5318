"""Django admin for support staff: find any merchant's product by name, SKU or barcode.

Edits made here bypass the product form, so they announce themselves like service writes
(``product_changed_notify``); deleting goes through ``product_delete`` (history is protected).
"""

from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Folder, OptionValue, Product, ProductImage, ProductOption, ProductVideo, Variant
from catalog.services import ProductHasHistory, product_changed_notify, product_delete


class ProductOptionInline(admin.TabularInline):
    model = ProductOption
    extra = 0
    fields = ["name", "position"]
    show_change_link = True


class VariantInlineFormSet(BaseInlineFormSet):
    def clean(self):
        """Two rows of one product with the same barcode (each row's own check sees only saved rows)."""
        super().clean()
        seen = set()
        for form in self.forms:
            code = form.cleaned_data.get("barcode") if form.cleaned_data and not self._should_delete_form(form) else ""
            if code and code in seen:
                form.add_error("barcode", _("Two variants have this barcode; each needs its own."))
            seen.add(code)


class VariantInline(admin.TabularInline):
    model = Variant
    formset = VariantInlineFormSet
    extra = 0
    fields = ["sku", "barcode", "price", "cost_price", "position", "option_values"]
    raw_id_fields = ["option_values"]
    show_change_link = True


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["image", "alt_text", "position"]


class ProductVideoInline(admin.TabularInline):
    model = ProductVideo
    extra = 0
    fields = ["youtube_id", "title", "position"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant", "category", "variant_skus", "track_stock", "is_archived", "updated_at"]
    list_filter = ["is_archived", "track_stock", ("merchant", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "name",
        "merchant__name",
        "merchant__memberships__user__email",
        "variants__sku",
        "variants__barcode",
        "uuid",
    ]
    list_select_related = ["merchant", "category"]
    readonly_fields = ["uuid", "created_at", "updated_at"]
    raw_id_fields = ["merchant", "category", "folder"]
    inlines = [ProductOptionInline, VariantInline, ProductImageInline, ProductVideoInline]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["merchant", "name", "description", "category", "folder", "is_archived"]}),
        (
            _("Tax, stock, shipping"),
            {"fields": ["vat_rate", "track_stock", "low_stock_level", "shipping_weight_grams"]},
        ),
        (_("SEO"), {"fields": ["seo_title", "seo_description", "search_keywords"]}),
        (_("Record"), {"fields": ["uuid", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("variants")

    @admin.display(description=_("SKUs"))
    def variant_skus(self, obj):
        return ", ".join(v.sku for v in obj.variants.all() if v.sku)[:120]

    def save_formset(self, request, form, formset, change):
        for row in formset.save(commit=False):
            if isinstance(row, Variant) and not row.merchant_id:
                row.merchant_id = form.instance.merchant_id
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        product_changed_notify(product=form.instance, created=not change)

    def delete_model(self, request, obj):
        try:
            product_delete(product=obj)
        except ProductHasHistory as exc:
            self.message_user(request, str(exc), level=messages.ERROR)

    def delete_queryset(self, request, queryset):
        for product in queryset:
            self.delete_model(request, product)


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["__str__", "sku", "barcode", "price", "merchant"]
    list_filter = [("merchant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["sku", "barcode", "product__name", "merchant__name", "merchant__memberships__user__email"]
    list_select_related = ["product", "merchant"]
    raw_id_fields = ["merchant", "product", "option_values"]
    readonly_fields = ["created_at", "updated_at"]


class OptionValueInline(admin.TabularInline):
    model = OptionValue
    extra = 0
    fields = ["value", "position"]


@admin.register(ProductOption)
class ProductOptionAdmin(admin.ModelAdmin):
    list_display = ["name", "product"]
    search_fields = ["name", "product__name", "product__merchant__name"]
    raw_id_fields = ["product"]
    inlines = [OptionValueInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant"]
    list_filter = [("merchant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "merchant__name", "merchant__memberships__user__email"]
    raw_id_fields = ["merchant"]


@admin.register(Folder)
class FolderAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant"]
    list_filter = [("merchant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "merchant__name", "merchant__memberships__user__email"]
    raw_id_fields = ["merchant"]
