/* SeatGuard pages: shared helpers (token storage, API calls, the header's user). */
"use strict";
(function () {
  const KEY = "seatguard.token";
  const LANG = document.documentElement.lang || "en";
  const LOCALE = document.documentElement.dataset.locale || undefined;
  // The server's own clock per language: 24 h in Spanish (20:00), 12 h in English (8:00 PM).
  const HOUR_CYCLE = (LOCALE || "").startsWith("es") ? "h23" : "h12";
  let TEXTS = {};
  try { TEXTS = JSON.parse((document.getElementById("sg-texts") || {}).textContent || "{}"); } catch (e) { TEXTS = {}; }

  /* A text of the page's language, with {name} placeholders filled from values. */
  function t(key, values) {
    return String(TEXTS[key] || key).replace(/\{(\w+)\}/g, function (m, name) {
      return values && values[name] !== undefined ? String(values[name]) : m;
    });
  }

  function token() { return localStorage.getItem(KEY); }
  function setToken(value) {
    if (value) { localStorage.setItem(KEY, value); } else { localStorage.removeItem(KEY); }
  }

  async function api(path, options) {
    const opts = Object.assign({ method: "GET" }, options || {});
    const headers = { Accept: "application/json", "Accept-Language": LANG };
    if (opts.body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (token()) { headers.Authorization = "Bearer " + token(); }
    Object.assign(headers, opts.headers || {});
    const response = await fetch(path, {
      method: opts.method,
      headers: headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    let body = null;
    const type = response.headers.get("content-type") || "";
    if (type.includes("application/json")) { body = await response.json(); }
    if (response.status === 401 && token() && !opts.keepToken) { setToken(null); }
    return { status: response.status, ok: response.ok, body: body, response: response };
  }

  function loginUrl() {
    return "/login?next=" + encodeURIComponent(location.pathname + location.search);
  }

  function safeNext(raw) {
    return raw && raw.startsWith("/") && !raw.startsWith("//") ? raw : "/";
  }

  function text(el, value) { if (el) { el.textContent = value; } }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function (kv) {
      if (kv[0] === "text") { node.textContent = kv[1]; } else { node.setAttribute(kv[0], kv[1]); }
    });
    (children || []).forEach(function (c) { node.append(c); });
    return node;
  }

  function money(minor, currency) {
    try {
      return new Intl.NumberFormat(LOCALE, { style: "currency", currency: currency.toUpperCase() })
        .format(minor / 100);
    } catch (e) {
      return (minor / 100).toFixed(2) + " " + currency.toUpperCase();
    }
  }

  /* The role claim of the stored token: only to tidy the header, the server checks roles. */
  function role() {
    const part = (token() || "").split(".")[1];
    if (!part) { return null; }
    try {
      const json = atob(part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4));
      return JSON.parse(json).role || null;
    } catch (e) { return null; }
  }

  function showStaffLinks() {
    const door = document.getElementById("checkin-link");
    if (door) { door.hidden = !(role() === "staff" || role() === "admin"); }
    const office = document.getElementById("admin-link");
    if (office) { office.hidden = role() !== "admin"; }
  }

  async function showUser() {
    const name = document.getElementById("who-name");
    const login = document.getElementById("login-link");
    const signup = document.getElementById("signup-link");
    const logout = document.getElementById("logout");
    if (!token()) { return null; }
    const me = await api("/auth/me", { keepToken: true });
    if (!me.ok) { return null; }
    text(name, t("signed_in_as", { name: me.body.name || me.body.email }));
    login.hidden = true; signup.hidden = true; logout.hidden = false;
    return me.body;
  }

  /* Beside each event time in the event's zone, the buyer's own time where it differs. */
  function showOwnTimes(root) {
    (root || document).querySelectorAll("time.event-time[data-zone]").forEach(function (node) {
      const when = new Date(node.getAttribute("datetime"));
      if (isNaN(when.getTime())) { return; }
      const style = { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit", hourCycle: HOUR_CYCLE };
      let theirs;
      try { theirs = new Intl.DateTimeFormat(LOCALE, Object.assign({ timeZone: node.dataset.zone }, style)).format(when); }
      catch (e) { return; }
      const mine = new Intl.DateTimeFormat(LOCALE, style).format(when);
      if (mine === theirs) { return; }
      const own = new Intl.DateTimeFormat(LOCALE, Object.assign({ timeZoneName: "short" }, style)).format(when);
      node.after(" ", el("small", { class: "own-time", "data-testid": "own-time", text: "(" + t("your_time", { time: own }) + ")" }));
    });
  }

  /* A signed-in buyer who switches language keeps it on the account (emails follow it). */
  function rememberLanguage() {
    document.querySelectorAll("nav.languages a[data-lang]").forEach(function (a) {
      a.addEventListener("click", async function (ev) {
        if (!token() || a.dataset.lang === LANG) { return; }
        ev.preventDefault();
        const saved = await api("/auth/me", { method: "PATCH", body: { language: a.dataset.lang }, keepToken: true });
        if (saved.ok && saved.body.accessToken) { setToken(saved.body.accessToken); }
        location.assign(a.href);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    showOwnTimes(document);
    rememberLanguage();
    const logout = document.getElementById("logout");
    logout.addEventListener("click", function () {
      // nothing of this account stays in the browser for the next person
      Object.keys(localStorage).filter(function (k) { return k.startsWith("seatguard."); })
        .forEach(function (k) { localStorage.removeItem(k); });
      Object.keys(sessionStorage).filter(function (k) { return k.startsWith("seatguard."); })
        .forEach(function (k) { sessionStorage.removeItem(k); });
      location.assign("/");
    });
    showStaffLinks();
    window.SG.user = showUser();
  });

  /* A back-office request: to the login page without a token or on 401; otherwise the answer,
     or null with the reason written in the page's #admin-status. */
  async function adminApi(path, options) {
    if (!token()) { location.assign(loginUrl()); return null; }
    const result = await api(path, options);
    if (result.status === 401) { location.assign(loginUrl()); return null; }
    const status = document.getElementById("admin-status");
    if (result.status === 403) { text(status, t("admins_only")); return null; }
    if (!result.ok) { text(status, (result.body && result.body.message) || t("figures_failed")); return null; }
    return result;
  }

  window.SG = { token: token, setToken: setToken, api: api, adminApi: adminApi, loginUrl: loginUrl,
    safeNext: safeNext, text: text, el: el, money: money, t: t, showOwnTimes: showOwnTimes, lang: LANG, locale: LOCALE, hourCycle: HOUR_CYCLE,
    user: Promise.resolve(null) };
})();
