"""Event posters: an uploaded image is checked, resized and stored on disk or in S3.

Whatever arrives is decoded by Pillow and written out anew as a JPEG no larger than
``MAX_SIDE`` pixels, so nothing of the upload but its pixels is ever served (no scripts in an
SVG, no metadata, no polyglot files). Pillow's decompression-bomb guard bounds the pixels.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import uuid
from pathlib import Path
from typing import Protocol

from seatguard.common.errors import AppError, Invalid
from seatguard.settings import Settings

ACCEPTED = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
MAX_PIXELS = 40_000_000
MAX_SIDE = 1200
MIN_SIDE = 200
MOUNT = "/posters"


class UnsupportedImage(AppError):
    status_code = 415
    code = "unsupported_media_type"


def prepare(data: bytes, content_type: str) -> bytes:
    """The poster as a JPEG of at most MAX_SIDE pixels a side; refuses what is not an image."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    expected = ACCEPTED.get(content_type.split(";")[0].strip().lower())
    if expected is None:
        raise UnsupportedImage("Send the poster as image/jpeg, image/png or image/webp.")
    if not data:
        raise Invalid("The poster is empty.", code="invalid_image")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != expected:
                raise Invalid("The image is not what its Content-Type says.", code="invalid_image")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            oriented = ImageOps.exif_transpose(image) or image
            if min(oriented.size) < MIN_SIDE:
                raise Invalid(
                    f"A poster is at least {MIN_SIDE} pixels on each side.",
                    code="image_too_small",
                    details={"minSide": MIN_SIDE},
                )
            rgb = oriented.convert("RGB")
            rgb.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            rgb.save(out, "JPEG", quality=85, optimize=True, progressive=True)
            return out.getvalue()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise Invalid("The poster could not be read as an image.", code="invalid_image") from exc


def poster_name(event_id: uuid.UUID, jpeg: bytes) -> str:
    return f"{event_id}-{hashlib.sha256(jpeg).hexdigest()[:12]}.jpg"


class PosterStore(Protocol):
    def save(self, name: str, jpeg: bytes) -> str:
        """Store the poster; returns the URL buyers' browsers load it from."""
        ...

    def read(self, name: str) -> bytes:
        """The stored poster ``name`` (for the tickets and emails that carry it)."""
        ...


class DiskPosters:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def save(self, name: str, jpeg: bytes) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".part")
        with os.fdopen(fd, "wb") as out:
            out.write(jpeg)
        os.replace(tmp, self.directory / name)
        return f"{MOUNT}/{name}"

    def read(self, name: str) -> bytes:
        return (self.directory / name).read_bytes()


class S3Posters:
    def __init__(self, *, bucket: str, public_base: str, region: str, endpoint: str | None):
        import boto3

        self.bucket = bucket
        self.public_base = public_base.rstrip("/")
        self.client = boto3.client("s3", region_name=region, endpoint_url=endpoint)

    def save(self, name: str, jpeg: bytes) -> str:
        self.client.put_object(
            Bucket=self.bucket,
            Key=f"posters/{name}",
            Body=jpeg,
            ContentType="image/jpeg",
            CacheControl="public, max-age=31536000, immutable",
        )
        return f"{self.public_base}/posters/{name}"

    def read(self, name: str) -> bytes:
        found = self.client.get_object(Bucket=self.bucket, Key=f"posters/{name}")
        body: bytes = found["Body"].read()
        return body


def s3_public_base(settings: Settings) -> str:
    """Where browsers load the bucket's posters from (no trailing slash)."""
    assert settings.poster_s3_bucket
    base = settings.poster_public_base_url or (
        f"{settings.aws_endpoint_url.rstrip('/')}/{settings.poster_s3_bucket}"
        if settings.aws_endpoint_url
        else f"https://{settings.poster_s3_bucket}.s3.{settings.aws_region}.amazonaws.com"
    )
    return base.rstrip("/")


def poster_store(settings: Settings) -> PosterStore:
    if settings.poster_s3_bucket:
        return S3Posters(
            bucket=settings.poster_s3_bucket,
            public_base=s3_public_base(settings),
            region=settings.aws_region,
            endpoint=settings.aws_endpoint_url,
        )
    return DiskPosters(settings.poster_dir)
