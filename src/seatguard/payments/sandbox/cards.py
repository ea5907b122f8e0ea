"""Stripe's documented test cards and the outcome each one produces."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Decline:
    """Why a card was refused, in Stripe's words. ``decline_code`` only for ``card_declined``."""

    code: str
    message: str
    decline_code: str | None = None

    @property
    def reason(self) -> str:
        """The most specific code: ``insufficient_funds`` rather than ``card_declined``."""
        return self.decline_code or self.code


@dataclass(frozen=True, slots=True, kw_only=True)
class Card:
    brand: str
    last4: str


GENERIC = "Your card was declined."
TEST_MODE_LIVE_CARD = (
    "Your card was declined. Your request was in test mode, but used a non test card. "
    "For a list of valid test cards, visit: https://stripe.com/docs/testing."
)

SUCCEEDING: dict[str, str] = {
    "4242424242424242": "visa",
    "4000056655665556": "visa",
    "5555555555554444": "mastercard",
    "378282246310005": "amex",
}

DECLINING: dict[str, Decline] = {
    "4000000000000002": Decline(
        code="card_declined", decline_code="generic_decline", message=GENERIC
    ),
    "4000000000009995": Decline(
        code="card_declined",
        decline_code="insufficient_funds",
        message="Your card has insufficient funds.",
    ),
    "4000000000009979": Decline(code="card_declined", decline_code="stolen_card", message=GENERIC),
    "4000000000000069": Decline(code="expired_card", message="Your card has expired."),
    "4000000000000127": Decline(
        code="incorrect_cvc", message="Your card's security code is incorrect."
    ),
    "4000000000000119": Decline(
        code="processing_error",
        message="An error occurred while processing your card. Try again in a little bit.",
    ),
    "4242424242424241": Decline(code="incorrect_number", message="Your card number is incorrect."),
    "4000000000006975": Decline(
        code="card_declined",
        decline_code="card_velocity_exceeded",
        message=(
            "Your card was declined for making repeated attempts too frequently "
            "or exceeding its amount limit."
        ),
    ),
}


def luhn_valid(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        digit = int(ch)
        if i % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def charge(number: str) -> Card | Decline:
    """What Stripe's test mode answers for this card number (digits only)."""
    if number in DECLINING:
        return DECLINING[number]
    if number in SUCCEEDING:
        return Card(brand=SUCCEEDING[number], last4=number[-4:])
    if not luhn_valid(number):
        return Decline(code="incorrect_number", message="Your card number is incorrect.")
    return Decline(
        code="card_declined", decline_code="test_mode_live_card", message=TEST_MODE_LIVE_CARD
    )
