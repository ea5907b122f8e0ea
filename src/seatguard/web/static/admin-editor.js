/* The event editor: sections, rows and prices with a live preview; posts to the events API. */
"use strict";
(function () {
  const SG = window.SG;
  const form = document.getElementById("event-editor");
  if (!form) { return; }
  const $ = function (id) { return document.getElementById(id); };
  const sections = $("sections");
  const template = $("section-template");
  const MAX_SEATS = Number(form.dataset.maxSeats || 100000);

  function input(cls, type, value, label, attrs) {
    const node = SG.el("input", Object.assign({ class: cls, type: type, "aria-label": label }, attrs || {}));
    node.value = value;
    return node;
  }

  /* Gaps are written "3" (one empty place after the third seat) or "3x2" (two places). */
  function gapsText(gaps) {
    return (gaps || []).map(function (g) { return g.width > 1 ? g.after + "x" + g.width : String(g.after); }).join(", ");
  }

  function tokens(text) { return text.split(/[\s,;]+/).filter(Boolean); }

  function parseGaps(text, skip) {
    return tokens(text).map(function (t) {
      const m = /^(\d+)(?:[x×](\d+))?$/i.exec(t);
      return m ? { after: Number(m[1]), width: m[2] ? Number(m[2]) : 1, skipNumbers: skip } : { after: NaN, width: 1, skipNumbers: skip };
    });
  }

  function parsePlaces(text) {
    return tokens(text).map(function (t) { return /^\d+$/.test(t) ? Number(t) : NaN; });
  }

  /* Each seat of a row as the server will number it: {number, gap before it, accessible}. */
  function rowSeats(r) {
    const gaps = new Map(r.gaps.map(function (g) { return [g.after, g]; }));
    const places = new Set(r.accessible);
    const out = [];
    let number = r.firstNumber;
    for (let i = 0; i < r.seats; i += 1) {
      const gap = gaps.get(i);
      if (gap && gap.skipNumbers) { number += gap.width; }
      out.push({ number: number, gap: gap ? gap.width : 0, accessible: places.has(i + 1) });
      number += 1;
    }
    return out;
  }

  function addRow(section, row) {
    const body = section.querySelector("tbody");
    const index = body.children.length;
    const name = section.querySelector(".sec-name").value || "section";
    const label = row ? row.row : String.fromCharCode(65 + index);
    const remove = SG.el("button", { type: "button", class: "secondary small", text: SG.t("remove"),
      "aria-label": SG.t("remove_row", { number: index + 1, section: name }) });
    const skip = input("row-skip", "checkbox", "", SG.t("row_skip", { row: label }));
    skip.checked = Boolean(row && (row.gaps || []).some(function (g) { return g.skipNumbers; }));
    const tr = SG.el("tr", {}, [
      SG.el("td", {}, [input("row-label", "text", label, SG.t("row_label"), { maxlength: "10" })]),
      SG.el("td", {}, [input("row-seats", "number", row ? row.seats : 10, SG.t("row_seats"), { min: "1", max: "2000" })]),
      SG.el("td", {}, [input("row-first", "number", row ? row.firstNumber : 1, SG.t("row_first"), { min: "0" })]),
      SG.el("td", {}, [input("row-gaps", "text", row ? gapsText(row.gaps) : "", SG.t("row_gaps", { row: label }), { maxlength: "200", size: "6", inputmode: "numeric" })]),
      SG.el("td", {}, [skip]),
      SG.el("td", {}, [input("row-accessible", "text", row ? (row.accessible || []).join(", ") : "", SG.t("row_accessible", { row: label }), { maxlength: "200", size: "6", inputmode: "numeric" })]),
      SG.el("td", {}, [remove])]);
    remove.addEventListener("click", function () { tr.remove(); update(); });
    body.append(tr);
  }

  function addSection(data) {
    const fragment = template.content.cloneNode(true);
    const section = fragment.querySelector(".section-editor");
    const n = sections.children.length + 1;
    section.querySelector(".sec-name").value = data ? data.name : (n === 1 ? "Platea" : SG.t("section_n", { number: n }));
    section.querySelector(".sec-price").value = data ? (data.priceMinor / 100).toFixed(2) : "50.00";
    section.querySelector("legend").textContent = SG.t("section_n", { number: n });
    section.querySelector(".add-row").addEventListener("click", function () { addRow(section); update(); });
    section.querySelector(".remove-section").addEventListener("click", function () { section.remove(); update(); });
    sections.append(section);
    (data ? data.rows : [null, null]).forEach(function (row) { addRow(section, row); });
    update();
  }

  function layout() {
    return Array.from(sections.querySelectorAll(".section-editor")).map(function (section) {
      return {
        name: section.querySelector(".sec-name").value.trim(),
        priceMinor: Math.round(Number(section.querySelector(".sec-price").value) * 100),
        rows: Array.from(section.querySelectorAll("tbody tr")).map(function (tr) {
          return { row: tr.querySelector(".row-label").value.trim(),
            seats: Number(tr.querySelector(".row-seats").value),
            firstNumber: Number(tr.querySelector(".row-first").value),
            gaps: parseGaps(tr.querySelector(".row-gaps").value, tr.querySelector(".row-skip").checked),
            accessible: parsePlaces(tr.querySelector(".row-accessible").value) };
        }),
      };
    });
  }

  function problems(sections) {
    const found = [];
    const names = new Set();
    let total = 0;
    if (!sections.length) { found.push(SG.t("need_section")); }
    sections.forEach(function (s) {
      if (!s.name) { found.push(SG.t("section_needs_name")); }
      if (names.has(s.name)) { found.push(SG.t("sections_differ", { section: s.name })); }
      names.add(s.name);
      if (!(s.priceMinor >= 0)) { found.push(SG.t("section_needs_price", { section: s.name })); }
      if (!s.rows.length) { found.push(SG.t("section_needs_row", { section: s.name })); }
      const rows = new Set();
      s.rows.forEach(function (r) {
        if (!r.row) { found.push(SG.t("row_needs_label")); }
        if (rows.has(r.row)) { found.push(SG.t("rows_differ", { section: s.name, row: r.row })); }
        rows.add(r.row);
        if (!(r.seats >= 1 && r.seats <= 2000)) { found.push(SG.t("row_seat_range")); }
        const afters = r.gaps.map(function (g) { return g.after; });
        if (afters.some(function (a) { return !(a >= 1 && a < r.seats); }) || new Set(afters).size !== afters.length
          || r.gaps.some(function (g) { return !(g.width >= 1 && g.width <= 50); })) {
          found.push(SG.t("row_gaps_invalid", { row: r.row }));
        }
        if (r.accessible.some(function (p) { return !(p >= 1 && p <= r.seats); }) || new Set(r.accessible).size !== r.accessible.length) {
          found.push(SG.t("row_accessible_invalid", { row: r.row, seats: r.seats }));
        }
        total += r.seats || 0;
      });
    });
    if (total > MAX_SEATS) { found.push(SG.t("max_seats", { max: MAX_SEATS })); }
    return found;
  }

  function update() {
    const current = layout();
    const preview = $("preview");
    preview.replaceChildren();
    let seats = 0;
    const currency = form.elements.currency.value || "usd";
    current.forEach(function (s) {
      const block = SG.el("div", { class: "section" }, [SG.el("h3", {}, [s.name || "…", " ",
        SG.el("span", { class: "price", text: SG.money(s.priceMinor || 0, currency) })])]);
      s.rows.forEach(function (r) {
        const count = Math.min(r.seats || 0, 200);
        const line = SG.el("div", { class: "row" }, [SG.el("span", { class: "row-label", text: r.row })]);
        rowSeats(r).slice(0, count).forEach(function (seat) {
          for (let g = 0; g < Math.min(seat.gap, 50); g += 1) { line.append(SG.el("span", { class: "preview-gap" })); }
          const name = r.row + seat.number;
          line.append(seat.accessible
            ? SG.el("span", { class: "preview-seat accessible", title: SG.t("wheelchair_space", { label: name }), text: "\u267F" })
            : SG.el("span", { class: "preview-seat", title: name }));
        });
        if (r.seats > count) { line.append(SG.el("span", { class: "count", text: " +" + (r.seats - count) })); }
        block.append(line);
        seats += r.seats || 0;
      });
      preview.append(block);
    });
    SG.text($("editor-summary"), current.length === 1 ? SG.t("summary_one", { seats: seats })
      : SG.t("summary_many", { seats: seats, sections: current.length }));
  }

  async function submit(ev) {
    ev.preventDefault();
    const current = layout();
    const found = problems(current);
    const f = form.elements;
    if (!f.name.value.trim() || !f.location.value.trim() || !f.date.value) {
      found.unshift(SG.t("event_required"));
    }
    let date = null, salesStartAt = null, salesEndAt = null;
    const toUtc = SG.venueTime.toUtc;
    try {
      date = f.date.value ? toUtc(f.date.value, f.timezone.value) : null;
      salesStartAt = f.salesStartAt.value ? toUtc(f.salesStartAt.value, f.timezone.value) : null;
      salesEndAt = f.salesEndAt.value ? toUtc(f.salesEndAt.value, f.timezone.value) : null;
    } catch (e) {
      found.unshift(SG.t("unknown_zone", { zone: f.timezone.value }));
    }
    if (found.length) { SG.text($("editor-errors"), found.join(" ")); return; }
    SG.text($("editor-errors"), "");
    const status = ev.submitter && ev.submitter.value === "DRAFT" ? "DRAFT" : "ON_SALE";
    const buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    const result = await SG.api("/api/v1/events", { method: "POST", body: {
      name: f.name.value.trim(), artist: f.artist.value.trim(), location: f.location.value.trim(),
      description: f.description.value, gender: f.gender.value, date: date, timezone: f.timezone.value,
      currency: f.currency.value.trim().toLowerCase(), sections: current, status: status,
      salesStartAt: salesStartAt, salesEndAt: salesEndAt } });
    buttons.forEach(function (b) { b.disabled = false; });
    if (result.status === 401) { location.assign(SG.loginUrl()); return; }
    if (result.ok) { location.assign("/admin/events/" + result.body.id); return; }
    SG.text($("editor-errors"), (result.body && result.body.message) || SG.t("event_not_created"));
  }

  async function duplicateFrom(id) {  // a tour: same layout and prices, new date and venue
    const result = await SG.api("/api/v1/events/" + id);
    if (!result.ok) { addSection(); return; }
    const e = result.body;
    const f = form.elements;
    f.name.value = e.name; f.artist.value = e.artist || ""; f.location.value = e.location;
    f.gender.value = e.gender; f.timezone.value = e.timezone; f.currency.value = e.currency;
    f.description.value = e.description || "";
    const bySection = new Map();
    e.seats.forEach(function (s) {  // in map order: a row's seats from its left
      if (!bySection.has(s.section)) { bySection.set(s.section, { name: s.section, priceMinor: s.priceMinor, rows: new Map() }); }
      const rows = bySection.get(s.section).rows;
      const number = Number(String(s.number).slice(String(s.row).length)) || 1;
      const row = rows.get(s.row) || { row: s.row, seats: 0, firstNumber: number, last: number - 1, gaps: [], accessible: [] };
      if (s.gapBefore) {
        row.gaps.push({ after: row.seats, width: s.gapBefore, skipNumbers: number - row.last - 1 >= s.gapBefore });
      }
      row.seats += 1; row.last = number;
      if (s.accessible) { row.accessible.push(row.seats); }
      rows.set(s.row, row);
    });
    bySection.forEach(function (s) { addSection({ name: s.name, priceMinor: s.priceMinor, rows: Array.from(s.rows.values()) }); });
    SG.text($("editor-summary"), SG.t("copied_from", { name: e.name }));
  }

  form.addEventListener("input", update);
  form.addEventListener("submit", submit);
  $("add-section").addEventListener("click", function () { addSection(); });
  const from = new URLSearchParams(location.search).get("from");
  if (from) { duplicateFrom(from); } else { addSection(); }
})();
