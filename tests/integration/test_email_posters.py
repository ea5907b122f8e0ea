"""The event's poster reaches the buyer inside the confirmation email and on the PDF tickets,
read from where posters are stored (disk or S3); a broken poster never stops either."""

from __future__ import annotations

import io
import uuid
from email.message import EmailMessage
from pathlib import Path

import boto3
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import update

from seatguard.booking.models import Event
from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.notify.backends import SmtpBackend
from seatguard.notify.service import send_order_email
from seatguard.settings import Settings
from seatguard.tickets import poster as posters
from tests.support.smtp import SmtpServer
from tests.support.tickets import make_paid_order

KEY = Ed25519PrivateKey.generate()
SENDER = "SeatGuard <tickets@seatguard.test>"


def jpeg(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, "JPEG")
    return out.getvalue()


def confirm(
    db: Database, clock: FrozenClock, server: SmtpServer, settings: Settings, poster_url: str
) -> EmailMessage:
    posters.clear_poster_cache()
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=2)
    with db.unit_of_work() as session:
        session.execute(
            update(Event).where(Event.id == paid.event_id).values(poster_url=poster_url)
        )
    mailer = SmtpBackend(server.host, server.port, security="none", timeout=5)
    assert send_order_email(
        db=db,
        mailer=mailer,
        order_id=paid.order_id,
        kind="confirmation",
        sender=SENDER,
        clock=clock,
        settings=settings,
    )
    message = server.received[-1].message
    assert isinstance(message, EmailMessage)
    return message


def images(msg: EmailMessage) -> list[EmailMessage]:
    return [p for p in msg.walk() if p.get_content_maintype() == "image"]


def pdf_images(msg: EmailMessage) -> list[int]:
    [pdf] = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    return [len(page.images) for page in PdfReader(io.BytesIO(pdf.get_content())).pages]


def test_an_uploaded_poster_is_inline_in_the_email_and_on_every_ticket(
    db, clock, smtp_server, settings, tmp_path: Path
):
    (tmp_path / "show-1.jpg").write_bytes(jpeg((900, 1200)))
    settings = settings.model_copy(update={"poster_dir": str(tmp_path)})
    msg = confirm(db, clock, smtp_server, settings, "/posters/show-1.jpg")
    [image] = images(msg)
    cid = image["Content-ID"].strip("<>")
    html = msg.get_body(preferencelist=("html",))
    assert html is not None
    assert f'src="cid:{cid}"' in html.get_content()
    with Image.open(io.BytesIO(image.get_content())) as small:
        assert max(small.size) == posters.THUMB_SIDE
    assert pdf_images(msg) == [1, 1]


def test_a_corrupt_or_missing_poster_still_sends_the_email_and_tickets(
    db, clock, smtp_server, settings, tmp_path: Path
):
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff" + b"\x00" * 500)
    settings = settings.model_copy(update={"poster_dir": str(tmp_path)})
    for url in ("/posters/broken.jpg", "/posters/gone.jpg", "https://elsewhere.test/p.jpg"):
        msg = confirm(db, clock, smtp_server, settings, url)
        assert images(msg) == []
        html = msg.get_body(preferencelist=("html",))
        assert html is not None
        assert "cid:" not in html.get_content()
        assert pdf_images(msg) == [0, 0]


def test_a_poster_in_s3_is_read_from_the_bucket(db, clock, smtp_server, settings, sqs_endpoint):
    bucket = f"posters-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=sqs_endpoint)
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="posters/tour-1.jpg", Body=jpeg((800, 600)))
    settings = settings.model_copy(
        update={"poster_s3_bucket": bucket, "aws_endpoint_url": sqs_endpoint}
    )
    url = f"{sqs_endpoint}/{bucket}/posters/tour-1.jpg"
    msg = confirm(db, clock, smtp_server, settings, url)
    [image] = images(msg)
    with Image.open(io.BytesIO(image.get_content())) as small:
        assert small.size == (posters.THUMB_SIDE, 300)
    assert pdf_images(msg) == [1, 1]
