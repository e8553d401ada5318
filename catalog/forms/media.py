"""Images (uploaded files) and videos (YouTube links) of a product."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.images import IMAGE_EXTENSIONS, image_extension
from catalog.videos import youtube_id_from_url

MAX_IMAGE_BYTES = 8 * 1024 * 1024
IMAGE_FORMATS = set(IMAGE_EXTENSIONS)


class DecodedImageField(forms.ImageField):
    """An image judged by what Pillow decodes, not by the client's file name: Django's check of
    the extension is left out (a PNG named x.txt is a PNG, a BMP named x.png is refused)."""

    default_validators = []


class ProductImageForm(forms.Form):
    image = DecodedImageField(
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
        image_extension(file=image)  # a clear message for a format we do not take
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
