/* The venue's wall-clock time and UTC instants, for the back office's date fields. */
"use strict";
(function () {
  const SG = window.SG;

  function wall(zone, utcMs) {  // the venue's clock at an instant, as its parts
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric",
      month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(new Date(utcMs));
    const v = {}; parts.forEach(function (p) { v[p.type] = p.value; });
    return v;
  }

  function zoneOffsetMs(zone, utcMs) {
    const v = wall(zone, utcMs);
    return Date.UTC(Number(v.year), Number(v.month) - 1, Number(v.day), Number(v.hour), Number(v.minute), Number(v.second)) - utcMs;
  }

  /* "2030-05-01T21:00" at the venue -> an ISO instant (throws on an unknown zone). */
  function toUtc(local, zone) {
    const at = Date.parse(local + ":00Z");
    let guess = at - zoneOffsetMs(zone, at);
    guess = at - zoneOffsetMs(zone, guess);
    return new Date(guess).toISOString();
  }

  /* An ISO instant -> the venue's "YYYY-MM-DDTHH:MM" (a datetime-local field's value). */
  function toLocal(iso, zone) {
    if (!iso) { return ""; }
    const v = wall(zone, Date.parse(iso));
    return v.year + "-" + v.month + "-" + v.day + "T" + v.hour + ":" + v.minute;
  }

  SG.venueTime = { toUtc: toUtc, toLocal: toLocal };
})();
