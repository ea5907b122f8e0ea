/* The back office's door: staff accounts (invite, role, sessions) and one event's check-in board. */
"use strict";
(function () {
  const SG = window.SG;
  const $ = function (id) { return document.getElementById(id); };
  const SVG = "http://www.w3.org/2000/svg";
  const status = function (message) { SG.text($("admin-status"), message); };
  const ROLES = ["customer", "staff", "admin"];

  const call = SG.adminApi;

  function cell(value) { return SG.el("td", { text: value }); }

  async function staffPage() {
    const form = $("invite-staff");
    async function load() {
      const result = await call("/api/v1/admin/staff");
      if (!result) { return; }
      const body = document.querySelector("[data-testid=admin-staff] tbody");
      body.replaceChildren.apply(body, result.body.map(function (m) {
        const select = SG.el("select", { "aria-label": SG.t("change_role", { email: m.email }) },
          ROLES.map(function (r) {
            const option = SG.el("option", { value: r, text: SG.t("role_" + r) });
            option.selected = r === m.role;
            return option;
          }));
        const save = SG.el("button", { type: "button", class: "secondary", text: SG.t("save_role") });
        save.addEventListener("click", async function () {
          const done = await call("/api/v1/admin/staff/" + m.id + "/role", { method: "PUT", body: { role: select.value } });
          if (done) { status(SG.t("role_changed", { email: m.email, role: SG.t("role_" + done.body.role) })); load(); }
        });
        const end = SG.el("button", { type: "button", class: "secondary", text: SG.t("end_sessions") });
        end.addEventListener("click", async function () {
          const done = await call("/api/v1/admin/staff/" + m.id + "/revoke", { method: "POST" });
          if (done) { status(SG.t("sessions_ended", { email: m.email })); }
        });
        return SG.el("tr", { "data-user-id": m.id }, [
          SG.el("th", { scope: "row", text: m.email }), cell(m.name),
          SG.el("td", {}, [select, save]), SG.el("td", {}, [end])]);
      }));
    }
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      const email = form.elements.email.value.trim();
      const done = await call("/api/v1/admin/staff/invitations",
        { method: "POST", body: { email: email, role: form.elements.role.value, language: SG.lang } });
      if (done) { status(SG.t("invitation_sent", { email: done.body.member.email })); form.reset(); load(); }
    });
    load();
  }

  function slotChart(box, slots) {
    box.replaceChildren();
    if (!slots.length) { box.append(SG.el("p", { class: "count", text: SG.t("nobody_admitted") })); return; }
    const width = 480, height = 160, max = Math.max.apply(null, slots.map(function (s) { return s.admitted; }));
    const step = width / slots.length;
    const chart = document.createElementNS(SVG, "svg");
    chart.setAttribute("viewBox", "0 0 " + width + " " + (height + 20));
    chart.setAttribute("role", "img");
    chart.setAttribute("aria-label", SG.t("admitted_per_slot"));
    slots.forEach(function (s, i) {
      const h = Math.max(Math.round((s.admitted / max) * height), 1);
      const label = new Date(s.start).toLocaleTimeString(SG.locale, { hour: "2-digit", minute: "2-digit", hourCycle: SG.hourCycle });
      const bar = document.createElementNS(SVG, "rect");
      [["class", "bar"], ["x", i * step + step * 0.1], ["y", height - h], ["width", step * 0.8], ["height", h]]
        .forEach(function (kv) { bar.setAttribute(kv[0], String(kv[1])); });
      const title = document.createElementNS(SVG, "title");
      title.textContent = label + ": " + s.admitted;
      bar.append(title);
      const text = document.createElementNS(SVG, "text");
      [["class", "axis"], ["x", i * step + step * 0.1], ["y", height + 14]].forEach(function (kv) { text.setAttribute(kv[0], String(kv[1])); });
      text.textContent = label;
      chart.append(bar, text);
    });
    box.append(chart);
  }

  async function doorPage(root) {
    const id = root.dataset.eventId;
    async function refresh() {
      const result = await call("/api/v1/admin/events/" + id + "/door");
      if (!result) { return false; }
      const b = result.body;
      SG.text($("door-title"), b.name);
      SG.text($("door-admitted"), String(b.admitted));
      SG.text($("door-remaining"), String(b.remaining));
      SG.text($("door-tickets"), String(b.tickets));
      slotChart($("door-slots"), b.bySlot);
      const sections = document.querySelector("[data-testid=door-sections] tbody");
      sections.replaceChildren.apply(sections, b.bySection.map(function (s) {
        return SG.el("tr", {}, [SG.el("th", { scope: "row", text: s.section }), cell(String(s.admitted)), cell(String(s.tickets))]);
      }));
      const scans = document.querySelector("[data-testid=door-scans] tbody");
      scans.replaceChildren.apply(scans, b.lastScans.map(function (s) {
        return SG.el("tr", { "data-ticket-id": s.ticketId }, [
          cell(new Date(s.at).toLocaleTimeString(SG.locale, { hourCycle: SG.hourCycle })), cell(s.section + " " + s.row + "-" + s.number), cell(s.name)]);
      }));
      SG.text($("door-updated"), SG.t("door_updated", { time: new Date().toLocaleTimeString(SG.locale, { hourCycle: SG.hourCycle }) }));
      return true;
    }
    if (await refresh()) { setInterval(refresh, 3000); }
  }

  const page = document.querySelector("[data-page]");
  if (!page) { return; }
  ({ "admin-staff": staffPage, "admin-door": doorPage })[page.dataset.page](page);
})();
