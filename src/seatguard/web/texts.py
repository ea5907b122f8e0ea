"""The texts the page scripts show, translated on the server and handed over as JSON.

Each page carries them in a ``<script type="application/json" id="sg-texts">`` block (data,
not code: the strict CSP stays); ``SG.t(key, {name: value})`` fills ``{name}`` placeholders.
"""

from __future__ import annotations

from datetime import datetime

from seatguard.common.i18n import N_, gettext
from seatguard.tickets.formatting import format_start

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
    "reason_event_cancelled": N_("This event was cancelled; your payment is being refunded."),
    "reason_event_started": N_(
        "Your payment arrived after the event had started; it is being refunded."
    ),
    "reason_fulfilment_failed": N_(
        "We could not issue your tickets; your payment is being refunded."
    ),
    "bank_processing": N_(
        "Your bank is processing the payment; we will email your tickets when it clears."
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
    "order_cancelled": N_("This order was cancelled; nothing was charged."),
    "order_cancelled_released": N_("Your order was cancelled and its seats were released."),
    "order_already_paid": N_("This order has already been paid, so it was not cancelled."),
    "see_your_order": N_("See your order"),
    "cancel_failed": N_("This order could not be cancelled."),
    "order_cancelled_seats": N_("Order cancelled; released {seats}."),
    # waitlist.js
    "waitlist_open": N_(
        "This concert is sold out. Join its waiting list: when seats come free, the first in "
        "line gets them held and an email."
    ),
    "waitlist_position": N_("You are number {position} on the waiting list."),
    "waitlist_offered": N_(
        "Seats came free and are held for you until {time}: pay for them below."
    ),
    "waitlist_left": N_("You left the waiting list."),
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
    "state_bought": N_("yours (bought)"),
    "state_locked": N_("held by someone else"),
    "seat_title": N_("{label} — {state}"),
    "seat_aria": N_("Seat {label}, {section}, {price}, {state}"),
    "seat_aria_accessible": N_("Seat {label}, wheelchair space, {section}, {price}, {state}"),
    "row_aria": N_("{section} row {row}"),
    "map_failed": N_("The seat map could not be loaded; please reload the page."),
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
    "sales_open_now": N_("Sales are open: you can hold seats now."),
    "already_yours": N_("{seat} is already held for you."),
    "not_available": N_("Seat {seat} is not available."),
    "selection_kept": N_("Your selection is kept: {seats}. Hold it to continue."),
    "taken_while_away": N_(
        "Seat {seats} was taken while you logged in. Please choose another seat."
    ),
    # checkin.js
    "door_synced": N_("Offline scans sent: {sent} · duplicate entries: {duplicates}"),
    "seat_number": N_("Seat {seat}"),
    # tickets.js
    "order_reference": N_("Order reference:"),
    "order_paid": N_("Paid"),
    "order_awaiting_payment": N_("Awaiting payment"),
    "order_for_cancelled": N_("Your order for {event} was cancelled and its seats released."),
    "preparing_pdf": N_("Preparing your PDF…"),
    "pdf_failed": N_("The PDF could not be downloaded; please try again."),
    "pdf_downloaded": N_("Your tickets were downloaded."),
    "checked_in": N_("checked in"),
    "download_pdf": N_("Download PDF"),
    "download_pdf_for": N_("Download the tickets for {event} as PDF"),
    "cancel_order": N_("Cancel order"),
    "cancel_order_for": N_("Cancel the order for {event} and release its seats"),
    "complete_payment": N_("Complete the payment"),
    "orders_failed": N_("Your orders could not be loaded."),
    "orders_one": N_("1 order."),
    "orders_many": N_("{count} orders."),
    "no_orders": N_("You have no orders yet."),
    # admin.js
    "admins_only": N_("This page is for admins. Ask an admin for access."),
    "figures_failed": N_("The figures could not be loaded."),
    # admin-waitlist.js
    "waitlist_state_WAITING": N_("Waiting"),
    "waitlist_state_OFFERED": N_("Offered until {time}"),
    "waitlist_state_CONVERTED": N_("Bought"),
    "waitlist_state_LAPSED": N_("Offer lapsed"),
    "waitlist_state_LEFT": N_("Left"),
    "waitlist_state_REMOVED": N_("Removed"),
    "waitlist_remove": N_("Remove"),
    "waitlist_removed": N_("{email} was removed from the waiting list."),
    "waitlist_empty": N_("Nobody is on this waiting list."),
    "nothing_sold": N_("Nothing sold yet."),
    "heatmap_label": N_("Seat map: free, held and sold seats"),
    "export_failed": N_("The export could not be made; please try again."),
    "tickets_by_day": N_("Tickets sold by day"),
    "takings_by_section": N_("Takings by section"),
    "dashboard_updated": N_("Updated {time}; refreshes every 5 seconds."),
    "choose_image": N_("Choose an image first."),
    "uploading": N_("Uploading…"),
    "poster_updated": N_("Poster updated."),
    "orders_found": N_("{count} orders found."),
    # admin-door.js and the invitation page
    "invitation_sent": N_("Invitation sent to {email}."),
    "role_changed": N_("{email} is now {role}."),
    "sessions_ended": N_("Every session of {email} has ended."),
    "role_customer": N_("customer"),
    "role_staff": N_("staff"),
    "role_admin": N_("admin"),
    "change_role": N_("Change role of {email}"),
    "end_sessions": N_("End sessions"),
    "save_role": N_("Save role"),
    "nobody_admitted": N_("Nobody admitted yet."),
    "admitted_per_slot": N_("Admitted per 10 minutes"),
    "door_updated": N_("Updated {time}; refreshes every 3 seconds."),
    "password_set": N_("Password saved. Logging you in…"),
    # admin-actions.js
    "choose_seats_to_refund": N_("Choose the seats to refund first."),
    "confirm_refund_seats": N_(
        "Refund {amount} for {seats} to the buyer? Their tickets stop working."
    ),
    "confirm_refund_all": N_(
        "Refund the whole order ({amount}) to the buyer? Its tickets stop working."
    ),
    "refund_done": N_("Refunded {amount}; the buyer is being emailed."),
    "refund_waiting": N_(
        "The refund is recorded; the payment provider will be asked again shortly."
    ),
    "resend_done": N_("The confirmation is on its way again."),
    "action_failed": N_("That did not work: {message}"),
    "confirm_cancel_event": N_(
        "Cancel this event? {paid} paid orders will be refunded and {open} open checkouts "
        "ended. This cannot be undone."
    ),
    "event_cancelled_done": N_("The event is cancelled; refunds are on their way."),
    "ticket_void": N_("void"),
    "not_yet": N_("not yet"),
    "email_pending": N_("being sent"),
    "gateway_ids": N_("Checkout {session}, payment {intent}"),
    "refund_line": N_("{amount} — {status} ({when})"),
    "no_refunds": N_("No refunds."),
    "no_disputes": N_("No disputes."),
    "buyer": N_("Buyer"),
    "payment": N_("Payment"),
    "event": N_("Event"),
    # admin-editor.js
    "remove": N_("Remove"),
    "remove_row": N_("Remove row {number} of {section}"),
    "row_label": N_("Row label"),
    "row_seats": N_("Seats in the row"),
    "row_first": N_("First seat number"),
    "row_gaps": N_("Gaps in row {row}: after which seats (3, or 3x2 for two places)"),
    "row_skip": N_("Numbers in row {row} skip the gaps"),
    "row_accessible": N_("Wheelchair spaces in row {row}: seat positions (1, 2)"),
    "row_gaps_invalid": N_(
        "Row {row}: gaps go after a seat inside the row, written as 3 or 3x2, each once."
    ),
    "row_accessible_invalid": N_(
        "Row {row}: wheelchair spaces are seat positions from 1 to {seats}, each once."
    ),
    "wheelchair_space": N_("{label} — wheelchair space"),
    "section_n": N_("Section {number}"),
    "need_section": N_("Add at least one section."),
    "section_needs_name": N_("Every section needs a name."),
    "sections_differ": N_("Section names must differ: {section}."),
    "section_needs_price": N_("Section {section} needs a price."),
    "section_needs_row": N_("Section {section} needs a row."),
    "row_needs_label": N_("Every row needs a label."),
    "rows_differ": N_("Rows of {section} must differ: {row}."),
    "row_seat_range": N_("A row has 1 to 2000 seats."),
    "max_seats": N_("At most {max} seats per event."),
    "summary_one": N_("{seats} seats in 1 section."),
    "summary_many": N_("{seats} seats in {sections} sections."),
    "event_required": N_("Name, venue and start time are required."),
    "unknown_zone": N_("Unknown time zone {zone}."),
    "event_not_created": N_("The event could not be created."),
    "copied_from": N_("Copied from {name}: choose the new date and venue."),
    "event_now": N_("The event is now: {status}."),
    "sales_window_saved": N_("The sales window is saved."),
}

