"""A product image of the store, downloaded for the import: through the store's client (so the
pacer counts it), at most 8 MB, and only a JPEG, PNG, GIF or WebP."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from PIL import Image

from catalog.forms.media import IMAGE_FORMATS, MAX_IMAGE_BYTES
from integrations.bigcommerce.api.client import BigCommerceClient
from integrations.bigcommerce.api.errors import Unavailable
from integrations.bigcommerce.mappers.inbound import (
    InboundDataError,
)


def image_download(*, client: BigCommerceClient, url: str) -> SimpleUploadedFile:
    """The image at ``url`` as an upload, at most 8 MB and a JPEG/PNG/GIF/WebP; InboundDataError otherwise.
    Downloaded through the store's client, so its pacing counts it."""

    if not url.startswith(("https://", "http://")):
        raise InboundDataError(lambda: _("the address is not a web address"))
    try:
        status, content = client.download(url, max_bytes=MAX_IMAGE_BYTES)
    except Unavailable as exc:
        error = exc.title  # the cause's name
        raise InboundDataError(lambda: _("it could not be downloaded (%(error)s)") % {"error": error}) from exc
    if status != 200:
        raise InboundDataError(lambda: _("the store answered %(status)s") % {"status": status})
    if len(content) > MAX_IMAGE_BYTES:
        raise InboundDataError(lambda: _("it is larger than 8 MB"))
    try:
        with Image.open(io.BytesIO(content)) as picture:
            kind = picture.format
            picture.verify()
    except Exception as exc:  # Pillow raises many kinds for bytes that are not an image
        raise InboundDataError(lambda: _("it is not an image")) from exc
    if kind not in IMAGE_FORMATS:
        raise InboundDataError(lambda: _("it is a %(kind)s image, not JPEG, PNG, GIF or WebP") % {"kind": kind})
    name = url.rsplit("/", 1)[-1].split("?")[0][-80:] or "image"
    return SimpleUploadedFile(name, content, content_type=f"image/{kind.lower()}")
