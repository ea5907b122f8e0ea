/* The seat map: select seats, hold them, watch them live, pay.
   A small event's seats are all buttons in the page. A big one's page lists its sections;
   the map is fetched once (gzip, revalidated by ETag) and the buttons of the one section
   opened are drawn, so the page never holds more than a section's buttons. */
"use strict";
(function () {
  const SG = window.SG;
  const root = document.getElementById("seatmap-app");
  if (!root) { return; }
  const eventId = root.dataset.eventId;
  const currency = root.dataset.currency;
  const bySections = root.dataset.mode === "sections";
  const seats = new Map();  // every seat: {section, row, label, price, status, accessible, gap}
  const buttons = new Map();  // the seats drawn as buttons (all, or the section opened)
  document.querySelectorAll("button.seat").forEach(function (b) {
    buttons.set(b.dataset.seatId, b);
    seats.set(b.dataset.seatId, { section: b.dataset.section, label: b.dataset.label,
      price: Number(b.dataset.price), status: b.dataset.status, accessible: b.dataset.accessible === "true" });
  });
  let mapTag = "";  // the ETag of the map fetched (sections mode)
  let opened = null;  // the section whose seats are drawn (sections mode)

  const selected = new Set();
  const pending = new Set();
  const mine = new Set();
  const bought = new Set();  // seats this account bought: "yours" on the map
  let expiresAt = null;
  let skewMs = 0;
  let ticker = null;

  const $ = function (id) { return document.getElementById(id); };
  const label = function (id) {
    const s = seats.get(id);
    return s ? s.section + " " + s.label : SG.t("a_seat");
  };
  const names = function (ids) { return ids.map(label).join(", "); };
  const say = function (message) { SG.text($("messages"), message); SG.text($("alerts"), ""); };
  const warn = function (message) { SG.text($("alerts"), message); };
  const now = function () { return Date.now() + skewMs; };

  function setStatus(id, status) {
    const s = seats.get(id);
    if (!s) { return; }
    const before = s.status;
    s.status = status;
    if (pending.has(id)) { return; }
    if (status !== "AVAILABLE" && selected.has(id)) {
      selected.delete(id);
      warn(SG.t("seat_taken", { seat: label(id) }));
    }
    if (mine.has(id) && status !== "LOCKED" && before === "LOCKED") {
      mine.delete(id);
      if (!mine.size) { expiresAt = null; }
      if (status === "AVAILABLE") {  // the server saw the hold run out before our countdown did
        warn(SG.t("hold_expired", { seats: label(id) }));
      }
    }
  }

  function render() {
    buttons.forEach(function (b, id) {
      const s = seats.get(id);
      const status = s.status;
      b.dataset.status = status;
      let cls = "seat-" + status.toLowerCase();
      if (mine.has(id)) { cls = "seat-mine"; } else if (selected.has(id)) { cls = "seat-selected"; } else if (bought.has(id) && status === "SOLD") { cls = "seat-bought"; }
      b.className = "seat " + cls;
      b.setAttribute("aria-pressed", String(selected.has(id) || mine.has(id)));
      const usable = status === "AVAILABLE" || mine.has(id) || selected.has(id);
      if (usable) { b.removeAttribute("aria-disabled"); } else { b.setAttribute("aria-disabled", "true"); }
      const state = SG.t(mine.has(id) ? "state_mine" : selected.has(id) ? "state_selected"
        : status === "AVAILABLE" ? "state_available" : status === "SOLD" ? (bought.has(id) ? "state_bought" : "state_sold") : "state_locked");
      b.title = SG.t("seat_title", { label: s.label, state: state });
      b.setAttribute("aria-label", SG.t(s.accessible ? "seat_aria_accessible" : "seat_aria", { label: s.label, section: s.section,
        price: SG.money(s.price, currency), state: state }));
    });
    if (bySections) { countFree(); }
    const count = selected.size;
    SG.text($("selection-summary"), count ? SG.t(count === 1 ? "selected_one" : "selected_many",
      { count: count, seats: names(Array.from(selected)) }) : SG.t("none_selected"));
    $("hold").disabled = count === 0 || root.dataset.onSale === "false";
    $("held-box").hidden = mine.size === 0;
    const list = $("held-list");
    list.replaceChildren();
    let total = 0;
    mine.forEach(function (id) {
      const s = seats.get(id);
      total += s.price;
      const release = SG.el("button", { type: "button", class: "secondary small", text: SG.t("release"),
        "aria-label": SG.t("release_seat", { label: s.label }) });
      release.addEventListener("click", function () { releaseSeat(id); });
      list.append(SG.el("li", {}, [label(id) + " · " + SG.money(s.price, currency) + " ", release]));
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
      mine.clear(); expiresAt = null;
      gone.forEach(function (id) { const s = seats.get(id); if (s && s.status === "LOCKED") { s.status = "AVAILABLE"; } });
      warn(SG.t("hold_expired", { seats: names(gone) }));
      render();
    }
  }

  const pickKey = "seatguard.pick." + eventId;  // the selection, kept across the login page

  function needLogin() {
    if (SG.token()) { return false; }
    sessionStorage.setItem(pickKey, JSON.stringify(Array.from(selected)));
    location.assign(SG.loginUrl());
    return true;
  }

  function restorePick() {
    const raw = sessionStorage.getItem(pickKey);
    sessionStorage.removeItem(pickKey);
    if (!raw || !SG.token()) { return; }
    try {
      const gone = [];
      JSON.parse(raw).forEach(function (id) {
        const s = seats.get(id);
        if (!s || mine.has(id)) { return; }
        if (s.status === "AVAILABLE") { selected.add(id); } else { gone.push(id); }
      });
      if (selected.size) { say(SG.t("selection_kept", { seats: names(Array.from(selected)) })); }
      if (gone.length) { warn(SG.t("taken_while_away", { seats: names(gone) })); }
    } catch (e) { /* an unreadable selection is simply dropped */ }
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
      ids.forEach(function (id) { selected.delete(id); mine.add(id); seats.get(id).status = "LOCKED"; });
      const until = new Date(result.body.expiresAt);
      expiresAt = expiresAt && expiresAt < until ? expiresAt : until;
      say(SG.t("held_for_you", { seats: names(ids) }));
    } else if (result.status === 409 && result.body && result.body.details && result.body.details.seatIds) {
      const taken = result.body.details.seatIds;
      taken.forEach(function (id) { selected.delete(id); if (seats.has(id)) { seats.get(id).status = "LOCKED"; } });
      warn(SG.t("seat_taken", { seat: names(taken) }));
    } else {
      warn((result.body && result.body.message) || SG.t("hold_failed"));
    }
    render();
  }

  function freed(id) {
    mine.delete(id);
    const b = buttons.get(id);
    if (b) { b.dataset.status = "AVAILABLE"; }
    if (!mine.size) { expiresAt = null; }
  }

  /* The seat is in a checkout: cancel that order (the payment session first, server-side),
     which frees all of its seats at once. */
  async function cancelOrder(orderId) {
    const result = await SG.api("/api/v1/booking-orders/" + encodeURIComponent(orderId) + "/cancel",
      { method: "POST" });
    if (!result.ok) {
      warn((result.body && result.body.message) || SG.t("cancel_failed"));
      return;
    }
    const ids = result.body.items.map(function (i) { return i.seatId; });
    ids.forEach(freed);
    say(SG.t("order_cancelled_seats", { seats: names(ids) }));
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
      if (!result.ok) { warn((result.body && result.body.message) || SG.t("release_failed")); }
      if (result.ok) {
        mine.delete(id);
        seats.get(id).status = "AVAILABLE";
        if (!mine.size) { expiresAt = null; }
          say(SG.t("released", { seat: label(id) }));
      }
    } else {
      warn((result.body && result.body.message) || SG.t("release_failed"));
    }
    render();
  }

  async function pay() {
    if (needLogin() || !mine.size) { return; }
    $("pay").disabled = true;
    say(SG.t("opening_payment"));
    const result = await SG.api("/api/v1/stripe/create/checkout/session", {
      method: "POST", body: { seatIds: Array.from(mine) } });
    $("pay").disabled = false;
    if (result.ok) { location.assign(result.body.url); return; }
    warn((result.body && result.body.message) || SG.t("payment_failed"));
  }

  let syncTimer = null;

  /* The basket comes from the server: the account's running holds, on any browser. */
  async function syncMine() {
    if (!SG.token()) { return; }
    const result = await SG.api("/api/v1/events/" + eventId + "/seats/mine");
    if (!result.ok) { return; }
    const held = new Set();
    let until = null;
    result.body.forEach(function (s) {
      if (s.boughtByMe) { bought.add(s.seatId); }
      if (s.heldByMe && seats.has(s.seatId)) {
        held.add(s.seatId);
        const u = new Date(s.heldUntil);
        if (!until || u < until) { until = u; }
      }
    });
    mine.forEach(function (id) { if (!held.has(id) && !pending.has(id)) { mine.delete(id); } });
    held.forEach(function (id) { mine.add(id); selected.delete(id); seats.get(id).status = "LOCKED"; });
    expiresAt = mine.size ? until : null;
    render();
  }

  function syncSoon() { clearTimeout(syncTimer); syncTimer = setTimeout(syncMine, 300); }

  function listen() {
    const have = mapTag ? "?have=" + encodeURIComponent(mapTag) : "";
    const source = new EventSource("/api/v1/events/" + eventId + "/seats/stream" + have);
    source.addEventListener("snapshot", async function (ev) {
      const data = JSON.parse(ev.data);
      skewMs = new Date(data.serverTime).getTime() - Date.now();
      data.seats.forEach(function (s) { setStatus(s.id, s.status); });
      restorePick();
      await syncMine();  // the account's own holds are known before the map says it is live
      SG.text($("live-state"), SG.t("live_on"));
      root.dataset.live = "on";
      render();
    });
    source.addEventListener("seats", function (ev) {
      const changes = JSON.parse(ev.data).changes;
      changes.forEach(function (c) { setStatus(c.seatId, c.status); });
      // a hold or sale elsewhere may be this account's own (another browser): ask whose
      if (SG.token() && changes.some(function (c) { return c.status !== "AVAILABLE" && !mine.has(c.seatId); })) { syncSoon(); }
      render();
    });
    source.addEventListener("sale", function (ev) {
      // sales opened, closed or the event started while the page was open
      const data = JSON.parse(ev.data);
      const was = root.dataset.onSale;
      root.dataset.onSale = String(data.onSale);
      SG.text($("sales-note"), data.note || "");
      $("sales-note").hidden = !data.note;
      if (was === "false" && data.onSale) { say(SG.t("sales_open_now")); }
      if (was === "true" && !data.onSale && data.note) { say(data.note); }
      render();
    });
    source.addEventListener("error", function () {
      root.dataset.live = "off";
      SG.text($("live-state"), SG.t("live_off"));
    });
  }

  function pick(id) {
    if (mine.has(id)) { say(SG.t("already_yours", { seat: label(id) })); return; }
    if (selected.has(id)) { selected.delete(id); render(); return; }
    if (seats.get(id).status !== "AVAILABLE") { warn(SG.t("not_available", { seat: label(id) })); return; }
    selected.add(id);
    render();
  }

  buttons.forEach(function (b, id) { b.addEventListener("click", function () { pick(id); }); });

  /* Sections mode: the overview's free counts, and one section's seats drawn at a time. */
  const picks = new Map();
  document.querySelectorAll("button.section-pick").forEach(function (b) { picks.set(b.dataset.section, b); });
  const inSection = new Map();  // section name -> its seat ids, in map order

  function countFree() {
    const free = new Map();
    seats.forEach(function (s) { if (s.status === "AVAILABLE") { free.set(s.section, (free.get(s.section) || 0) + 1); } });
    picks.forEach(function (b, name) {
      SG.text(b.querySelector("[data-free-count]"), (free.get(name) || 0).toLocaleString(document.documentElement.lang));
    });
  }

  function openSection(name) {
    const ids = inSection.get(name) || [];
    const rows = $("zoom-rows");
    const drawn = document.createDocumentFragment();
    let row = null;
    let rowName = null;
    buttons.clear();
    ids.forEach(function (id) {
      const s = seats.get(id);
      if (s.row !== rowName) {
        rowName = s.row;
        row = SG.el("div", { class: "row", role: "group", "aria-label": SG.t("row_aria", { section: name, row: rowName }) },
          [SG.el("span", { class: "row-label", "aria-hidden": "true", text: rowName })]);
        drawn.append(row);
      }
      for (let i = 0; i < s.gap; i += 1) { row.append(SG.el("span", { class: "seat-gap", "aria-hidden": "true" })); }
      const b = SG.el("button", { type: "button", class: "seat", "data-seat-id": id, "aria-pressed": "false", text: s.label });
      if (s.accessible) {
        b.dataset.accessible = "true";
        b.prepend(SG.el("span", { class: "a11y-mark", "aria-hidden": "true", text: "\u267F" }));
      }
      buttons.set(id, b);
      row.append(b);
    });
    rows.replaceChildren(drawn);
    opened = name;
    SG.text($("zoom-title"), name);
    $("overview").hidden = true;
    $("zoom").hidden = false;
    render();
    $("zoom-title").focus();
  }

  function backToSections() {
    buttons.clear();
    $("zoom-rows").replaceChildren();
    $("zoom").hidden = true;
    $("overview").hidden = false;
    const was = opened;
    opened = null;
    render();
    if (was && picks.has(was)) { picks.get(was).focus(); }
  }

  async function loadMap() {
    const response = await fetch("/api/v1/events/" + eventId + "/seats", { headers: { Accept: "application/json" } });
    if (!response.ok) { warn(SG.t("map_failed")); return; }
    mapTag = response.headers.get("ETag") || "";
    (await response.json()).forEach(function (s) {
      seats.set(s.id, { section: s.section, row: s.row, label: s.number, price: s.priceMinor, status: s.status,
        accessible: s.accessible === true, gap: Math.min(s.gapBefore || 0, 50) });
      if (!inSection.has(s.section)) { inSection.set(s.section, []); }
      inSection.get(s.section).push(s.id);
    });
  }

  $("hold").addEventListener("click", hold);
  $("pay").addEventListener("click", pay);
  $("release-all").addEventListener("click", async function () {
    for (const id of Array.from(mine)) {  // one by one: a cancelled order frees its other seats
      if (mine.has(id)) { await releaseSeat(id); }
    }
  });
  ticker = setInterval(tick, 1000);
  if (bySections) {
    $("zoom-rows").addEventListener("click", function (ev) {
      const b = ev.target.closest("button.seat");
      if (b) { pick(b.dataset.seatId); }
    });
    $("back-to-sections").addEventListener("click", backToSections);
    loadMap().then(function () {
      picks.forEach(function (b, name) { b.addEventListener("click", function () { openSection(name); }); });
      root.dataset.map = "ready";
      render();
      listen();
    });
  } else {
    render();
    listen();
  }
})();
