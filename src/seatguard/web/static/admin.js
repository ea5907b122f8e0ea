/* The back office: events, one event's dashboard, orders and the audit log, from the admin API. */
"use strict";
(function () {
  const SG = window.SG;
  const $ = function (id) { return document.getElementById(id); };
  const SVG = "http://www.w3.org/2000/svg";
  const status = function (message) { SG.text($("admin-status"), message); };

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    Object.entries(attrs || {}).forEach(function (kv) { node.setAttribute(kv[0], String(kv[1])); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  const get = SG.adminApi;

  function cell(value, cls) { return SG.el("td", cls ? { class: cls, text: value } : { text: value }); }
  const when = function (iso) { return iso ? new Date(iso).toLocaleString(SG.locale, { hourCycle: SG.hourCycle }) : "—"; };
  const statusName = function (code) {
    const key = "status_" + code;
    const name = SG.t(key);
    return name === key ? code : name;
  };

  function barChart(box, bars, label) {
    box.replaceChildren();
    if (!bars.length) { box.append(SG.el("p", { class: "count", text: SG.t("nothing_sold") })); return; }
    const width = 480, height = 200, pad = 28, max = Math.max.apply(null, bars.map(function (b) { return b.value; })) || 1;
    const step = (width - pad) / bars.length;
    const chart = svg("svg", { viewBox: "0 0 " + width + " " + (height + 40), role: "img", "aria-label": label });
    chart.append(svg("title", {}, label));
    bars.forEach(function (b, i) {
      const h = Math.round((b.value / max) * height);
      const x = pad + i * step + step * 0.1;
      const bar = svg("rect", { class: "bar", x: x, y: height - h, width: step * 0.8, height: Math.max(h, 1) });
      bar.append(svg("title", {}, b.name + ": " + b.text));
      chart.append(bar, svg("text", { class: "axis", x: x, y: height + 14 }, b.name.slice(0, 12)),
        svg("text", { class: "axis", x: x, y: Math.max(height - h - 4, 10) }, b.text));
    });
    box.append(chart);
  }

  function heatMap(box, seats) {
    box.replaceChildren();
    const sections = new Map();
    seats.forEach(function (s) {
      if (!sections.has(s.section)) { sections.set(s.section, new Map()); }
      const rows = sections.get(s.section);
      if (!rows.has(s.row)) { rows.set(s.row, []); }
      rows.get(s.row).push(s);
    });
    const cellSize = 8, gap = 2;
    let y = 0, width = 0;
    const chart = svg("svg", { role: "img", "aria-label": SG.t("heatmap_label") });
    const counts = { AVAILABLE: 0, LOCKED: 0, SOLD: 0 };
    sections.forEach(function (rows, name) {
      chart.append(svg("text", { class: "axis", x: 0, y: y + 11 }, name));
      y += 16;
      rows.forEach(function (list) {
        list.forEach(function (s, i) {
          const state = s.status === "SOLD" ? "sold" : s.status === "LOCKED" ? "locked" : "available";
          counts[s.status] = (counts[s.status] || 0) + 1;
          chart.append(svg("rect", { class: "hm-" + state, x: i * (cellSize + gap), y: y,
            width: cellSize, height: cellSize, "data-status": s.status }));
          width = Math.max(width, (i + 1) * (cellSize + gap));
        });
        y += cellSize + gap;
      });
      y += 8;
    });
    chart.setAttribute("viewBox", "0 0 " + Math.max(width, 200) + " " + Math.max(y, 20));
    chart.setAttribute("data-sold", String(counts.SOLD));
    box.append(chart);
  }

  async function download(path, filename, button) {
    button.disabled = true;
    const response = await fetch(path, { headers: { Authorization: "Bearer " + SG.token() } });
    button.disabled = false;
    if (!response.ok) { status(SG.t("export_failed")); return; }
    const url = URL.createObjectURL(await response.blob());
    const a = SG.el("a", { href: url, download: filename });
    document.body.append(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    status("");
  }

  async function eventsPage() {
    const result = await get("/api/v1/admin/events");
    if (!result) { return; }
    const body = document.querySelector("#admin-events tbody");
    body.replaceChildren.apply(body, result.body.map(function (e) {
      const link = SG.el("a", { href: "/admin/events/" + e.id, text: e.name });
      return SG.el("tr", { "data-event-id": e.id }, [
        SG.el("th", { scope: "row" }, [link]), cell(when(e.startsAt)), cell(statusName(e.status)),
        cell(String(e.seats.sold), "num"), cell(String(e.seats.held), "num"), cell(String(e.seats.free), "num"),
        cell(SG.money(e.revenueMinor, e.currency), "num"), cell(SG.money(e.refundedMinor, e.currency), "num"),
        cell(String(e.checkedIn), "num")]);
    }));
  }

  async function dashboardPage(root) {
    const id = root.dataset.eventId;
    async function refresh() {
      const result = await get("/api/v1/admin/events/" + id + "/dashboard");
      if (!result) { return false; }
      const e = result.body.event;
      SG.text($("dash-title"), e.name);
      SG.text($("fig-sold"), String(e.seats.sold));
      SG.text($("fig-held"), String(e.seats.held));
      SG.text($("fig-free"), String(e.seats.free));
      SG.text($("fig-revenue"), SG.money(e.revenueMinor, e.currency));
      SG.text($("fig-refunds"), SG.money(e.refundedMinor, e.currency));
      SG.text($("fig-checked"), String(e.checkedIn));
      barChart($("chart-days"), result.body.salesByDay.map(function (d) {
        return { name: d.day.slice(5), value: d.tickets, text: String(d.tickets) };
      }), SG.t("tickets_by_day"));
      barChart($("chart-sections"), result.body.sections.map(function (s) {
        return { name: s.section, value: s.soldMinor, text: SG.money(s.soldMinor, e.currency) };
      }), SG.t("takings_by_section"));
      const seats = await SG.api("/api/v1/events/" + id + "/seats");
      if (seats.ok) { heatMap($("heatmap"), seats.body); }
      SG.text($("dash-updated"), SG.t("dashboard_updated", { time: new Date().toLocaleTimeString(SG.locale, { hourCycle: SG.hourCycle }) }));
      return true;
    }
    $("export-attendees").addEventListener("click", function (ev) {
      download("/api/v1/admin/events/" + id + "/attendees.csv", "attendees-" + id + ".csv", ev.currentTarget);
    });
    $("export-orders").addEventListener("click", function (ev) {
      download("/api/v1/admin/orders.csv?eventId=" + id, "orders-" + id + ".csv", ev.currentTarget);
    });
    async function showPoster() {
      const detail = await SG.api("/api/v1/events/" + id);
      if (detail.ok && detail.body.posterUrl) { $("poster-current").src = detail.body.posterUrl; $("poster-current").hidden = false; }
    }
    $("poster-upload").addEventListener("click", async function () {
      const file = $("poster-file").files[0];
      if (!file) { SG.text($("poster-state"), SG.t("choose_image")); return; }
      SG.text($("poster-state"), SG.t("uploading"));
      const response = await fetch("/api/v1/events/" + id + "/poster", { method: "PUT", body: file,
        headers: { Authorization: "Bearer " + SG.token(), "Content-Type": file.type || "application/octet-stream", "Accept-Language": SG.lang } });
      const body = await response.json();
      SG.text($("poster-state"), response.ok ? SG.t("poster_updated") : body.message);
      if (response.ok) { showPoster(); }
    });
    showPoster();
    if (await refresh()) { setInterval(refresh, 5000); }
  }

  async function ordersPage(form) {
    const params = new URLSearchParams(location.search);
    ["q", "status", "from", "to", "eventId"].forEach(function (name) {
      if (params.get(name)) { form.elements[name].value = params.get(name); }
    });
    async function search() {
      const query = new URLSearchParams();
      ["q", "status", "from", "to", "eventId"].forEach(function (name) {
        const value = form.elements[name].value.trim();
        if (value) { query.set(name, value); }
      });
      query.set("limit", "100");
      const result = await get("/api/v1/admin/orders?" + query.toString());
      if (!result) { return; }
      SG.text($("orders-count"), SG.t("orders_found", { count: result.response.headers.get("X-Total-Count") }));
      const body = document.querySelector("[data-testid=admin-orders] tbody");
      body.replaceChildren.apply(body, result.body.map(function (o) {
        return SG.el("tr", { "data-order-id": o.id }, [
          SG.el("th", { scope: "row" }, [SG.el("a", { href: "/admin/orders/" + o.id, text: o.reference })]),
          cell(when(o.createdAt)), cell(statusName(o.status)),
          cell((o.customerName || "") + " " + (o.customerEmail || "")), cell(o.eventName),
          cell(String(o.seats), "num"), cell(SG.money(o.amount, o.currency), "num")]);
      }));
    }
    form.addEventListener("submit", function (ev) { ev.preventDefault(); search(); });
    search();
  }

  async function auditPage() {
    const result = await get("/api/v1/admin/audit?limit=100");
    if (!result) { return; }
    const body = document.querySelector("#admin-audit tbody");
    body.replaceChildren.apply(body, result.body.map(function (a) {
      return SG.el("tr", {}, [cell(when(a.at)), cell(a.actorId + " (" + a.actorRole + ")"), cell(a.action),
        cell(a.targetType + " " + a.targetId), cell(JSON.stringify(a.details))]);
    }));
  }

  const page = document.querySelector("[data-page]");
  if (!page) { return; }
  ({ "admin-events": eventsPage, "admin-dashboard": dashboardPage, "admin-orders": ordersPage,
    "admin-audit": auditPage })[page.dataset.page](page);
})();
