"""Imports every table module so ``Base.metadata`` knows the whole schema."""

from seatguard.booking import models as booking_models
from seatguard.payments import models as payment_models
from seatguard.payments.sandbox import tables as sandbox_tables
from seatguard.queue import models as queue_models

__all__ = ["booking_models", "payment_models", "queue_models", "sandbox_tables"]
