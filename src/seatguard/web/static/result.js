/* The checkout result: poll the order until the payment is confirmed (or not). */
"use strict";
(function () {
  const SG = window.SG;
  const orderId = new URLSearchParams(location.search).get("order_id") || "";
  const $ = function (id) { return document.getElementById(id); };
  const REASONS = {
    seats_taken: "Your hold expired and the seats were sold to someone else; you have been refunded.",
    amount_mismatch: "The amount paid did not match the order; you have been refunded.",
    event_cancelled: "This event was cancelled; your payment is being refunded.",
    event_started: "Your payment arrived after the event had started; it is being refunded.",
    fulfilment_failed: "We could not issue your tickets; your payment is being refunded.",
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
    } else if (order.status === "REFUNDED" || order.status === "REFUNDING") {
      SG.text(status, REASONS[order.statusReason] || "This order was refunded.");
      actions.append(link("/events/" + order.eventId, "Choose other seats"));
    } else if (order.status === "EXPIRED") {
      SG.text(status, "Your hold expired before the payment was completed; nothing was charged.");
      actions.append(link("/events/" + order.eventId, "Choose seats again"));
    } else if (order.status === "FAILED") {
      SG.text(status, "The payment could not be started; nothing was charged.");
      actions.append(link("/events/" + order.eventId, "Try again"));
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
    if (result.body.statusReason === "awaiting_payment") {
      SG.text($("result-status"), "Your bank is processing the payment; we will email your tickets when it clears.");
      return;
    }
    if (Date.now() - started > 120000) {
      SG.text($("result-status"), "Still waiting for the payment confirmation; refresh this page in a minute.");
      return;
    }
    setTimeout(function () { poll(started); }, 1000);
  }

  async function cancelled() {
    const result = await SG.api("/api/v1/booking-orders/" + encodeURIComponent(orderId));
    if (!result.ok) { return; }
    const order = result.body;
    if (order.status === "PENDING" && order.holdExpiresAt) {
      const until = new Date(order.holdExpiresAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      SG.text($("cancel-detail"), "Your seats stay held until " + until + ".");
      const actions = $("cancel-actions");
      if (order.checkoutUrl) { actions.prepend(link(order.checkoutUrl, "Return to the payment page"), " · "); }
      actions.append(" · ", link("/events/" + order.eventId, "Back to the seat map"));
    }
  }

  if (!orderId) { SG.text($("result-status"), "No order was named."); return; }
  if (!SG.token()) { location.assign(SG.loginUrl()); return; }
  if ($("result")) { poll(Date.now()); } else { cancelled(); }
})();
