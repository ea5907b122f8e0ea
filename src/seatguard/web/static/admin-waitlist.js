/* The back office's waiting list of one event: entries in line order, remove one. */
"use strict";
(function () {
  const SG = window.SG;
  const $ = function (id) { return document.getElementById(id); };
  const status = function (message) { SG.text($("admin-status"), message); };

  const call = SG.adminApi;

  function when(iso) {
    return new Intl.DateTimeFormat(SG.locale, { day: "numeric", month: "short", hour: "numeric", minute: "2-digit", hourCycle: SG.hourCycle })
      .format(new Date(iso));
  }

  document.addEventListener("DOMContentLoaded", function () {
    const root = $("admin-waitlist");
    if (!root) { return; }
    const body = document.querySelector("[data-testid=waitlist-entries] tbody");
    async function load() {
      const result = await call("/api/v1/admin/events/" + root.dataset.eventId + "/waiting-list");
      if (!result) { return; }
      if (!result.body.length) {
        body.replaceChildren(SG.el("tr", {}, [SG.el("td", { colspan: "6", text: SG.t("waitlist_empty") })]));
        return;
      }
      body.replaceChildren.apply(body, result.body.map(function (e) {
        const who = e.email || e.userId;
        const state = SG.t("waitlist_state_" + e.state, { time: e.offeredUntil ? when(e.offeredUntil) : "" });
        const actions = SG.el("td");
        if (e.state === "WAITING" || e.state === "OFFERED") {
          const remove = SG.el("button", { type: "button", class: "secondary", text: SG.t("waitlist_remove") });
          remove.addEventListener("click", async function () {
            const done = await call("/api/v1/admin/waiting-list/" + e.id, { method: "DELETE" });
            if (done) { status(SG.t("waitlist_removed", { email: who })); load(); }
          });
          actions.append(remove);
        }
        return SG.el("tr", { "data-entry-id": e.id }, [
          SG.el("td", { text: e.position ? String(e.position) : "–" }),
          SG.el("th", { scope: "row", text: who }),
          SG.el("td", { text: String(e.seatsWanted) }),
          SG.el("td", { text: state }),
          SG.el("td", { text: when(e.joinedAt) }),
          actions]);
      }));
    }
    load();
  });
})();
