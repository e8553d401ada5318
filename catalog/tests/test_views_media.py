import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from catalog.models import ProductImage, ProductVideo
from catalog.tests.factories import ProductFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def png(name="photo.png", colour="red", fmt="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), colour).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def product(merchant):
    return ProductFactory(merchant=merchant, name="Mug")


def upload(client, product, file, **extra):
    return client.post(reverse("catalog:product_image_add", args=[product.pk]), {"image": file}, **extra)


def test_upload_png_is_stored_and_served_publicly(merchant_client, product):
    response = upload(merchant_client, product, png())
    assert response.status_code == 302 and response["Location"].endswith("#images")
    image = product.images.get()
    assert image.image.url.startswith("/media/products/")
    served = merchant_client.get(image.image.url)
    assert served.status_code == 200


def test_htmx_upload_returns_the_gallery(merchant_client, product):
    response = upload(merchant_client, product, png(), **HTMX)
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="images"') and product.images.get().image.url in content


def test_non_image_is_refused_with_a_clear_message(merchant_client, product):
    fake = SimpleUploadedFile("notes.png", b"this is not an image", content_type="image/png")
    response = upload(merchant_client, product, fake)
    assert response.status_code == 200
    assert "Upload a JPEG, PNG, GIF or WebP image" in response.content.decode()
    assert not ProductImage.objects.exists()


def test_other_image_formats_are_refused(merchant_client, product):
    response = upload(merchant_client, product, png("photo.bmp", fmt="BMP"), **HTMX)
    assert "(this one is BMP)" in response.content.decode()
    assert not ProductImage.objects.exists()


@pytest.mark.parametrize(
    "client_name, fmt, stored_as, served_as",
    [
        ("x.pdf", "PNG", ".png", "image/png"),
        ("x.ps", "PNG", ".png", "image/png"),
        ("x.eps", "PNG", ".png", "image/png"),
        ("x.xbm", "PNG", ".png", "image/png"),
        ("x.html", "PNG", ".png", "image/png"),
        ("x.svg", "GIF", ".gif", "image/gif"),
        ("photo.gif", "JPEG", ".jpg", "image/jpeg"),
        ("no-extension", "WEBP", ".webp", "image/webp"),
        ("../../etc/passwd.png", "PNG", ".png", "image/png"),
    ],
)
def test_images_are_stored_under_the_decoded_formats_extension(
    merchant_client, product, client_name, fmt, stored_as, served_as
):
    assert upload(merchant_client, product, png(client_name, fmt=fmt)).status_code == 302
    name = product.images.get().image.name
    assert name.endswith(stored_as) and name.count(".") == 1
    assert name.startswith(f"products/{product.merchant_id}/{product.uuid}/")
    assert client_name.rsplit("/", 1)[-1].split(".")[0] not in name.rsplit("/", 1)[-1]
    served = merchant_client.get(product.images.get().image.url)
    assert served.status_code == 200 and served["Content-Type"] == served_as


@pytest.mark.parametrize("fmt, mode", [("BMP", "RGB"), ("TIFF", "RGB"), ("XBM", "1"), ("ICO", "RGB"), ("PPM", "RGB")])
def test_formats_we_do_not_take_are_refused_whatever_their_name(merchant_client, product, fmt, mode):
    buffer = io.BytesIO()
    Image.new(mode, (16, 16)).save(buffer, fmt)
    file = SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")
    response = upload(merchant_client, product, file)
    assert response.status_code == 200
    assert f"Upload a JPEG, PNG, GIF or WebP image (this one is {fmt})." in response.content.decode()
    assert not ProductImage.objects.exists()


def test_too_large_image_is_refused(merchant_client, product, monkeypatch):
    monkeypatch.setattr("catalog.forms.media.MAX_IMAGE_BYTES", 10)
    response = upload(merchant_client, product, png())
    assert "the limit is 8 MB" in response.content.decode()
    assert not ProductImage.objects.exists()


def test_reorder_and_delete(merchant_client, product, django_capture_on_commit_callbacks):
    for colour in ("red", "green", "blue"):
        upload(merchant_client, product, png(colour=colour))
    first, second, third = product.images.all()
    merchant_client.post(
        reverse("catalog:product_image_move", args=[product.pk, third.pk]), {"direction": "up"}, **HTMX
    )
    assert list(product.images.values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]
    merchant_client.post(reverse("catalog:product_image_move", args=[product.pk, first.pk]), {"direction": "down"})
    assert list(product.images.values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]
    storage, name = first.image.storage, first.image.name
    with django_capture_on_commit_callbacks(execute=True):
        response = merchant_client.post(reverse("catalog:product_image_delete", args=[product.pk, first.pk]))
    assert response.status_code == 302
    assert list(product.images.values_list("pk", flat=True)) == [third.pk, second.pk]
    assert not storage.exists(name)


def test_image_of_another_product_is_404(merchant_client, product, other_merchant):
    foreign = ProductFactory(merchant=other_merchant)
    image = ProductImage.objects.create(product=foreign, image=png(), position=0)
    assert merchant_client.post(reverse("catalog:product_image_delete", args=[foreign.pk, image.pk])).status_code == 404
    assert merchant_client.post(reverse("catalog:product_image_delete", args=[product.pk, image.pk])).status_code == 404
    assert ProductImage.objects.filter(pk=image.pk).exists()


def test_add_video_from_any_common_link(merchant_client, product):
    url = reverse("catalog:product_video_add", args=[product.pk])
    merchant_client.post(url, {"url": "https://www.youtube.com/shorts/dQw4w9WgXcQ", "title": "Short"})
    assert product.videos.get().youtube_id == "dQw4w9WgXcQ"
    response = merchant_client.post(url, {"url": "https://youtu.be/dQw4w9WgXcQ"}, **HTMX)
    assert "already on the product" in response.content.decode()
    assert product.videos.count() == 1


def test_bad_video_link_is_explained(merchant_client, product):
    response = merchant_client.post(
        reverse("catalog:product_video_add", args=[product.pk]), {"url": "https://vimeo.com/1"}, **HTMX
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="videos"') and "not a YouTube video link" in content
    assert not ProductVideo.objects.exists()


def test_delete_video(merchant_client, product):
    video = ProductVideo.objects.create(product=product, youtube_id="dQw4w9WgXcQ")
    merchant_client.post(reverse("catalog:product_video_delete", args=[product.pk, video.pk]))
    assert not ProductVideo.objects.exists()
