/* My orders and tickets, with each order's tickets downloadable as a PDF. */
"use strict";
(function () {
  const SG = window.SG;
  const $ = function (id) { return document.getElementById(id); };
  const STATUS = { COMPLETED: "Paid", PENDING: "Awaiting payment", EXPIRED: "Expired",
    FAILED: "Failed", REFUNDING: "Being refunded", REFUNDED: "Refunded", CANCELLED: "Cancelled" };

  async function cancel(order, button) {
    button.disabled = true;
    const result = await SG.api("/api/v1/booking-orders/" + encodeURIComponent(order.id) + "/cancel",
      { method: "POST" });
    if (!result.ok) {
      button.disabled = false;
      SG.text($("tickets-status"), (result.body && result.body.message) || "The order could not be cancelled.");
      return;
    }
    await load();
    SG.text($("tickets-status"), "Your order for " + order.eventName + " was cancelled and its seats released.");
  }

  async function download(orderId, button) {
    button.disabled = true;
    SG.text($("tickets-status"), "Preparing your PDF…");
    const response = await fetch("/api/v1/tickets/" + orderId + "/download", {
      headers: { Authorization: "Bearer " + SG.token() } });
    button.disabled = false;
    if (!response.ok) { SG.text($("tickets-status"), "The PDF could not be downloaded; please try again."); return; }
    const url = URL.createObjectURL(await response.blob());
    const a = SG.el("a", { href: url, download: "seatguard-tickets-" + orderId + ".pdf" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    SG.text($("tickets-status"), "Your tickets were downloaded.");
  }

  function orderCard(order, tickets) {
    const card = SG.el("article", { class: "card order", "data-order-id": order.id, "data-status": order.status });
    const when = new Date(order.eventHour).toLocaleString();
    card.append(
      SG.el("h2", { text: order.eventName }),
      SG.el("p", { text: when + " · " + SG.money(order.amount, order.currency) + " · " + (STATUS[order.status] || order.status) }));
    if (tickets.length) {
      card.append(SG.el("ul", { class: "tickets" }, tickets.map(function (t) {
        return SG.el("li", { "data-ticket-id": t.id }, [SG.el("strong", { text: t.seatLabel }), " ",
          SG.el("code", { class: "short-code", text: t.shortCode, "data-testid": "short-code" }),
          t.checkedInAt ? " · checked in" : ""]);
      })));
      const button = SG.el("button", { type: "button", class: "primary", text: "Download PDF",
        "aria-label": "Download the tickets for " + order.eventName + " as PDF" });
      button.addEventListener("click", function () { download(order.id, button); });
      card.append(button);
    } else if (order.status === "PENDING" && order.checkoutUrl) {
      const button = SG.el("button", { type: "button", class: "secondary", text: "Cancel order",
        "aria-label": "Cancel the order for " + order.eventName + " and release its seats" });
      button.addEventListener("click", function () { cancel(order, button); });
      card.append(SG.el("a", { href: order.checkoutUrl, text: "Complete the payment" }), " ", button);
    }
    return card;
  }

  async function load() {
    if (!SG.token()) { location.assign(SG.loginUrl()); return; }
    const orders = await SG.api("/api/v1/booking-orders?limit=100");
    const tickets = await SG.api("/api/v1/tickets?limit=200");
    if (orders.status === 401) { location.assign(SG.loginUrl()); return; }
    if (!orders.ok || !tickets.ok) { SG.text($("tickets-status"), "Your orders could not be loaded."); return; }
    const byOrder = {};
    tickets.body.forEach(function (t) { (byOrder[t.orderId] = byOrder[t.orderId] || []).push(t); });
    $("orders").replaceChildren.apply($("orders"), orders.body.map(function (o) { return orderCard(o, byOrder[o.id] || []); }));
    SG.text($("tickets-status"), orders.body.length ? orders.body.length + " order(s)." : "You have no orders yet.");
  }

  load();
})();
