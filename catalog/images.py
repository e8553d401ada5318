"""What an uploaded image really is: Pillow decodes it, and its format, never the file name the
client sent, decides whether we accept it and the extension it is stored (and served) under."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image

# The formats BigCommerce and browsers take, with the extension each is stored under.
IMAGE_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


def image_extension(*, file) -> str:
    """The extension for ``file``'s decoded format; ValidationError when it is not an image, or
    not one of IMAGE_EXTENSIONS. Leaves the file at its start."""
    file.seek(0)
    try:
        with Image.open(file) as decoded:
            kind = decoded.format
            decoded.verify()
    except Exception:  # Pillow raises many kinds for a broken or hostile file, as Django's ImageField knows
        raise ValidationError(
            _("This file is not an image we can use. Upload a JPEG, PNG, GIF or WebP image."), code="invalid_image"
        ) from None
    finally:
        file.seek(0)
    if kind not in IMAGE_EXTENSIONS:
        raise ValidationError(
            _("Upload a JPEG, PNG, GIF or WebP image (this one is %(kind)s).") % {"kind": kind}, code="image_format"
        )
    return IMAGE_EXTENSIONS[kind]
