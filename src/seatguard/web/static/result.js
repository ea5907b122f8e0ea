/* The checkout result: poll the order until the payment is confirmed (or not). */
"use strict";
(function () {
  const SG = window.SG;
  const orderId = new URLSearchParams(location.search).get("order_id") || "";
  const $ = function (id) { return document.getElementById(id); };
  const REASONS = {
    seats_taken: "Your hold expired and the seats were sold to someone else; you have been refunded.",
    amount_mismatch: "The amount paid did not match the order; you have been refunded.",
  };

  function link(href, label) { return SG.el("a", { href: href, text: label }); }

  function items(order) {
    return SG.el("ul", {}, order.items.map(function (i) {
      return SG.el("li", { text: i.section + " " + i.number });
    }));
  }

  function show(order) {
    const status = $("result-status");
    const detail = $("result-detail");
    const actions = $("result-actions");
    document.getElementById("result").dataset.status = order.status;
    detail.replaceChildren(SG.el("p", { text: order.eventName + " · " + SG.money(order.amount, order.currency) }), items(order));
    actions.replaceChildren();
    if (order.status === "COMPLETED") {
      SG.text(status, "Payment confirmed — your tickets are ready.");
      actions.append(link("/my/tickets", "See and download your tickets"));
    } else if (order.status === "REFUNDED") {
      SG.text(status, REASONS[order.statusReason] || "This order was refunded.");
      actions.append(link("/events/" + order.eventId, "Choose other seats"));
    } else if (order.status === "EXPIRED") {
      SG.text(status, "Your hold expired before the payment was completed; nothing was charged.");
      actions.append(link("/events/" + order.eventId, "Choose seats again"));
    } else if (order.status === "FAILED") {
      SG.text(status, "The payment could not be started; nothing was charged.");
      actions.append(link("/events/" + order.eventId, "Try again"));
    } else if (order.status === "CANCELLED") {
      SG.text(status, "This order was cancelled; nothing was charged.");
      actions.append(link("/events/" + order.eventId, "Choose seats again"));
    }
  }

  async function poll(started) {
    const result = await SG.api("/api/v1/booking-orders/" + encodeURIComponent(orderId));
    if (result.status === 401) { location.assign(SG.loginUrl()); return; }
    if (!result.ok) {
      SG.text($("result-status"), (result.body && result.body.message) || "We could not find this order.");
      return;
    }
    if (result.body.status !== "PENDING") { show(result.body); return; }
    if (Date.now() - started > 120000) {
      SG.text($("result-status"), "Still waiting for the payment confirmation; refresh this page in a minute.");
      return;
    }
    setTimeout(function () { poll(started); }, 1000);
  }

  /* The buyer chose "Cancel and return" on the payment page: cancel the order, so its
     seats are free for everyone at once instead of staying held until the hold runs out. */
  async function cancelled() {
    const box = $("cancelled");
    const path = "/api/v1/booking-orders/" + encodeURIComponent(orderId) + "/cancel";
    const result = await SG.api(path, { method: "POST" });
    if (result.status === 401) { location.assign(SG.loginUrl()); return; }
    const order = result.body || {};
    const actions = $("cancel-actions");
    if (result.ok) {
      box.dataset.status = "CANCELLED";
      SG.text($("cancel-detail"), "Your order was cancelled and its seats were released.");
      actions.append(" · ", link("/events/" + order.eventId, "Choose seats again"));
    } else if (order.error === "order_paid") {
      box.dataset.status = "PAID";
      SG.text($("cancel-detail"), "This order has already been paid, so it was not cancelled.");
      actions.prepend(link("/checkout/success?order_id=" + encodeURIComponent(orderId), "See your order"), " · ");
    } else {
      SG.text($("cancel-detail"), order.message || "This order could not be cancelled.");
    }
  }

  if (!orderId) { SG.text($("result-status"), "No order was named."); return; }
  if (!SG.token()) { location.assign(SG.loginUrl()); return; }
  if ($("result")) { poll(Date.now()); } else { cancelled(); }
})();
