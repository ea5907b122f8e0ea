"""The texts the page scripts show, translated on the server and handed over as JSON.

Each page carries them in a ``<script type="application/json" id="sg-texts">`` block (data,
not code: the strict CSP stays); ``SG.t(key, {name: value})`` fills ``{name}`` placeholders.
"""

from __future__ import annotations

from seatguard.common.i18n import N_, gettext

SCRIPT_TEXTS: dict[str, str] = {
    # app.js
    "signed_in_as": N_("Signed in as {name}"),
    "your_time": N_("Your time: {time}"),
    # auth.js
    "check_credentials": N_("Please check the email and password."),
    "try_again": N_("Something went wrong; please try again."),
    # result.js
    "reason_seats_taken": N_(
        "Your hold expired and the seats were sold to someone else; you have been refunded."
    ),
    "reason_amount_mismatch": N_(
        "The amount paid did not match the order; you have been refunded."
    ),
    "payment_confirmed": N_("Payment confirmed — your tickets are ready."),
    "see_tickets": N_("See and download your tickets"),
    "order_refunded": N_("This order was refunded."),
    "choose_other_seats": N_("Choose other seats"),
    "hold_expired_unpaid": N_(
        "Your hold expired before the payment was completed; nothing was charged."
    ),
    "choose_seats_again": N_("Choose seats again"),
    "payment_not_started": N_("The payment could not be started; nothing was charged."),
    "retry": N_("Try again"),
    "order_not_found": N_("We could not find this order."),
    "still_waiting": N_(
        "Still waiting for the payment confirmation; refresh this page in a minute."
    ),
    "held_until": N_("Your seats stay held until {time}."),
    "return_to_payment": N_("Return to the payment page"),
    "back_to_map": N_("Back to the seat map"),
    "no_order": N_("No order was named."),
    # seatmap.js
    "a_seat": N_("a seat"),
    "seat_taken": N_("Seat {seat} was just taken by someone else. Please choose another seat."),
    "hold_expired": N_(
        "Your hold on {seats} expired and the seats were released. "
        "Select them again if they are still free."
    ),
    "state_mine": N_("held for you"),
    "state_selected": N_("selected"),
    "state_available": N_("available"),
    "state_sold": N_("sold"),
    "state_locked": N_("held by someone else"),
    "seat_title": N_("{label} — {state}"),
    "seat_aria": N_("Seat {label}, {section}, {price}, {state}"),
    "selected_one": N_("1 seat selected: {seats}"),
    "selected_many": N_("{count} seats selected: {seats}"),
    "none_selected": N_("No seats selected."),
    "release": N_("Release"),
    "release_seat": N_("Release seat {label}"),
    "held_for_you": N_("Held {seats} for you. Pay before the countdown ends."),
    "hold_failed": N_("The seats could not be held; please try again."),
    "release_failed": N_("This seat could not be released."),
    "released": N_("Released {seat}."),
    "opening_payment": N_("Opening the payment page…"),
    "payment_failed": N_("The payment could not be started; please try again."),
    "live_on": N_("Live: seats update as others hold and buy them."),
    "live_off": N_("Live updates interrupted; reconnecting…"),
    "already_yours": N_("{seat} is already held for you."),
    "not_available": N_("Seat {seat} is not available."),
}


def script_texts() -> dict[str, str]:
    """The scripts' texts in the language in force."""
    return {key: gettext(text) for key, text in SCRIPT_TEXTS.items()}


GENRE_NAMES: dict[str, str] = {
    "ELECTRONICA": N_("Electronic"),
    "ROCK": N_("Rock"),
    "POP": N_("Pop"),
    "JAZZ": N_("Jazz"),
    "TEATRO": N_("Theatre"),
    "VARIOS": N_("Various"),
    "METAL": N_("Metal"),
}


def genre_name(value: str) -> str:
    """A genre as people read it, in the language in force."""
    name = GENRE_NAMES.get(str(value).upper())
    return gettext(name) if name else str(value).capitalize()
