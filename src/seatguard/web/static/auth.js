/* Log in and sign up: the access token is kept in localStorage for the other pages. */
"use strict";
(function () {
  const SG = window.SG;

  function problem(result) {
    const body = result.body || {};
    if (Array.isArray(body.detail)) { return SG.t("check_credentials"); }
    return body.message || SG.t("try_again");
  }

  async function login(email, password, next) {
    const result = await SG.api("/auth/login", { method: "POST", body: { email: email, password: password } });
    if (!result.ok) { return problem(result); }
    SG.setToken(result.body.access_token);
    location.assign(next || SG.safeNext(new URLSearchParams(location.search).get("next")));
    return null;
  }

  function wire(form, handler) {
    if (!form) { return; }
    const error = document.getElementById("form-error");
    const next = new URLSearchParams(location.search).get("next");
    document.querySelectorAll("#to-signup, #to-login").forEach(function (a) {
      if (next) { a.href += "?next=" + encodeURIComponent(SG.safeNext(next)); }
    });
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      SG.text(error, "");
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      const message = await handler(new FormData(form));
      button.disabled = false;
      if (message) { SG.text(error, message); }
    });
  }

  wire(document.getElementById("login-form"), function (data) {
    return login(String(data.get("email")), String(data.get("password")));
  });

  wire(document.getElementById("signup-form"), async function (data) {
    const body = { email: String(data.get("email")), password: String(data.get("password")), language: SG.lang };
    if (data.get("name")) { body.name = String(data.get("name")); }
    const result = await SG.api("/auth/register", { method: "POST", body: body });
    if (!result.ok) { return problem(result); }
    return login(body.email, body.password);
  });

  /* An invitation: choose the password, then straight to the door (staff) or the back office. */
  const invite = document.getElementById("invite-form");
  wire(invite, async function (data) {
    const password = String(data.get("password"));
    const body = { token: invite.dataset.token, password: password };
    const result = await SG.api("/auth/invitations/accept", { method: "POST", body: body });
    if (!result.ok) { return problem(result); }
    SG.text(document.getElementById("form-error"), SG.t("password_set"));
    return login(invite.dataset.email, password, result.body.role === "admin" ? "/admin" : "/staff/check-in");
  });
})();
