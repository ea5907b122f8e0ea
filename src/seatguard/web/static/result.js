/* The checkout result: poll the order until the payment is confirmed (or not). */
"use strict";
(function () {
  const SG = window.SG;
  const orderId = new URLSearchParams(location.search).get("order_id") || "";
  const $ = function (id) { return document.getElementById(id); };
  const REASONS = {
    seats_taken: SG.t("reason_seats_taken"),
    amount_mismatch: SG.t("reason_amount_mismatch"),
    event_cancelled: SG.t("reason_event_cancelled"),
    event_started: SG.t("reason_event_started"),
    fulfilment_failed: SG.t("reason_fulfilment_failed"),
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
      SG.text(status, SG.t("payment_confirmed"));
      actions.append(link("/my/tickets", SG.t("see_tickets")));
    } else if (order.status === "REFUNDED" || order.status === "REFUNDING") {
      SG.text(status, REASONS[order.statusReason] || SG.t("order_refunded"));
      actions.append(link("/events/" + order.eventId, SG.t("choose_other_seats")));
    } else if (order.status === "EXPIRED") {
      SG.text(status, SG.t("hold_expired_unpaid"));
      actions.append(link("/events/" + order.eventId, SG.t("choose_seats_again")));
    } else if (order.status === "FAILED") {
      SG.text(status, SG.t("payment_not_started"));
      actions.append(link("/events/" + order.eventId, SG.t("retry")));
    } else if (order.status === "CANCELLED") {
      SG.text(status, SG.t("order_cancelled"));
      actions.append(link("/events/" + order.eventId, SG.t("choose_seats_again")));
    }
  }

  async function poll(started) {
    const result = await SG.api("/api/v1/booking-orders/" + encodeURIComponent(orderId));
    if (result.status === 401) { location.assign(SG.loginUrl()); return; }
    if (!result.ok) {
      SG.text($("result-status"), (result.body && result.body.message) || SG.t("order_not_found"));
      return;
    }
    if (result.body.status !== "PENDING") { show(result.body); return; }
    if (result.body.statusReason === "awaiting_payment") {
      SG.text($("result-status"), SG.t("bank_processing"));
      return;
    }
    if (Date.now() - started > 120000) {
      SG.text($("result-status"), SG.t("still_waiting"));
      return;
    }
    setTimeout(function () { poll(started); }, 1000);
  }

  /* The buyer left the payment page with its cancel link: cancel the order, so its
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
      SG.text($("cancel-detail"), SG.t("order_cancelled_released"));
      actions.append(" · ", link("/events/" + order.eventId, SG.t("choose_seats_again")));
    } else if (order.error === "order_paid") {
      box.dataset.status = "PAID";
      SG.text($("cancel-detail"), SG.t("order_already_paid"));
      actions.prepend(link("/checkout/success?order_id=" + encodeURIComponent(orderId), SG.t("see_your_order")), " · ");
    } else {
      SG.text($("cancel-detail"), order.message || SG.t("cancel_failed"));
    }
  }

  if (!orderId) { SG.text($("result-status"), SG.t("no_order")); return; }
  if (!SG.token()) { location.assign(SG.loginUrl()); return; }
  if ($("result")) { poll(Date.now()); } else { cancelled(); }
})();
