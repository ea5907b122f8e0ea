"""The hosted checkout page's HTML: plain, accessible, no scripts."""

from __future__ import annotations

from html import escape

from seatguard.payments.sandbox.records import SessionRecord

ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx",
                "vnd", "vuv", "xaf", "xof", "xpf"}  # fmt: skip

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;"
    "color:#1a1a1a}label{display:block;margin-top:.8rem;font-weight:600}"
    "input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}"
    "table{width:100%;border-collapse:collapse}td,th{padding:.3rem;text-align:left}"
    "td.num,th.num{text-align:right}.error{border:2px solid #b00020;padding:.6rem;"
    "color:#b00020;margin:1rem 0}button{margin-top:1.2rem;font-size:1.1rem;padding:.6rem 1.4rem}"
    ".row{display:flex;gap:.6rem}.row>div{flex:1}"
)


def money(amount: int, currency: str) -> str:
    if currency.lower() in ZERO_DECIMAL:
        return f"{amount:,} {currency.upper()}"
    return f"{amount / 100:,.2f} {currency.upper()}"


def document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f'<body><main aria-labelledby="title"><p>Test mode: no real money moves.</p>{body}'
        "</main></body></html>"
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
) -> str:
    values = values or {}
    total = money(session.amount_total, session.currency)
    rows = "".join(
        f"<tr><td>{escape(item.name)}</td><td class='num'>{item.quantity}</td>"
        f"<td class='num'>{money(item.amount, session.currency)}</td></tr>"
        for item in session.items
    )
    error = ""
    if error_message:
        error = (
            f'<div class="error" role="alert" id="payment-error"><strong>Payment failed:</strong> '
            f"{escape(error_message)} <span>(code: <code>{escape(error_code or '')}</code>)</span>"
            "</div>"
        )
    described = ' aria-describedby="payment-error"' if error else ""
    email = ""
    if not session.customer_email:
        email = _field("email", "Email", "email", values, autocomplete="email", required=False)
    cancel = ""
    if session.cancel_url:
        cancel = f'<p><a href="{escape(session.cancel_url)}">Cancel and return</a></p>'
    body = (
        f'<h1 id="title">Pay {total}</h1>'
        "<table><caption>Order summary</caption><thead><tr><th scope='col'>Item</th>"
        "<th scope='col' class='num'>Qty</th><th scope='col' class='num'>Amount</th></tr></thead>"
        f"<tbody>{rows}</tbody><tfoot><tr><th scope='row' colspan='2'>Total</th>"
        f"<td class='num' id='total'>{total}</td></tr></tfoot></table>"
        f"{error}"
        f'<form method="post" action="{escape(action)}"{described}>'
        f"{email}"
        + _field("card_number", "Card number", "text", values, autocomplete="cc-number",
                 inputmode="numeric")
        + '<div class="row"><div>'
        + _field("exp_month", "Expiry month (MM)", "text", values, autocomplete="cc-exp-month",
                 inputmode="numeric")
        + "</div><div>"
        + _field("exp_year", "Expiry year (YYYY)", "text", values, autocomplete="cc-exp-year",
                 inputmode="numeric")
        + "</div><div>"
        + _field("cvc", "CVC", "text", values, autocomplete="cc-csc", inputmode="numeric",
                 keep=False)
        + "</div></div>"
        + _field("cardholder", "Name on card", "text", values, autocomplete="cc-name")
        + f'<button type="submit">Pay {total}</button></form>{cancel}'
    )  # fmt: skip
    return document(f"Pay {total}", body)


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
