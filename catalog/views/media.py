"""Images and videos of a product, managed from its page; HTMX swaps the section back in."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog import managed, selectors, services
from catalog.forms import ProductImageForm, ProductVideoForm
from catalog.views.common import product_or_404
from catalog.views.products import detail_context
from portal.decorators import merchant_required


def _section_response(request, product_id: int, section: str, **forms):
    """HTMX: the section's fragment. Otherwise: the page again if a form has errors, else a redirect."""
    if request.htmx or forms:
        product = selectors.product_detail(merchant=request.merchant, product_id=product_id)
        template = "catalog/product_detail.html"
        if request.htmx:
            template += f"#{section}"
        return render(request, template, detail_context(product, **forms))
    return redirect(reverse("catalog:product_detail", args=[product_id]) + f"#{section}")


def _images_refused(request, product):
    """Images of a product managed elsewhere change there: say so instead of changing them."""
    if managed.IMAGES not in managed.product_managed_fields(product=product):
        return None
    messages.error(request, services.ProductManagedElsewhere(product, [managed.IMAGES]).messages[0])
    return redirect(reverse("catalog:product_detail", args=[product.pk]) + "#images")


@merchant_required
@require_POST
def product_image_add(request, product_id: int):
    product = product_or_404(request, product_id)
    if refused := _images_refused(request, product):
        return refused
    form = ProductImageForm(request.POST, request.FILES)
    if not form.is_valid():
        return _section_response(request, product.pk, "images", image_form=form)
    services.product_image_add(
        product=product, image=form.cleaned_data["image"], alt_text=form.cleaned_data["alt_text"]
    )
    if not request.htmx:
        messages.success(request, _("Image added."))
    return _section_response(request, product.pk, "images")


def _image_or_404(product, image_id: int):
    image = product.images.filter(pk=image_id).first()
    if image is None:
        raise Http404
    return image


@merchant_required
@require_POST
def product_image_delete(request, product_id: int, image_id: int):
    product = product_or_404(request, product_id)
    if refused := _images_refused(request, product):
        return refused
    services.product_image_delete(image=_image_or_404(product, image_id))
    if not request.htmx:
        messages.success(request, _("Image deleted."))
    return _section_response(request, product.pk, "images")


@merchant_required
@require_POST
def product_image_move(request, product_id: int, image_id: int):
    """Move an image one place earlier (``direction=up``) or later (``direction=down``)."""
    product = product_or_404(request, product_id)
    if refused := _images_refused(request, product):
        return refused
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.product_image_move(image=_image_or_404(product, image_id), offset=offset)
    return _section_response(request, product.pk, "images")


@merchant_required
@require_POST
def product_video_add(request, product_id: int):
    product = product_or_404(request, product_id)
    form = ProductVideoForm(request.POST)
    if form.is_valid():
        try:
            services.product_video_add(product=product, url=form.cleaned_data["url"], title=form.cleaned_data["title"])
        except ValidationError as exc:
            form.add_error("url", exc)
    if form.errors:
        return _section_response(request, product.pk, "videos", video_form=form)
    if not request.htmx:
        messages.success(request, _("Video added."))
    return _section_response(request, product.pk, "videos")


@merchant_required
@require_POST
def product_video_delete(request, product_id: int, video_id: int):
    product = product_or_404(request, product_id)
    video = product.videos.filter(pk=video_id).first()
    if video is None:
        raise Http404
    services.product_video_delete(video=video)
    if not request.htmx:
        messages.success(request, _("Video removed."))
    return _section_response(request, product.pk, "videos")
