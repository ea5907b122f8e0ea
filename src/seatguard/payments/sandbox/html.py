"""The hosted checkout page's HTML: plain, accessible, no scripts."""

from __future__ import annotations

from html import escape

from seatguard.payments.sandbox.records import ItemRecord, SessionRecord
from seatguard.payments.sandbox.texts import TEXTS
from seatguard.tickets.formatting import format_money

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;"
    "color:#1a1a1a}label{display:block;margin-top:.8rem;font-weight:600}"
    "input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}"
    "table{width:100%;border-collapse:collapse}td,th{padding:.3rem;text-align:left}"
    "td.num,th.num{text-align:right}.error{border:2px solid #b00020;padding:.6rem;"
    "color:#b00020;margin:1rem 0}button{margin-top:1.2rem;font-size:1.1rem;padding:.6rem 1.4rem}"
    ".row{display:flex;gap:.6rem}.row>div{flex:1}.hold{font-weight:600}"
)
# Ticks the hold's countdown each second; the page reads the same without it.
_COUNTDOWN = (
    "<script>(function(){var n=document.getElementById('hold-left');if(!n)return;"
    "var end=Number(n.dataset.until)*1000;function tick(){var s=Math.max(0,Math.round("
    "(end-Date.now())/1000));n.textContent=Math.floor(s/60)+':'+String(s%60).padStart(2,'0');"
    "if(s>0)setTimeout(tick,1000);}tick();})();</script>"
)


def document(title: str, body: str, *, language: str = "en") -> str:
    test_mode = TEXTS[language]["test_mode"]
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f'<body><main aria-labelledby="title"><p>{test_mode}</p>{body}'
        "</main></body></html>"
    )


def event_and_seats(items: list[ItemRecord]) -> tuple[str | None, list[str]]:
    """The shop names each line ``Event — Seat``: the event once, then its seats."""
    parts = [item.name.rpartition(" — ") for item in items]
    events = {event for event, sep, _ in parts if sep}
    if len(events) != 1 or any(not sep for _, sep, _ in parts):
        return None, []
    return events.pop(), [seat for _, _, seat in parts]


def hold_notice(session: SessionRecord, *, now: int, language: str) -> str:
    """The seats' hold (the shop's ``hold_expires_at``, else the session's expiry) counting down."""
    raw = session.metadata.get("hold_expires_at", "")
    until = int(raw) if raw.isdigit() else session.expires_at
    left = max(0, until - now)
    if left == 0:
        return f'<p class="hold" role="status" id="hold">{TEXTS[language]["held_over"]}</p>'
    clock = f'<time id="hold-left" data-until="{until}">{left // 60}:{left % 60:02d}</time>'
    # A countdown, not a time of day: the shop writes times in the event's zone, which
    # this page does not know, and a second clock in UTC would contradict it.
    text = escape(TEXTS[language]["held"]).format(countdown=clock)
    return f'<p class="hold" id="hold" data-testid="hold">{text}</p>{_COUNTDOWN}'


def _summary(session: SessionRecord, *, now: int, language: str) -> str:
    event, seats = event_and_seats(session.items)
    if event is None:
        return hold_notice(session, now=now, language=language)
    seat_list = "".join(f"<li>{escape(seat)}</li>" for seat in seats)
    return (
        f'<p id="event" data-testid="event"><strong>{escape(event)}</strong></p>'
        f'<p id="seats-label">{TEXTS[language]["seats"]}</p>'
        f'<ul aria-labelledby="seats-label" data-testid="seats">{seat_list}</ul>'
        + hold_notice(session, now=now, language=language)
    )


def notice_page(title: str, message: str, *, link: str | None = None, link_text: str = "") -> str:
    extra = f'<p><a href="{escape(link)}">{escape(link_text)}</a></p>' if link else ""
    return document(title, f'<h1 id="title">{escape(title)}</h1><p>{escape(message)}</p>{extra}')


def checkout_page(
    session: SessionRecord,
    *,
    action: str,
    error_code: str | None = None,
    error_message: str | None = None,
    values: dict[str, str] | None = None,
    now: int,
    language: str = "en",
) -> str:
    values = values or {}
    t = TEXTS[language]
    total = format_money(session.amount_total, session.currency, language)
    rows = "".join(
        f"<tr><td>{escape(item.name)}</td><td class='num'>{item.quantity}</td>"
        f"<td class='num'>{format_money(item.amount, session.currency, language)}</td></tr>"
        for item in session.items
    )
    error = ""
    if error_message:
        error = (
            f'<div class="error" role="alert" id="payment-error"><strong>{t["failed"]}</strong> '
            f"{escape(error_message)} <span>({t['code']}: <code>{escape(error_code or '')}</code>)"
            "</span>"
            "</div>"
        )
    described = ' aria-describedby="payment-error"' if error else ""
    email = ""
    if not session.customer_email:
        email = _field("email", t["email"], "email", values, autocomplete="email", required=False)
    cancel = ""
    if session.cancel_url:
        cancel = f'<p><a href="{escape(session.cancel_url)}">{t["cancel"]}</a></p>'
    pay = t["pay"].format(total=total)
    body = (
        f'<h1 id="title">{pay}</h1>'
        + _summary(session, now=now, language=language)
        + f"<table><caption>{t['summary']}</caption><thead><tr><th scope='col'>{t['item']}</th>"
        f"<th scope='col' class='num'>{t['qty']}</th>"
        f"<th scope='col' class='num'>{t['amount']}</th></tr></thead>"
        f"<tbody>{rows}</tbody><tfoot><tr><th scope='row' colspan='2'>{t['total']}</th>"
        f"<td class='num' id='total'>{total}</td></tr></tfoot></table>"
        f"{error}"
        f'<form method="post" action="{escape(action)}"{described}>'
        f"{email}"
        + _field("card_number", t["card_number"], "text", values, autocomplete="cc-number",
                 inputmode="numeric")
        + '<div class="row"><div>'
        + _field("exp_month", t["exp_month"], "text", values, autocomplete="cc-exp-month",
                 inputmode="numeric")
        + "</div><div>"
        + _field("exp_year", t["exp_year"], "text", values, autocomplete="cc-exp-year",
                 inputmode="numeric")
        + "</div><div>"
        + _field("cvc", t["cvc"], "text", values, autocomplete="cc-csc", inputmode="numeric",
                 keep=False)
        + "</div></div>"
        + _field("cardholder", t["cardholder"], "text", values, autocomplete="cc-name")
        + f'<button type="submit">{pay}</button></form>{cancel}'
    )  # fmt: skip
    return document(pay, body, language=language)


def _field(
    name: str,
    label: str,
    kind: str,
    values: dict[str, str],
    *,
    autocomplete: str,
    inputmode: str | None = None,
    required: bool = True,
    keep: bool = True,
) -> str:
    value = escape(values.get(name, "")) if keep else ""
    mode = f' inputmode="{inputmode}"' if inputmode else ""
    req = " required" if required else ""
    return (
        f'<label for="{name}">{escape(label)}</label>'
        f'<input id="{name}" name="{name}" type="{kind}" autocomplete="{autocomplete}"'
        f'{mode}{req} value="{value}">'
    )
