"""A Stripe-compatible test gateway (the embedded default): hosted page, API subset, webhooks.

State lives in memory; it is for development and tests only, never for real payments.
"""

from seatguard.payments.sandbox.app import create_sandbox_app
from seatguard.payments.sandbox.core import Sandbox

__all__ = ["Sandbox", "create_sandbox_app"]
