/* The door's machinery: read QR codes from images, verify ticket codes offline with the
   published Ed25519 public key, remember what this device admitted, and sync offline scans. */
"use strict";
(function () {
  const SG = window.SG;
  const KEY_STORE = "seatguard.door.key";
  const SCANNED = "seatguard.door.scanned";
  const PENDING = "seatguard.door.pending";

  /* --- QR decoding: the browser's BarcodeDetector where it reads QR codes, else jsQR. --- */
  let detector = null;
  const detectorReady = (async function () {
    if (!("BarcodeDetector" in window)) { return; }
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); }
    } catch (e) { detector = null; }
  })();

  async function decode(imageData) {
    await detectorReady;
    if (detector) {
      const found = await detector.detect(imageData);
      if (found.length) { return found[0].rawValue; }
    }
    const hit = window.jsQR(imageData.data, imageData.width, imageData.height, { inversionAttempts: "attemptBoth" });
    return hit ? hit.data : null;
  }

  function pixels(source, width, height, canvas) {
    const scale = Math.min(1, 1280 / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
    return ctx.getImageData(0, 0, canvas.width, canvas.height);
  }

  async function decodeFile(file) {
    const bitmap = await createImageBitmap(file);
    try {
      return await decode(pixels(bitmap, bitmap.width, bitmap.height, document.createElement("canvas")));
    } finally { bitmap.close(); }
  }

  /* --- Offline verification: SG1.<payload>.<signature>, Ed25519 over "SG1." + payload. --- */
  function b64url(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
  }

  function uuid(bytes) {
    const hex = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  async function refreshKey() {
    try {
      const res = await SG.api("/api/v1/tickets/public-key");
      if (res.ok) { localStorage.setItem(KEY_STORE, JSON.stringify({ raw: res.body.raw, format: res.body.format })); }
    } catch (e) { /* offline: keep the key we have */ }
    return storedKey();
  }

  function storedKey() {
    try { return JSON.parse(localStorage.getItem(KEY_STORE) || "null"); } catch (e) { return null; }
  }

  /* The ticket and event ids if the code is genuine; null if not; throws if no key is known. */
  async function verifyOffline(code) {
    const known = storedKey();
    if (!known) { throw new Error("no-key"); }
    const parts = code.trim().split(".");
    if (parts.length !== 3 || parts[0] !== known.format) { return null; }
    let payload, signature;
    try { payload = b64url(parts[1]); signature = b64url(parts[2]); } catch (e) { return null; }
    if (signature.length !== 64 || payload.length <= 32) { return null; }
    const key = await crypto.subtle.importKey("raw", b64url(known.raw), { name: "Ed25519" }, false, ["verify"]);
    const prefix = new TextEncoder().encode(known.format + ".");
    const message = new Uint8Array(prefix.length + payload.length);
    message.set(prefix); message.set(payload, prefix.length);
    const genuine = await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
    return genuine ? { ticketId: uuid(payload.slice(0, 16)), eventId: uuid(payload.slice(16, 32)) } : null;
  }

  /* --- What this device admitted, and the offline admissions still to send. --- */
  function read(name, empty) {
    try { return JSON.parse(localStorage.getItem(name) || "null") || empty; } catch (e) { return empty; }
  }

  function scannedAt(ticketId) { return read(SCANNED, {})[ticketId] || null; }

  function remember(ticketId, at) {
    const scanned = read(SCANNED, {});
    if (!scanned[ticketId]) { scanned[ticketId] = at; localStorage.setItem(SCANNED, JSON.stringify(scanned)); }
  }

  function queue(code, eventId, at) {
    const pending = read(PENDING, []);
    pending.push({ code: code, eventId: eventId || null, scannedAt: at });
    localStorage.setItem(PENDING, JSON.stringify(pending));
  }

  function pending() { return read(PENDING, []); }

  /* Send the offline scans, one batch per door event; the results of those the server took. */
  async function sync() {
    const all = pending();
    const results = [];
    const groups = {};
    all.forEach(function (scan) { (groups[scan.eventId || ""] = groups[scan.eventId || ""] || []).push(scan); });
    for (const eventId of Object.keys(groups)) {
      const scans = groups[eventId];
      const body = { scans: scans.map(function (s) { return { code: s.code, scannedAt: s.scannedAt }; }) };
      if (eventId) { body.eventId = eventId; }
      let res;
      try { res = await SG.api("/api/v1/tickets/check-in/sync", { method: "POST", body: body }); } catch (e) { break; }
      if (!res.ok) { break; }
      localStorage.setItem(PENDING, JSON.stringify(pending().filter(function (s) {
        return !scans.some(function (t) { return t.code === s.code && t.scannedAt === s.scannedAt; });
      })));
      res.body.results.forEach(function (r) { results.push(r); });
    }
    return results;
  }

  SG.door = { decode: decode, decodeFile: decodeFile, pixels: pixels, refreshKey: refreshKey,
    verifyOffline: verifyOffline, scannedAt: scannedAt, remember: remember, queue: queue,
    pending: pending, sync: sync };
})();
