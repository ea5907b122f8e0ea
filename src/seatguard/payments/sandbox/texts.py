"""The hosted checkout page in the buyer's language, as Stripe's own page follows the browser's.

The sandbox carries its few texts itself (it stands for a service outside the shop).
"""

from __future__ import annotations

from seatguard.common.i18n import from_accept_language

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "test_mode": "Test mode: no real money moves.",
        "pay": "Pay {total}",
        "summary": "Order summary",
        "item": "Item",
        "qty": "Qty",
        "amount": "Amount",
        "total": "Total",
        "seats": "Seats",
        "held": "Your seats are held for {countdown} more.",
        "held_over": "Your seats' hold has run out; they may no longer be yours.",
        "failed": "Payment failed:",
        "code": "code",
        "email": "Email",
        "card_number": "Card number",
        "exp_month": "Expiry month (MM)",
        "exp_year": "Expiry year (YYYY)",
        "cvc": "CVC",
        "cardholder": "Name on card",
        "cancel": "Cancel and return",
    },
    "es": {
        "test_mode": "Modo de prueba: no se mueve dinero real.",
        "pay": "Pagar {total}",
        "summary": "Resumen del pedido",
        "item": "Concepto",
        "qty": "Cant.",
        "amount": "Importe",
        "total": "Total",
        "seats": "Butacas",
        "held": "Tus butacas quedan reservadas {countdown} más.",
        "held_over": "La reserva de tus butacas venció; puede que ya no sean tuyas.",
        "failed": "El pago falló:",
        "code": "código",
        "email": "Correo electrónico",
        "card_number": "Número de tarjeta",
        "exp_month": "Mes de vencimiento (MM)",
        "exp_year": "Año de vencimiento (AAAA)",
        "cvc": "Código de seguridad",
        "cardholder": "Nombre en la tarjeta",
        "cancel": "Cancelar y volver",
    },
}


def page_language(accept_language: str | None) -> str:
    """The buyer's language among the page's, English otherwise."""
    chosen = from_accept_language(accept_language)
    return chosen if chosen in TEXTS else "en"