# Order and event statuses as the back office shows them (the API keeps the codes).
STATUS_NAMES: dict[str, str] = {
    "PENDING": N_("Pending"),
    "COMPLETED": N_("Completed"),
    "FAILED": N_("Failed"),
    "EXPIRED": N_("Expired"),
    "REFUNDING": N_("Being refunded"),
    "REFUNDED": N_("Refunded"),
    "DRAFT": N_("Draft"),
    "ON_SALE": N_("On sale"),
    "SALES_CLOSED": N_("Sales closed"),
    "CANCELLED": N_("Cancelled"),
}
SCRIPT_TEXTS.update({f"status_{code}": name for code, name in STATUS_NAMES.items()})


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


def status_name(value: str) -> str:
    """An order's or event's status as people read it, in the language in force."""
    name = STATUS_NAMES.get(str(value).upper())
    return gettext(name) if name else str(value)


def genre_name(value: str) -> str:
    """A genre as people read it, in the language in force."""
    name = GENRE_NAMES.get(str(value).upper())
    return gettext(name) if name else str(value).capitalize()


def sales_note(
    *, on_sale: bool, status: str, sales_start_at: datetime | None, zone: str, now: datetime
) -> str:
    """A line for the buyer when the event does not sell now: when it will, or that it ended
    (in the language in force; empty while it sells). The page shows it, and the seat stream
    sends it again whenever the answer changes."""
    if on_sale:
        return ""
    if status == "ON_SALE" and sales_start_at is not None and now < sales_start_at:
        return gettext("Sales open on %(when)s.") % {"when": format_start(sales_start_at, zone)}
    return gettext("Sales closed.")
