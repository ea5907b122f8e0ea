/* The event page's waiting list: join when sold out, see your place, leave. */
"use strict";
(function () {
  const SG = window.SG;
  const $ = function (id) { return document.getElementById(id); };

  document.addEventListener("DOMContentLoaded", function () {
    const box = $("waitlist");
    if (!box) { return; }
    const url = "/api/v1/events/" + box.dataset.eventId + "/waiting-list";
    const form = $("waitlist-join");
    const leave = $("waitlist-leave");
    const state = $("waitlist-state");

    function when(iso) {
      return new Intl.DateTimeFormat(SG.locale, { hour: "numeric", minute: "2-digit", day: "numeric", month: "short", hourCycle: SG.hourCycle })
        .format(new Date(iso));
    }

    function render(body, note) {
      const entry = body.entry;
      box.hidden = !(body.soldOut || entry);
      form.hidden = Boolean(entry) || !body.soldOut;
      leave.hidden = !entry;
      const select = $("waitlist-seats");
      if (select.options.length !== body.maxSeats) {
        select.replaceChildren.apply(select, Array.from({ length: body.maxSeats }, function (_, i) {
          return SG.el("option", { value: String(i + 1), text: String(i + 1) });
        }));
      }
      if (note) { SG.text(state, note); }
      else if (!entry) { SG.text(state, SG.t("waitlist_open")); }
      else if (entry.state === "OFFERED") { SG.text(state, SG.t("waitlist_offered", { time: when(entry.offeredUntil) })); }
      else { SG.text(state, SG.t("waitlist_position", { position: entry.position })); }
    }

    async function load() {
      if (!SG.token()) {
        box.hidden = box.dataset.soldOut !== "true";
        SG.text(state, SG.t("waitlist_open"));
        const login = $("waitlist-login");
        login.querySelector("a").href = SG.loginUrl();
        login.hidden = false;
        return;
      }
      const answer = await SG.api(url);
      if (answer.ok) { render(answer.body); }
    }

    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      const answer = await SG.api(url, { method: "POST", body: { seats: Number($("waitlist-seats").value) } });
      if (answer.ok) { render(answer.body); return; }
      SG.text(state, (answer.body && answer.body.message) || SG.t("try_again"));
    });
    leave.addEventListener("click", async function () {
      const answer = await SG.api(url, { method: "DELETE" });
      if (answer.ok) { render(answer.body, SG.t("waitlist_left")); return; }
      SG.text(state, (answer.body && answer.body.message) || SG.t("try_again"));
    });
    load();
  });
})();
