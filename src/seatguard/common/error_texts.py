"""API error messages in the caller's language; the ``error`` codes never change.

A message written as a fixed sentence is looked up in the catalogue as it stands (the
extraction takes the first argument of every ``Invalid(…)``, ``Conflict(…)`` … call). A
message built with values in it is replaced by its code's sentence below, filled from the
error's ``details`` where it names them; with neither, the English message is kept.
"""

from __future__ import annotations

from typing import Any

from seatguard.common.i18n import DEFAULT_LANGUAGE, N_, gettext, is_translated, use_language

CODE_MESSAGES: dict[str, str] = {
    "bad_request": N_("The request cannot be processed."),
    "unauthorized": N_("You need to log in."),
    "forbidden": N_("You may not do this."),
    "not_found": N_("Not found."),
    "method_not_allowed": N_("This method is not allowed here."),
    "conflict": N_("This conflicts with the current state."),
    "payload_too_large": N_("The request body is too large."),
    "unsupported_media_type": N_("This content type is not supported."),
    "too_many_requests": N_("Too many requests; please wait a moment."),
    "http_error": N_("The request cannot be processed."),
    "validation_error": N_("Some of the data sent is not valid."),
    "malformed_json": N_("The request body is not valid JSON."),
    "invalid_value": N_("The request holds a value that cannot be stored."),
    "internal_error": N_("Something went wrong on our side."),
    "password_too_short": N_("The password must have at least %(minLength)s characters."),
    "password_too_long": N_("The password must have at most %(maxLength)s characters."),
    "too_many_attempts": N_("Too many failed logins; try again in %(retryAfter)s seconds."),
    "currency_mismatch": N_("This event is sold in another currency."),
    "unknown_genre": N_("Unknown genre."),
    "order_not_found": N_("No such order."),
    "null_field": N_("A field that cannot be empty was sent empty."),
    "illegal_transition": N_("The seat cannot change to that status."),
    "illegal_event_transition": N_("The event is not in a state that allows this."),
    "image_too_small": N_("A poster is at least %(minSide)s pixels on each side."),
    "hold_limit_reached": N_("At most %(limit)s seats may be held per event."),
    "order_not_refundable": N_("Only a completed order can be refunded."),
    "order_not_completed": N_("Only a completed order has tickets to send."),
    "order_not_pending": N_("This order no longer awaits payment."),
    "seats_wanted_out_of_range": N_("Ask for 1 to %(limit)s seats."),
    "waitlist_entry_closed": N_("This entry is no longer in line."),
    "malformed_short_code": N_(
        "A short ticket code is 12 letters and digits, like K7QM-4XPD-9TRB."
    ),
}


def _fill(text: str, details: Any) -> str | None:
    try:
        return text % (details if isinstance(details, dict) else {})
    except (KeyError, TypeError, ValueError):
        return None


def localise(code: str, message: str, details: Any, language: str) -> str:
    """``message`` in ``language``: its translation, else its code's sentence, else as is."""
    if language == DEFAULT_LANGUAGE:
        return message
    with use_language(language):
        if is_translated(message, language):
            return gettext(message)
        fallback = CODE_MESSAGES.get(code)
        if fallback is not None and is_translated(fallback, language):
            return _fill(gettext(fallback), details) or message
    return message
