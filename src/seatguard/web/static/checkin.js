/* Door check-in: scan a QR code (camera or photo) or type the short code, and see at once
   whether to admit. Without network, genuine QR codes are admitted on this device and sent later. */
"use strict";
(function () {
  const SG = window.SG;
  const door = SG.door;
  const $ = function (id) { return document.getElementById(id); };
  const T = $("door-text").dataset;
  const out = $("checkin-result");
  const code = $("code");
  const eventSelect = $("door-event");
  let stream = null;
  let lastRead = { text: "", at: 0 };
  let busy = false;

  function show(kind, title, detail) {
    out.hidden = false;
    out.dataset.result = kind;
    out.className = "card result result-" + kind;
    out.replaceChildren(SG.el("p", { class: "verdict", text: title }), SG.el("p", { text: detail || "" }));
  }

  function doorEvent() { return eventSelect.value || null; }

  function setNetwork(online) {
    $("door-network").dataset.state = online ? "online" : "offline";
    const waiting = door.pending().length;
    $("pending-wrap").hidden = waiting === 0;
    SG.text($("pending-count"), String(waiting));
  }

  async function refreshCount() {
    const eventId = doorEvent();
    if (!eventId) { $("door-count").hidden = true; return; }
    let res;
    try { res = await SG.api("/api/v1/tickets/check-in/count?eventId=" + encodeURIComponent(eventId)); } catch (e) { return; }
    if (!res.ok) { return; }
    SG.text($("count-admitted"), String(res.body.admitted));
    SG.text($("count-remaining"), String(res.body.remaining));
    SG.text($("count-tickets"), String(res.body.tickets));
    $("door-count").hidden = false;
  }

  async function syncNow() {
    if (!door.pending().length) { setNetwork(navigator.onLine); return; }
    const results = await door.sync();
    setNetwork(navigator.onLine);
    if (!results.length) { return; }
    const duplicates = results.filter(function (r) { return r.status === "DUPLICATE" || r.displacedAt; }).length;
    const box = $("door-sync");
    box.hidden = false;
    box.dataset.sent = String(results.length);
    box.dataset.duplicates = String(duplicates);
    SG.text(box, SG.t("door_synced", { sent: results.length, duplicates: duplicates }));
    refreshCount();
  }

  function seatText(body) {
    return [body.eventName, body.section, SG.t("seat_number", { seat: body.row + body.number })].join(" · ");
  }

  async function checkOnline(value) {
    const body = { code: value };
    if (doorEvent()) { body.eventId = doorEvent(); }
    const result = await SG.api("/api/v1/tickets/check-in", { method: "POST", body: body });
    const data = result.body || {};
    if (result.ok) {
      door.remember(data.ticketId, data.checkedInAt);
      show("ok", T.admit + " " + data.holderName, seatText(data));
    } else if (result.status === 409 && data.error === "wrong_event") {
      show("used", T.wrongEvent, data.message || "");
    } else if (result.status === 409 && data.error === "order_refunded") {
      show("used", T.refunded, data.message || "");
    } else if (result.status === 409) {
      show("used", T.used, data.message || "");
    } else if (result.status === 404) {
      show("forged", T.forged, data.message || "");
    } else if (result.status === 403) {
      show("error", T.staffOnly, data.message || "");
    } else if (result.status === 429) {
      show("error", T.slowDown, data.message || "");
    } else {
      show("error", T.failed, data.message || "");
    }
    refreshCount();
  }

  async function checkOffline(value) {
    setNetwork(false);
    if (!value.includes(".")) { show("error", T.needsNetwork, ""); return; }
    let claims;
    try { claims = await door.verifyOffline(value); } catch (e) { show("error", T.noKey, ""); return; }
    if (!claims) { show("forged", T.forged, ""); return; }
    if (doorEvent() && claims.eventId !== doorEvent()) { show("used", T.wrongEvent, ""); return; }
    const before = door.scannedAt(claims.ticketId);
    if (before) { show("used", T.usedHere, new Date(before).toLocaleTimeString(SG.locale, { hourCycle: SG.hourCycle })); return; }
    const at = new Date().toISOString();
    door.remember(claims.ticketId, at);
    door.queue(value, doorEvent(), at);
    setNetwork(false);
    show("offline", T.admitOffline, claims.ticketId);
  }

  async function check(raw) {
    const value = raw.trim();
    if (!value) { show("error", T.empty, ""); return; }
    if (!SG.token()) { location.assign(SG.loginUrl()); return; }
    if (busy) { return; }
    busy = true;
    try {
      if (!navigator.onLine) { await checkOffline(value); return; }
      try { await checkOnline(value); } catch (e) { await checkOffline(value); return; }
      syncNow();
    } finally { busy = false; }
  }

  /* Camera frames and photos go through the same decoder. */
  async function onRead(text) {
    if (!text) { return false; }
    const now = Date.now();
    const stillInView = text === lastRead.text && now - lastRead.at < 3000;
    lastRead = { text: text, at: now };
    if (stillInView) { return true; }  // the same ticket held to the camera is checked once
    code.value = text;
    await check(text);
    return true;
  }

  async function startCamera() {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (e) { show("error", T.noCamera, e.name || ""); return; }
    const video = $("camera");
    video.srcObject = stream;
    video.hidden = false;
    $("camera-start").hidden = true;
    $("camera-stop").hidden = false;
    await video.play();
    const canvas = document.createElement("canvas");
    const tick = async function () {
      if (!stream) { return; }
      if (video.readyState >= 2 && !busy) {
        await onRead(await door.decode(door.pixels(video, video.videoWidth, video.videoHeight, canvas)));
      }
      setTimeout(tick, 200);
    };
    tick();
  }

  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    $("camera").hidden = true;
    $("camera-start").hidden = false;
    $("camera-stop").hidden = true;
  }

  async function loadEvents() {
    const wanted = new URLSearchParams(location.search).get("event");
    let res;
    try { res = await SG.api("/api/v1/events?limit=200"); } catch (e) { return; }
    if (!res.ok) { return; }
    res.body.forEach(function (ev) {
      eventSelect.append(SG.el("option", { value: ev.id, text: ev.name + " · " + ev.location }));
    });
    if (wanted) { eventSelect.value = wanted; }
    refreshCount();
  }

  $("checkin-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    await check(code.value);
    code.select();
  });
  $("scan-image").addEventListener("change", async function (ev) {
    const file = ev.target.files && ev.target.files[0];
    if (!file) { return; }
    const text = await door.decodeFile(file);
    ev.target.value = "";
    if (!text) { show("error", T.noQr, ""); return; }
    lastRead = { text: "", at: 0 };  // a photo chosen on purpose is always checked
    await onRead(text);
  });
  $("camera-start").addEventListener("click", startCamera);
  $("camera-stop").addEventListener("click", stopCamera);
  eventSelect.addEventListener("change", refreshCount);
  window.addEventListener("online", function () { setNetwork(true); syncNow(); });
  window.addEventListener("offline", function () { setNetwork(false); });
  setInterval(function () { if (navigator.onLine) { syncNow(); refreshCount(); } }, 15000);

  setNetwork(navigator.onLine);
  door.refreshKey();
  loadEvents();
  syncNow();
})();
