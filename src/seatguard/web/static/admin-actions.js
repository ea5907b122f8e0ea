/* The back office's actions: one order's page (refund, resend), an event's sales state and
   window, and cancelling an event. */
"use strict";
(function () {
  const SG = window.SG;
  const $ = function (id) { return document.getElementById(id); };
  const when = function (iso) { return iso ? new Date(iso).toLocaleString(SG.locale, { hourCycle: SG.hourCycle }) : "—"; };
  const statusName = function (code) {
    const name = SG.t("status_" + code);
    return name === "status_" + code ? code : name;
  };

  /* Ask with the page's <dialog>; resolves true when confirmed. */
  function confirmWith(message) {
    const dialog = $("confirm-dialog");
    SG.text($("confirm-text"), message);
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function () { resolve(dialog.returnValue === "ok"); }, { once: true });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  async function call(path, method, body, headers) {
    if (!SG.token()) { location.assign(SG.loginUrl()); return null; }
    const result = await SG.api(path, { method: method, body: body, headers: headers });
    if (result.status === 401) { location.assign(SG.loginUrl()); return null; }
    return result;
  }
  const failure = function (result) {
    if (result.status === 403) { return SG.t("admins_only"); }
    return SG.t("action_failed", { message: (result.body && result.body.message) || result.status });
  };

  function item(text, attrs) { return SG.el("li", Object.assign({ text: text }, attrs || {})); }

  async function orderPage(root) {
    const id = root.dataset.orderId;
    const state = $("order-state");
    let order = null;

    function render(detail) {
      order = detail.order;
      const money = function (minor) { return SG.money(minor, order.currency); };
      SG.text($("order-title"), detail.reference + " · " + order.eventName);
      SG.text($("o-status"), statusName(order.status));
      SG.text($("o-amount"), money(order.amount));
      SG.text($("o-refunded"), money(order.refundedAmount));
      $("o-facts").replaceChildren(
        SG.el("dt", { text: SG.t("buyer") }), SG.el("dd", { text: (detail.customerName || "") + " " + (detail.customerEmail || "") }),
        SG.el("dt", { text: SG.t("event") }), SG.el("dd", { text: order.eventName + " · " + when(order.eventHour) }),
        SG.el("dt", { text: SG.t("payment") }),
        SG.el("dd", { text: SG.t("gateway_ids", { session: order.paymentProviderId || "—", intent: order.paymentIntentId || "—" }) +
          (order.refundStatus ? " · " + order.refundStatus + " " + (detail.gatewayRefundId || "") : "") }));
      const tickets = new Map(detail.tickets.filter(function (t) { return !t.voidedAt; }).map(function (t) { return [t.seatId, t]; }));
      const voided = new Map(detail.tickets.filter(function (t) { return t.voidedAt; }).map(function (t) { return [t.seatId, t]; }));
      const body = document.querySelector("[data-testid=order-items] tbody");
      body.replaceChildren.apply(body, order.items.map(function (i) {
        const ticket = tickets.get(i.seatId) || voided.get(i.seatId);
        const label = i.section + " " + i.number;
        const box = SG.el("input", { type: "checkbox", name: "seat", value: i.seatId, "aria-label": label });
        box.disabled = i.refunded || order.status !== "COMPLETED";
        return SG.el("tr", { "data-seat-id": i.seatId, "data-refunded": String(i.refunded) }, [
          SG.el("td", {}, [box]), SG.el("th", { scope: "row", text: label }),
          SG.el("td", { class: "num", text: money(i.priceMinor) }),
          SG.el("td", { text: ticket ? ticket.shortCode + (ticket.voidedAt ? " (" + SG.t("ticket_void") + ")" : "") : "—" }),
          SG.el("td", { text: ticket && ticket.checkedInAt ? when(ticket.checkedInAt) : SG.t("not_yet") })]);
      }));
      const refunds = $("o-refunds");
      refunds.replaceChildren.apply(refunds, detail.refunds.length ? detail.refunds.map(function (r) {
        return item(SG.t("refund_line", { amount: money(r.amount), status: r.status || "—", when: when(r.createdAt) }));
      }) : [item(SG.t("no_refunds"))]);
      const disputes = $("o-disputes");
      const list = order.disputes || [];
      disputes.replaceChildren.apply(disputes, list.length ? list.map(function (d) {
        return item(d.id + " · " + d.status + " · " + d.reason + " · " + money(d.amount));
      }) : [item(SG.t("no_disputes"))]);
      const emails = $("o-emails");
      emails.replaceChildren.apply(emails, detail.emails.map(function (e) {
        return item(e.kind + " · " + (e.sentAt ? when(e.sentAt) : SG.t("email_pending")), { "data-kind": e.kind });
      }));
      ["refund-chosen", "refund-all", "resend"].forEach(function (b) { $(b).disabled = order.status !== "COMPLETED"; });
    }

    async function load() {
      const result = await call("/api/v1/admin/orders/" + id, "GET");
      if (!result) { return; }
      if (!result.ok) { SG.text(state, failure(result)); return; }
      render(result.body);
    }

    async function refund(seatIds) {
      const chosen = order.items.filter(function (i) { return !seatIds || seatIds.includes(i.seatId); });
      const amount = SG.money(chosen.reduce(function (sum, i) { return sum + i.priceMinor; }, 0), order.currency);
      const question = seatIds
        ? SG.t("confirm_refund_seats", { amount: amount, seats: chosen.map(function (i) { return i.section + " " + i.number; }).join(", ") })
        : SG.t("confirm_refund_all", { amount: SG.money(order.amount - order.refundedAmount, order.currency) });
      if (!(await confirmWith(question))) { return; }
      const body = { reason: $("refund-reason").value.trim() };
      if (seatIds) { body.seatIds = seatIds; }
      const key = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/-/g, "");
      const result = await call("/api/v1/booking-orders/" + id + "/refund", "POST", body, { "Idempotency-Key": key });
      if (!result) { return; }
      if (!result.ok) { SG.text(state, failure(result)); return; }
      const back = result.body.refundedAmount - order.refundedAmount;
      const settled = result.body.status === "REFUNDED" || result.body.items.some(function (i) { return i.refunded; });
      SG.text(state, settled ? SG.t("refund_done", { amount: SG.money(back, order.currency) }) : SG.t("refund_waiting"));
      await load();
    }

    $("refund-chosen").addEventListener("click", function () {
      const ids = Array.from(root.querySelectorAll("input[name=seat]:checked")).map(function (b) { return b.value; });
      if (!ids.length) { SG.text(state, SG.t("choose_seats_to_refund")); return; }
      refund(ids);
    });
    $("refund-all").addEventListener("click", function () { refund(null); });
    $("resend").addEventListener("click", async function () {
      const result = await call("/api/v1/booking-orders/" + id + "/resend", "POST");
      if (!result) { return; }
      SG.text(state, result.ok ? SG.t("resend_done") : failure(result));
      if (result.ok) { setTimeout(load, 1500); }
    });
    load();
  }

  function cancelEvent(root) {
    const id = root.dataset.eventId;
    const button = $("cancel-event");
    if (!button) { return; }
    button.addEventListener("click", async function () {
      const preview = await call("/api/v1/admin/events/" + id + "/cancellation", "GET");
      if (!preview) { return; }
      if (!preview.ok) { SG.text($("cancel-state"), failure(preview)); return; }
      const question = SG.t("confirm_cancel_event", { paid: preview.body.paidOrders, open: preview.body.openOrders });
      if (!(await confirmWith(question))) { return; }
      const result = await call("/api/v1/events/" + id, "DELETE");
      if (!result) { return; }
      SG.text($("cancel-state"), result.ok ? SG.t("event_cancelled_done") : failure(result));
      button.disabled = result.ok;
    });
  }

  /* The event's state (publish, close and reopen sales) and its sales window. */
  function salesCard(root) {
    const id = root.dataset.eventId;
    const state = $("sales-state");
    let event = null;
    const moves = { "publish-event": ["publish", "DRAFT"], "close-sales": ["close-sales", "ON_SALE"],
      "reopen-sales": ["reopen-sales", "SALES_CLOSED"] };

    function render(e) {
      event = e;
      SG.text($("sales-status"), statusName(e.status));
      $("sales-status").dataset.status = e.status;
      Object.keys(moves).forEach(function (b) { $(b).hidden = e.status !== moves[b][1]; });
      $("sales-start").value = SG.venueTime.toLocal(e.salesStartAt, e.timezone);
      $("sales-end").value = SG.venueTime.toLocal(e.salesEndAt, e.timezone);
      $("save-window").disabled = e.status === "CANCELLED";
    }

    async function load() {
      const result = await call("/api/v1/admin/events/" + id + "/dashboard", "GET");
      if (!result) { return; }
      if (!result.ok) { SG.text(state, failure(result)); return; }
      render(result.body.event);
    }

    Object.keys(moves).forEach(function (b) {
      $(b).addEventListener("click", async function () {
        const result = await call("/api/v1/events/" + id + "/" + moves[b][0], "POST");
        if (!result) { return; }
        SG.text(state, result.ok ? SG.t("event_now", { status: statusName(result.body.status) }) : failure(result));
        await load();
      });
    });
    $("save-window").addEventListener("click", async function () {
      const toUtc = SG.venueTime.toUtc;
      const start = $("sales-start").value, end = $("sales-end").value;
      const body = { salesStartAt: start ? toUtc(start, event.timezone) : null,
        salesEndAt: end ? toUtc(end, event.timezone) : null };
      const result = await call("/api/v1/events/" + id, "PATCH", body);
      if (!result) { return; }
      SG.text(state, result.ok ? SG.t("sales_window_saved") : failure(result));
      await load();
    });
    load();
  }

  const order = document.querySelector("[data-page=admin-order]");
  if (order) { orderPage(order); }
  const dashboard = document.querySelector("[data-page=admin-dashboard]");
  if (dashboard) { cancelEvent(dashboard); salesCard(dashboard); }
})();
