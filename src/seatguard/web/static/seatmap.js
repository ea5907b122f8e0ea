/* The seat map: select seats, hold them, watch them live, pay. */
"use strict";
(function () {
  const SG = window.SG;
  const root = document.getElementById("seatmap-app");
  if (!root) { return; }
  const eventId = root.dataset.eventId;
  const currency = root.dataset.currency;
  const storeKey = "seatguard.hold." + eventId;
  const buttons = new Map();
  document.querySelectorAll("button.seat").forEach(function (b) { buttons.set(b.dataset.seatId, b); });

  const selected = new Set();
  const pending = new Set();
  const mine = new Set();
  let expiresAt = null;
  let skewMs = 0;
  let ticker = null;

  const $ = function (id) { return document.getElementById(id); };
  const label = function (id) {
    const b = buttons.get(id);
    return b ? b.dataset.section + " " + b.dataset.label : "a seat";
  };
  const names = function (ids) { return ids.map(label).join(", "); };
  const say = function (message) { SG.text($("messages"), message); SG.text($("alerts"), ""); };
  const warn = function (message) { SG.text($("alerts"), message); };
  const now = function () { return Date.now() + skewMs; };

  function save() {
    if (mine.size && expiresAt) {
      localStorage.setItem(storeKey, JSON.stringify({ seatIds: Array.from(mine), expiresAt: expiresAt.toISOString() }));
    } else {
      localStorage.removeItem(storeKey);
    }
  }

  function setStatus(id, status) {
    const b = buttons.get(id);
    if (!b) { return; }
    const before = b.dataset.status;
    b.dataset.status = status;
    if (pending.has(id)) { return; }
    if (status !== "AVAILABLE" && selected.has(id)) {
      selected.delete(id);
      warn("Seat " + label(id) + " was just taken by someone else. Please choose another seat.");
    }
    if (mine.has(id) && status !== "LOCKED" && before === "LOCKED") {
      mine.delete(id);
      if (!mine.size) { expiresAt = null; }
      save();
      if (status === "AVAILABLE") {  // the server saw the hold run out before our countdown did
        warn("Your hold on " + label(id) + " expired and the seats were released. Select them again if they are still free.");
      }
    }
  }

  function render() {
    buttons.forEach(function (b, id) {
      const status = b.dataset.status;
      let cls = "seat-" + status.toLowerCase();
      if (mine.has(id)) { cls = "seat-mine"; } else if (selected.has(id)) { cls = "seat-selected"; }
      b.className = "seat " + cls;
      b.setAttribute("aria-pressed", String(selected.has(id) || mine.has(id)));
      const usable = status === "AVAILABLE" || mine.has(id) || selected.has(id);
      if (usable) { b.removeAttribute("aria-disabled"); } else { b.setAttribute("aria-disabled", "true"); }
      const state = mine.has(id) ? "held for you" : selected.has(id) ? "selected"
        : status === "AVAILABLE" ? "available" : status === "SOLD" ? "sold" : "held by someone else";
      b.title = b.dataset.label + " — " + state;
      b.setAttribute("aria-label", "Seat " + b.dataset.label + ", " + b.dataset.section + ", "
        + SG.money(Number(b.dataset.price), currency) + ", " + state);
    });
    const count = selected.size;
    SG.text($("selection-summary"), count ? count + " seat" + (count === 1 ? "" : "s") + " selected: " + names(Array.from(selected))
      : "No seats selected.");
    $("hold").disabled = count === 0;
    $("held-box").hidden = mine.size === 0;
    const list = $("held-list");
    list.replaceChildren();
    let total = 0;
    mine.forEach(function (id) {
      const b = buttons.get(id);
      total += Number(b.dataset.price);
      const release = SG.el("button", { type: "button", class: "secondary small", text: "Release",
        "aria-label": "Release seat " + b.dataset.label });
      release.addEventListener("click", function () { releaseSeat(id); });
      list.append(SG.el("li", {}, [label(id) + " · " + SG.money(Number(b.dataset.price), currency) + " ", release]));
    });
    SG.text($("held-total"), SG.money(total, currency));
    tick();
  }

  function tick() {
    if (!expiresAt || !mine.size) { SG.text($("countdown"), "--:--"); return; }
    const left = Math.max(0, Math.round((expiresAt.getTime() - now()) / 1000));
    SG.text($("countdown"), String(Math.floor(left / 60)).padStart(2, "0") + ":" + String(left % 60).padStart(2, "0"));
    if (left <= 0) {
      const gone = Array.from(mine);
      mine.clear(); expiresAt = null; save();
      gone.forEach(function (id) { const b = buttons.get(id); if (b.dataset.status === "LOCKED") { b.dataset.status = "AVAILABLE"; } });
      warn("Your hold on " + names(gone) + " expired and the seats were released. Select them again if they are still free.");
      render();
    }
  }

  function needLogin() {
    if (SG.token()) { return false; }
    location.assign(SG.loginUrl());
    return true;
  }

  async function hold() {
    if (needLogin() || !selected.size) { return; }
    const ids = Array.from(selected);
    ids.forEach(function (id) { pending.add(id); });
    $("hold").disabled = true;
    let result;
    try {
      result = await SG.api("/api/v1/seats/lock", { method: "POST", body: { seatIds: ids } });
    } finally {
      ids.forEach(function (id) { pending.delete(id); });
    }
    if (result.status === 401) { location.assign(SG.loginUrl()); return; }
    if (result.ok) {
      ids.forEach(function (id) { selected.delete(id); mine.add(id); buttons.get(id).dataset.status = "LOCKED"; });
      const until = new Date(result.body.expiresAt);
      expiresAt = expiresAt && expiresAt < until ? expiresAt : until;
      save();
      say("Held " + names(ids) + " for you. Pay before the countdown ends.");
    } else if (result.status === 409 && result.body && result.body.details && result.body.details.seatIds) {
      const taken = result.body.details.seatIds;
      taken.forEach(function (id) { selected.delete(id); buttons.get(id).dataset.status = "LOCKED"; });
      warn("Seat " + names(taken) + " was just taken by someone else. Please choose another seat.");
    } else {
      warn((result.body && result.body.message) || "The seats could not be held; please try again.");
    }
    render();
  }

  function freed(id) {
    mine.delete(id);
    const b = buttons.get(id);
    if (b) { b.dataset.status = "AVAILABLE"; }
    if (!mine.size) { expiresAt = null; }
    save();
  }

  /* The seat is in a checkout: cancel that order (the payment session first, server-side),
     which frees all of its seats at once. */
  async function cancelOrder(orderId) {
    const result = await SG.api("/api/v1/booking-orders/" + encodeURIComponent(orderId) + "/cancel",
      { method: "POST" });
    if (!result.ok) {
      warn((result.body && result.body.message) || "The order could not be cancelled.");
      return;
    }
    const ids = result.body.items.map(function (i) { return i.seatId; });
    ids.forEach(freed);
    say("Order cancelled; released " + names(ids) + ".");
  }

  async function releaseSeat(id) {
    const result = await SG.api("/api/v1/seats/lock/" + id, { method: "DELETE" });
    const body = result.body || {};
    if (result.status === 409 && body.error === "seat_in_checkout" && body.details) {
      await cancelOrder(body.details.orderId);
      render();
      return;
    }
    if (result.ok || result.status === 409) {
      if (!result.ok) { warn((result.body && result.body.message) || "This seat could not be released."); }
      if (result.ok) {
        mine.delete(id);
        buttons.get(id).dataset.status = "AVAILABLE";
        if (!mine.size) { expiresAt = null; }
        save();
        say("Released " + label(id) + ".");
      }
    } else {
      warn((result.body && result.body.message) || "This seat could not be released.");
    }
    render();
  }

  async function pay() {
    if (needLogin() || !mine.size) { return; }
    $("pay").disabled = true;
    say("Opening the payment page…");
    const result = await SG.api("/api/v1/stripe/create/checkout/session", {
      method: "POST", body: { seatIds: Array.from(mine) } });
    $("pay").disabled = false;
    if (result.ok) { location.assign(result.body.url); return; }
    warn((result.body && result.body.message) || "The payment could not be started; please try again.");
  }

  function restore() {
    const raw = localStorage.getItem(storeKey);
    if (!raw || !SG.token()) { return; }
    try {
      const saved = JSON.parse(raw);
      const until = new Date(saved.expiresAt);
      if (until.getTime() <= now()) { localStorage.removeItem(storeKey); return; }
      saved.seatIds.forEach(function (id) {
        const b = buttons.get(id);
        if (b && b.dataset.status === "LOCKED") { mine.add(id); }
      });
      expiresAt = mine.size ? until : null;
    } catch (e) {
      localStorage.removeItem(storeKey);
    }
  }

  function listen() {
    const source = new EventSource("/api/v1/events/" + eventId + "/seats/stream");
    source.addEventListener("snapshot", function (ev) {
      const data = JSON.parse(ev.data);
      skewMs = new Date(data.serverTime).getTime() - Date.now();
      data.seats.forEach(function (s) { setStatus(s.id, s.status); });
      restore();
      SG.text($("live-state"), "Live: seats update as others hold and buy them.");
      root.dataset.live = "on";
      render();
    });
    source.addEventListener("seats", function (ev) {
      JSON.parse(ev.data).changes.forEach(function (c) { setStatus(c.seatId, c.status); });
      render();
    });
    source.addEventListener("error", function () {
      root.dataset.live = "off";
      SG.text($("live-state"), "Live updates interrupted; reconnecting…");
    });
  }

  buttons.forEach(function (b, id) {
    b.addEventListener("click", function () {
      if (mine.has(id)) { say(label(id) + " is already held for you."); return; }
      if (selected.has(id)) { selected.delete(id); render(); return; }
      if (b.dataset.status !== "AVAILABLE") { warn("Seat " + label(id) + " is not available."); return; }
      selected.add(id);
      render();
    });
  });
  $("hold").addEventListener("click", hold);
  $("pay").addEventListener("click", pay);
  $("release-all").addEventListener("click", async function () {
    for (const id of Array.from(mine)) {  // one by one: a cancelled order frees its other seats
      if (mine.has(id)) { await releaseSeat(id); }
    }
  });
  ticker = setInterval(tick, 1000);
  restore();
  render();
  listen();
})();
