/* My orders and tickets, with each order's tickets downloadable as a PDF. */
"use strict";
(function () {
  const SG = window.SG;
  const $ = function (id) { return document.getElementById(id); };
  const STATUS = { COMPLETED: "order_paid", PENDING: "order_awaiting_payment", EXPIRED: "status_EXPIRED",
    FAILED: "status_FAILED", REFUNDING: "status_REFUNDING", REFUNDED: "status_REFUNDED",
    CANCELLED: "status_CANCELLED" };

  function statusName(status) { return STATUS[status] ? SG.t(STATUS[status]) : status; }

  async function cancel(order, button) {
    button.disabled = true;
    const result = await SG.api("/api/v1/booking-orders/" + encodeURIComponent(order.id) + "/cancel",
      { method: "POST" });
    if (!result.ok) {
      button.disabled = false;
      SG.text($("tickets-status"), (result.body && result.body.message) || SG.t("cancel_failed"));
      return;
    }
    await load();
    SG.text($("tickets-status"), SG.t("order_for_cancelled", { event: order.eventName }));
  }

  async function download(orderId, button) {
    button.disabled = true;
    SG.text($("tickets-status"), SG.t("preparing_pdf"));
    const response = await fetch("/api/v1/tickets/" + orderId + "/download", {
      headers: { Authorization: "Bearer " + SG.token() } });
    button.disabled = false;
    if (!response.ok) { SG.text($("tickets-status"), SG.t("pdf_failed")); return; }
    const url = URL.createObjectURL(await response.blob());
    const a = SG.el("a", { href: url, download: "seatguard-tickets-" + orderId + ".pdf" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    SG.text($("tickets-status"), SG.t("pdf_downloaded"));
  }

  /* The event's time in its own zone, as the other pages write it (the buyer's own time is
     added beside it by SG.showOwnTimes). */
  function eventTime(order) {
    return SG.el("time", { class: "event-time", datetime: order.eventHour, "data-zone": order.eventTimezone,
      "data-testid": "order-time", text: order.eventTime });
  }

  function seatList(order) {
    return SG.el("ul", { class: "tickets", "data-testid": "order-seats" }, order.items.map(function (item) {
      return SG.el("li", { "data-seat-id": item.seatId }, [SG.el("strong", { text: item.section + " " + item.number }),
        " · " + SG.money(item.priceMinor, order.currency)]);
    }));
  }

  function orderCard(order, tickets) {
    const card = SG.el("article", { class: "card order", "data-order-id": order.id, "data-status": order.status });
    card.append(
      SG.el("h2", { text: order.eventName }),
      SG.el("p", { "data-testid": "order-venue", text: order.eventLocation }),
      SG.el("p", {}, [eventTime(order)]),
      SG.el("p", {}, [SG.t("order_reference") + " ",
        SG.el("strong", { "data-testid": "order-reference", text: order.reference }),
        " · " + SG.money(order.amount, order.currency) + " · " + statusName(order.status)]));
    if (tickets.length) {
      card.append(SG.el("ul", { class: "tickets" }, tickets.map(function (t) {
        return SG.el("li", { "data-ticket-id": t.id }, [SG.el("strong", { text: t.seatLabel }), " ",
          SG.el("code", { class: "short-code", text: t.shortCode, "data-testid": "short-code" }),
          t.checkedInAt ? " · " + SG.t("checked_in") : ""]);
      })));
      const button = SG.el("button", { type: "button", class: "primary", text: SG.t("download_pdf"),
        "aria-label": SG.t("download_pdf_for", { event: order.eventName }) });
      button.addEventListener("click", function () { download(order.id, button); });
      card.append(button);
    } else if (order.items.length) {
      card.append(seatList(order));
    }
    if (!tickets.length && order.status === "PENDING" && order.checkoutUrl) {
      const button = SG.el("button", { type: "button", class: "secondary", text: SG.t("cancel_order"),
        "aria-label": SG.t("cancel_order_for", { event: order.eventName }) });
      button.addEventListener("click", function () { cancel(order, button); });
      card.append(SG.el("a", { href: order.checkoutUrl, text: SG.t("complete_payment") }), " ", button);
    }
    return card;
  }

  async function load() {
    if (!SG.token()) { location.assign(SG.loginUrl()); return; }
    const orders = await SG.api("/api/v1/booking-orders?limit=100");
    const tickets = await SG.api("/api/v1/tickets?limit=200");
    if (orders.status === 401) { location.assign(SG.loginUrl()); return; }
    if (!orders.ok || !tickets.ok) { SG.text($("tickets-status"), SG.t("orders_failed")); return; }
    const byOrder = {};
    tickets.body.forEach(function (t) { (byOrder[t.orderId] = byOrder[t.orderId] || []).push(t); });
    $("orders").replaceChildren.apply($("orders"), orders.body.map(function (o) { return orderCard(o, byOrder[o.id] || []); }));
    SG.showOwnTimes($("orders"));
    SG.text($("tickets-status"), orders.body.length ? SG.t(orders.body.length === 1 ? "orders_one" : "orders_many", { count: orders.body.length }) : SG.t("no_orders"));
  }

  load();
})();
