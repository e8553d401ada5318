"""Images (uploaded files) and videos (YouTube links) of a product."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.videos import youtube_id_from_url

MAX_IMAGE_BYTES = 8 * 1024 * 1024
IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


class ProductImageForm(forms.Form):
    image = forms.ImageField(
        label=_("Image"),
        error_messages={
            "invalid_image": _("This file is not an image we can use. Upload a JPEG, PNG, GIF or WebP image."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    alt_text = forms.CharField(label=_("Description (for accessibility)"), max_length=255, required=False)

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image.size > MAX_IMAGE_BYTES:
            raise ValidationError(
                _("This image is %(size).1f MB; the limit is 8 MB.") % {"size": image.size / (1024 * 1024)}
            )
        kind = getattr(getattr(image, "image", None), "format", None)
        if kind not in IMAGE_FORMATS:
            raise ValidationError(_("Upload a JPEG, PNG, GIF or WebP image (this one is %(kind)s).") % {"kind": kind})
        return image


class ProductVideoForm(forms.Form):
    url = forms.CharField(
        label=_("YouTube link"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "https://youtu.be/…", "type": "url"}),
    )
    title = forms.CharField(label=_("Title"), max_length=255, required=False)

    def clean_url(self) -> str:
        youtube_id_from_url(self.cleaned_data["url"])  # raises a clear ValidationError
        return self.cleaned_data["url"]
