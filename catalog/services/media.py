"""Product images (uploaded files) and videos (YouTube ids)."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from catalog import managed
from catalog.images import image_extension
from catalog.models import Product, ProductImage, ProductVideo
from catalog.services.products import ProductManagedElsewhere
from catalog.signals import ORIGIN_COMPTOIR, product_changed_mark
from catalog.videos import youtube_id_from_url


def _images_guard(product: Product, origin: str) -> None:
    if origin == ORIGIN_COMPTOIR and managed.IMAGES in managed.product_managed_fields(product=product):
        raise ProductManagedElsewhere(product, [managed.IMAGES])


def product_image_add(
    *, product: Product, image: UploadedFile, alt_text: str = "", origin: str = ORIGIN_COMPTOIR
) -> ProductImage:
    """Attach an uploaded image (a JPEG/PNG/GIF/WebP; the form also checks its size) last. It is
    stored under a fresh name with the extension of its decoded format: the client's file name
    is dropped, so a PNG named x.pdf is stored and served as .png. Raises ValidationError for
    anything else."""
    _images_guard(product, origin)
    stored = File(image, name=f"image.{image_extension(file=image)}")
    with transaction.atomic():
        last = product.images.aggregate(last=Max("position"))["last"]
        row = ProductImage.objects.create(
            product=product, image=stored, alt_text=alt_text.strip(), position=0 if last is None else last + 1
        )
        product_changed_mark(merchant_id=product.merchant_id, product_id=product.pk, created=False, origin=origin)
    return row


def product_image_delete(*, image: ProductImage, origin: str = ORIGIN_COMPTOIR) -> None:
    product = image.product
    _images_guard(product, origin)
    storage, name = image.image.storage, image.image.name
    with transaction.atomic():
        image.delete()
        # The file goes only once the row is gone for good.
        transaction.on_commit(lambda: storage.delete(name))
        product_changed_mark(merchant_id=product.merchant_id, product_id=product.pk, created=False, origin=origin)


def product_images_reorder(*, product: Product, image_ids: Sequence[int], origin: str = ORIGIN_COMPTOIR) -> None:
    """Put the product's images in the order of ``image_ids`` (ids not listed keep their order, after)."""
    _images_guard(product, origin)
    images = list(product.images.all())
    rank = {pk: i for i, pk in enumerate(image_ids)}
    images.sort(key=lambda img: (rank.get(img.pk, len(rank)), img.position, img.pk))
    with transaction.atomic():
        for position, img in enumerate(images):
            if img.position != position:
                img.position = position
                img.save(update_fields=["position"])
        product_changed_mark(merchant_id=product.merchant_id, product_id=product.pk, created=False, origin=origin)


def product_image_move(*, image: ProductImage, offset: int) -> None:
    """Move an image ``offset`` places (−1: earlier, +1: later) in its product's gallery."""
    ids = list(image.product.images.values_list("pk", flat=True))
    index = ids.index(image.pk)
    target = max(0, min(len(ids) - 1, index + offset))
    ids.insert(target, ids.pop(index))
    product_images_reorder(product=image.product, image_ids=ids)


def product_video_add(*, product: Product, url: str, title: str = "") -> ProductVideo:
    """Add a YouTube video from a link in any common form (stored as the video id)."""
    youtube_id = youtube_id_from_url(url)
    if product.videos.filter(youtube_id=youtube_id).exists():
        raise ValidationError(_("This video is already on the product."))
    with transaction.atomic():
        last = product.videos.aggregate(last=Max("position"))["last"]
        video = ProductVideo.objects.create(
            product=product, youtube_id=youtube_id, title=title.strip(), position=0 if last is None else last + 1
        )
        product_changed_mark(merchant_id=product.merchant_id, product_id=product.pk, created=False)
    return video


def product_video_delete(*, video: ProductVideo) -> None:
    product = video.product
    with transaction.atomic():
        video.delete()
        product_changed_mark(merchant_id=product.merchant_id, product_id=product.pk, created=False)
