/* Door check-in: staff type or paste a ticket code and see at once whether to admit. */
"use strict";
(function () {
  const SG = window.SG;
  const form = document.getElementById("checkin-form");
  const out = document.getElementById("checkin-result");
  const code = document.getElementById("code");

  function show(kind, title, detail) {
    out.hidden = false;
    out.dataset.result = kind;
    out.className = "card result result-" + kind;
    out.replaceChildren(SG.el("p", { class: "verdict", text: title }), SG.el("p", { text: detail || "" }));
  }

  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    if (!SG.token()) { location.assign(SG.loginUrl()); return; }
    const value = code.value.trim();
    if (!value) { show("error", "Enter a ticket code.", ""); return; }
    const result = await SG.api("/api/v1/tickets/check-in", { method: "POST", body: { code: value } });
    const body = result.body || {};
    if (result.ok) {
      show("ok", "Admit: " + body.holderName, body.eventName + " · " + body.section + " · row " + body.row + " · seat " + body.number);
    } else if (result.status === 409) {
      show("used", "Do not admit: already used.", body.message || "");
    } else if (result.status === 404) {
      show("forged", "Do not admit: not a valid ticket.", body.message || "");
    } else if (result.status === 403) {
      show("error", "This page needs a staff account.", body.message || "");
    } else {
      show("error", "The ticket could not be checked.", body.message || "");
    }
    code.select();
  });
})();
