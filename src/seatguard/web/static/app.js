/* SeatGuard pages: shared helpers (token storage, API calls, the header's user). */
"use strict";
(function () {
  const KEY = "seatguard.token";

  function token() { return localStorage.getItem(KEY); }
  function setToken(value) {
    if (value) { localStorage.setItem(KEY, value); } else { localStorage.removeItem(KEY); }
  }

  async function api(path, options) {
    const opts = Object.assign({ method: "GET" }, options || {});
    const headers = { Accept: "application/json" };
    if (opts.body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (token()) { headers.Authorization = "Bearer " + token(); }
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
      return new Intl.NumberFormat(undefined, { style: "currency", currency: currency.toUpperCase() })
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
  }

  async function showUser() {
    const name = document.getElementById("who-name");
    const login = document.getElementById("login-link");
    const signup = document.getElementById("signup-link");
    const logout = document.getElementById("logout");
    if (!token()) { return null; }
    const me = await api("/auth/me", { keepToken: true });
    if (!me.ok) { return null; }
    text(name, "Signed in as " + (me.body.name || me.body.email));
    login.hidden = true; signup.hidden = true; logout.hidden = false;
    return me.body;
  }

  document.addEventListener("DOMContentLoaded", function () {
    const logout = document.getElementById("logout");
    logout.addEventListener("click", function () {
      setToken(null);
      location.assign("/");
    });
    showStaffLinks();
    window.SG.user = showUser();
  });

  window.SG = { token: token, setToken: setToken, api: api, loginUrl: loginUrl,
    safeNext: safeNext, text: text, el: el, money: money, user: Promise.resolve(null) };
})();
