"""Chart images uploaded to a review's findings: accepted only if they are PNG or JPEG by
content (not by name), named for what they are, within the size and pixel limits; re-encoded so
nothing hidden survives; stored through the storage API; and served as a download with the
right type, nosniff and the review's own access checks. A refused upload stores nothing."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from reviews import images, services
from reviews.models import Finding

from .factories import PriorityFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def _image(fmt: str, size=(60, 40), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (213, 94, 0)).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def _upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def review(world, analyst):
    priority = PriorityFactory(code="PSA 7", lead_department=world.own)
    return services.review_create(
        priority=priority,
        by=analyst,
        title="Asylum intake",
        commissioner="Prime Minister",
        start=date(2003, 3, 3),
        report_due=date(2003, 5, 12),
    )


def _post(client, review, upload, description="The screening queue, photographed"):
    return client.post(
        reverse("reviews:findings_add", args=[review.pk]),
        {
            "new-findings-headline": "Screening is the bottleneck",
            "new-findings-chart_kind": "image",
            "new-findings-image_description": description,
            "new-findings-upload": upload,
        },
        **HTMX,
    )


def _stored_files(media_root: Path) -> list[Path]:
    return (
        [p for p in (media_root / "reviews").rglob("*") if p.is_file()]
        if (media_root / "reviews").exists()
        else []
    )


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("chart.png", b"<html><script>alert(1)</script></html>", images.NOT_AN_IMAGE),
        ("chart.png", b"%PDF-1.4 not an image", images.NOT_AN_IMAGE),
        ("chart.gif", b"GIF89a" + b"\x00" * 40, images.NOT_AN_IMAGE),
        ("chart.png", b"\x89PNG\r\n\x1a\n" + b"broken" * 10, images.UNREADABLE),
        (
            "chart.png",
            _image("JPEG"),
            images.WRONG_EXTENSION.format(actual="JPEG", name="chart.png", extension=".jpg"),
        ),
        (
            "photo.jpg",
            _image("PNG"),
            images.WRONG_EXTENSION.format(actual="PNG", name="photo.jpg", extension=".png"),
        ),
        ("chart.html", _image("PNG"), None),
    ],
    ids=["html-named-png", "pdf-named-png", "gif", "truncated-png", "jpeg-named-png",
         "png-named-jpg", "png-named-html"],
)  # fmt: skip
def test_uploads_that_are_not_what_they_claim_are_refused_and_nothing_is_stored(
    client, review, analyst, isolated_media_root, name, content, message
):
    client.force_login(analyst)
    response = _post(client, review, _upload(name, content))
    assert response.status_code == 422
    if message is None:
        message = images.WRONG_EXTENSION.format(actual="PNG", name=name, extension=".png")
    assert escape(message) in response.content.decode()
    assert not Finding.objects.exists()
    assert _stored_files(Path(isolated_media_root)) == []


def test_an_image_over_2_mb_is_refused(client, review, analyst, isolated_media_root):
    # Noise does not compress: a PNG over the limit, within the cap on a request's body.
    import os

    noisy = Image.frombytes("RGB", (1000, 800), os.urandom(1000 * 800 * 3))
    buffer = io.BytesIO()
    noisy.save(buffer, format="PNG")
    assert len(buffer.getvalue()) > images.MAX_BYTES
    client.force_login(analyst)
    response = _post(client, review, _upload("big.png", buffer.getvalue()))
    assert response.status_code == 422
    assert images.TOO_LARGE in response.content.decode()
    assert not Finding.objects.exists()
    assert _stored_files(Path(isolated_media_root)) == []


def test_an_image_over_the_pixel_limit_is_refused(client, review, analyst, isolated_media_root):
    # Small on disk, enormous once decoded: the pixel limit is checked before decoding.
    huge = _image("PNG", size=(6000, 5000))
    assert len(huge) < images.MAX_BYTES
    client.force_login(analyst)
    response = _post(client, review, _upload("huge.png", huge))
    assert response.status_code == 422
    assert images.TOO_MANY_PIXELS in response.content.decode()
    assert not Finding.objects.exists()
    assert _stored_files(Path(isolated_media_root)) == []


def test_an_image_needs_a_description(client, review, analyst, isolated_media_root):
    client.force_login(analyst)
    response = _post(client, review, _upload("chart.png", _image("PNG")), description="")
    assert response.status_code == 422
    assert services.IMAGE_DESCRIPTION_REQUIRED in response.content.decode()
    assert not Finding.objects.exists()
    assert _stored_files(Path(isolated_media_root)) == []


# --- accepted, cleaned, served ------------------------------------------------------------------


def test_a_png_is_re_encoded_without_its_metadata_or_trailing_data(
    client, review, analyst, isolated_media_root
):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "secret-author-name")
    original = _image("PNG", pnginfo=info) + b"TRAILING-HIDDEN-PAYLOAD"
    client.force_login(analyst)

    response = _post(client, review, _upload("Chart.PNG", original))

    assert response.status_code == 200
    finding = Finding.objects.get()
    assert finding.image_type == "image/png"
    assert finding.image.name.startswith(f"reviews/{review.pk}/")
    assert finding.image.name.endswith(".png")
    assert "Chart" not in finding.image.name
    stored = default_storage.open(finding.image.name).read()
    assert stored.startswith(images.PNG_SIGNATURE)
    assert b"secret-author-name" not in stored
    assert b"TRAILING-HIDDEN-PAYLOAD" not in stored
    with Image.open(io.BytesIO(stored)) as reread:
        assert reread.size == (60, 40)
        assert "Author" not in reread.info


def test_a_jpeg_loses_its_exif(client, review, analyst):
    exif = Image.Exif()
    exif[0x013B] = "secret-photographer"  # Artist
    original = _image("JPEG", exif=exif.tobytes())
    assert b"secret-photographer" in original
    client.force_login(analyst)

    response = _post(client, review, _upload("photo.jpeg", original, "image/jpeg"))

    assert response.status_code == 200
    finding = Finding.objects.get()
    assert finding.image_type == "image/jpeg"
    assert finding.image.name.endswith(".jpg")
    stored = default_storage.open(finding.image.name).read()
    assert stored.startswith(images.JPEG_SIGNATURE)
    assert b"secret-photographer" not in stored


def test_the_image_is_a_download_with_its_type_and_nosniff(client, review, analyst, official):
    client.force_login(analyst)
    _post(client, review, _upload("chart.png", _image("PNG")))
    finding = Finding.objects.get()
    client.force_login(official)

    response = client.get(reverse("reviews:finding_image", args=[review.pk, finding.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        f'filename="review-{review.pk}-finding-{finding.pk}.png"' in response["Content-Disposition"]
    )
    assert b"".join(response.streaming_content).startswith(images.PNG_SIGNATURE)


def test_the_image_of_another_departments_review_is_not_found(client, world, analyst, official):
    other = PriorityFactory(code="DH 1", lead_department=world.other)
    review = services.review_create(
        priority=other,
        by=analyst,
        title="Elsewhere",
        commissioner="PM",
        start=date(2003, 3, 3),
        report_due=date(2003, 5, 12),
    )
    finding = services.finding_add(
        review=review,
        by=analyst,
        headline="Hidden",
        chart_kind="image",
        image=images.check(_upload("chart.png", _image("PNG"))),
        image_description="Hidden chart",
    )
    client.force_login(official)
    response = client.get(reverse("reviews:finding_image", args=[review.pk, finding.pk]))
    assert response.status_code == 404
    # Nor through a review the official may see: the finding must belong to it.
    mine = services.review_create(
        priority=PriorityFactory(code="HO 1", lead_department=world.own),
        by=analyst,
        title="Mine",
        commissioner="PM",
        start=date(2003, 3, 3),
        report_due=date(2003, 5, 12),
    )
    response = client.get(reverse("reviews:finding_image", args=[mine.pk, finding.pk]))
    assert response.status_code == 404


def test_the_workspace_shows_the_image_with_its_description(client, review, analyst):
    client.force_login(analyst)
    _post(client, review, _upload("chart.png", _image("PNG")))
    finding = Finding.objects.get()
    html = client.get(reverse("reviews:review_detail", args=[review.pk])).content.decode()
    src = reverse("reviews:finding_image", args=[review.pk, finding.pk])
    assert f'src="{src}" alt="The screening queue, photographed"' in html
