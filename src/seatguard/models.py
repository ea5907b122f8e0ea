"""Imports every table module so ``Base.metadata`` knows the whole schema."""

from seatguard.admin import models as admin_models
from seatguard.booking import models as booking_models
from seatguard.notify import models as notify_models
from seatguard.payments import models as payment_models
from seatguard.payments.sandbox import tables as sandbox_tables
from seatguard.queue import models as queue_models
from seatguard.waitlist import models as waitlist_models

__all__ = [
    "admin_models",
    "booking_models",
    "notify_models",
    "payment_models",
    "queue_models",
    "sandbox_tables",
    "waitlist_models",
]
